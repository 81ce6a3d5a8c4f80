"""Rename the allocation table's sheet and add a second one, as a sender might."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    wb.active.title = "Sheet1"
    wb.create_sheet("Ghi chú")
    wb.save(path)
