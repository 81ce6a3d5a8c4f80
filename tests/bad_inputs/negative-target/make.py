"""A minus sign slipped into a target: Yên Dũng's 2024 members target is -500."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Biểu chỉ tiêu", {"D8": -500})
