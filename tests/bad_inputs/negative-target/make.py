"""A minus sign slipped into a target: Yên Dũng's 2024 members target is -500."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Biểu chỉ tiêu"]
    ws["D8"] = -500
    wb.save(root / PATH)
