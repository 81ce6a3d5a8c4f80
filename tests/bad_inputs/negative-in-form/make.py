"""A unit writes its members lost with a minus sign, and its net increase to match."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Báo cáo"]
    ws["D8"] = -23
    ws["E8"] = ws["C8"].value + 23
    wb.save(root / PATH)
