"""Row 9 of the Bắc Giang allocation table names Yên Dũng again instead of Việt Yên."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Biểu chỉ tiêu"]
    ws["B9"] = "LĐLĐ huyện Yên Dũng"
    wb.save(root / PATH)
