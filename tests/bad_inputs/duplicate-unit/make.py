"""Row 9 of the Bắc Giang allocation table names Yên Dũng again instead of Việt Yên."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Biểu chỉ tiêu", {"B9": "LĐLĐ huyện Yên Dũng"})
