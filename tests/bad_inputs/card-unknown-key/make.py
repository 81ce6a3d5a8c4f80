"""The key half_years misspelt as half_year."""

from pathlib import Path

from helpers import replace_once

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    replace_once(root / CARD, "half_years: statistical", "half_year: statistical")
