"""Replace the allocation workbook by one whose sheet 'Biểu chỉ tiêu' holds nothing."""

from pathlib import Path

from openpyxl import Workbook


def make(root: Path) -> None:
    wb = Workbook()
    wb.active.title = "Biểu chỉ tiêu"
    wb.save(root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx")
