"""Row 11 of the TLĐ table names An Giang again instead of Bà Rịa-Vũng Tàu (a copy slip)."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    wb["Phụ lục"]["B11"] = "An Giang"
    wb.save(root / PATH)
