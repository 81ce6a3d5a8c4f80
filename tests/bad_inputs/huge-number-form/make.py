"""A unit's form gives 1,000,000,000,000,000 members at the period's end."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Báo cáo", {"G8": 10**15})
