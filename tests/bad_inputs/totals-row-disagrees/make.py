"""The TỔNG row states 23.000 members for 2024 where the units add up to 23.960."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Biểu chỉ tiêu"]
    ws["D24"] = 23000
    wb.save(root / PATH)
