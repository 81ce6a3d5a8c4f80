"""Excel turned a unit's members figure into a date: a real date cell (31/05/2026)."""

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/bac-giang-2023-2028/actuals/2026-H1/yen-dung.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Báo cáo"]
    ws["G8"] = dt.datetime(2026, 5, 31)
    ws["G8"].number_format = "dd/mm/yyyy"
    wb.save(root / PATH)
