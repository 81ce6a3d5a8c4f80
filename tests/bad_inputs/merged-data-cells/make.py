"""Merge D8:D9 of the allocation table: Yên Dũng's and Việt Yên's 2024 members in one cell."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    wb.active.merge_cells("D8:D9")
    wb.save(path)
