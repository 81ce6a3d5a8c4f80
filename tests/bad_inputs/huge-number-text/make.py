"""A TLĐ target written as '1.000.000.000.000' (a trillion members)."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Phụ lục"]
    ws["G13"] = "1.000.000.000.000"
    wb.save(root / PATH)
