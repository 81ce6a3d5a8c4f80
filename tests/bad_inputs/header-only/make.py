"""Delete every row below the header (rows 7-24: the units and the totals row)."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    wb.active.delete_rows(7, 18)
    wb.save(path)
