"""The TỔNG row states 23.000 members for 2024 where the units add up to 23.960."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Biểu chỉ tiêu", {"D24": 23000})
