"""The rule of the CĐCS total written as one text (a formula) instead of a list of columns."""

from pathlib import Path

CARD = "config/plans/bac-giang-2023-2028.yaml"
YEARS = ", ".join(f"unions_founded@{y}" for y in range(2024, 2029))


def make(root: Path) -> None:
    path = root / CARD
    text = path.read_text(encoding="utf-8")
    old = f"sum: [{YEARS}]"
    assert text.count(old) == 1
    new = "sum: unions_founded@2024 + unions_founded@2025"
    path.write_text(text.replace(old, new), encoding="utf-8")
