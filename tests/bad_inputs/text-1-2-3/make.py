"""A target typed as '1.2.3' in the Bắc Giang allocation table (Yên Dũng, 2024, members)."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Biểu chỉ tiêu", {"D8": "1.2.3"})
