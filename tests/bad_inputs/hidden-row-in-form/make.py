"""A unit hides the row of its own figures (row 8) on its 2026-H1 form."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    wb["Báo cáo"].row_dimensions[8].hidden = True
    wb.save(root / PATH)
