"""A unit types '3,5' new grassroots unions (an average pasted over a count)."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    wb["Báo cáo"]["F8"] = "3,5"
    wb.save(root / PATH)
