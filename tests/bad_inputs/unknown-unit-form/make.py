"""A form names a unit the allocation table does not have (Yên Phong, a district of Bắc Ninh)."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Báo cáo", {"B8": "LĐLĐ huyện Yên Phong"})
