"""Hide row 9 (LĐLĐ huyện Việt Yên) of the allocation table."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    wb.active.row_dimensions[9].hidden = True
    wb.save(path)
