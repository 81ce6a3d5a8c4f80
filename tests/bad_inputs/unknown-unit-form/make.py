"""A form names a unit the allocation table does not have (Yên Phong, a district of Bắc Ninh)."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Báo cáo"]
    ws["B8"] = "LĐLĐ huyện Yên Phong"
    wb.save(root / PATH)
