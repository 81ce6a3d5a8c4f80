"""A unit gives its members lost as a rate ('12%') instead of a count."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    wb["Báo cáo"]["D8"] = "12%"
    wb.save(root / PATH)
