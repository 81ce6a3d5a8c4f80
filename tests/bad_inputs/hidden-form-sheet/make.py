"""A unit hides the report sheet of its 2026-H1 form and keeps a visible draft with other
figures beside it."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    report = wb["Báo cáo"]
    draft = wb.copy_worksheet(report)
    draft.title = "Bản nháp"
    draft["C8"] = 999
    report.sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Bản nháp")
    wb.save(root / PATH)
