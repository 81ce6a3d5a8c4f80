"""A unit's form gives 1,000,000,000,000,000 members at the period's end."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Báo cáo"]
    ws["G8"] = 10**15
    wb.save(root / PATH)
