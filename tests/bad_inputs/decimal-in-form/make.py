"""A unit types '3,5' new grassroots unions (an average pasted over a count)."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Báo cáo", {"F8": "3,5"})
