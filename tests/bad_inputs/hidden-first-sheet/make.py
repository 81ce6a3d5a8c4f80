"""Hide the allocation table's sheet (the first) and add a visible sheet after it."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    wb.create_sheet("Bản in")["A1"] = "Xem sheet Biểu chỉ tiêu"
    wb.active = 1
    wb["Biểu chỉ tiêu"].sheet_state = "hidden"
    wb.save(path)
