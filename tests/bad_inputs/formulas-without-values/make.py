"""Turn the 2024 members of Yên Dũng into a formula; openpyxl stores no computed value."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    wb.active["D8"] = "=300+200"
    wb.save(path)
