"""A unit typed 'khoảng 500' (about 500) for its admissions on its half-year form."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Báo cáo", {"C8": "khoảng 500"})
