"""The key half_years misspelt as half_year."""

from pathlib import Path

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    path = root / CARD
    text = path.read_text(encoding="utf-8")
    assert text.count("half_years: statistical") >= 1
    path.write_text(
        text.replace("half_years: statistical", "half_year: statistical", 1), encoding="utf-8"
    )
