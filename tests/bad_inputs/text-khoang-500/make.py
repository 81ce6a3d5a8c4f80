"""A unit typed 'khoảng 500' (about 500) for its admissions on its half-year form."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Báo cáo"]
    ws["C8"] = "khoảng 500"
    wb.save(root / PATH)
