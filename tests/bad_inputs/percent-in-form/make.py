"""A unit gives its members lost as a rate ('12%') instead of a count."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Báo cáo", {"D8": "12%"})
