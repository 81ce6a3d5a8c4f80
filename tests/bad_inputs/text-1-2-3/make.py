"""A target typed as '1.2.3' in the Bắc Giang allocation table (Yên Dũng, 2024, members)."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Biểu chỉ tiêu"]
    ws["D8"] = "1.2.3"
    wb.save(root / PATH)
