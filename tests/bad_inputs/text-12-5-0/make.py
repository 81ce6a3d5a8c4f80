"""A target typed as '12,5,0' in the TLĐ allocation table (Bạc Liêu, term target)."""

from pathlib import Path

from openpyxl import load_workbook

PATH = "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx"


def make(root: Path) -> None:
    wb = load_workbook(root / PATH)
    ws = wb["Phụ lục"]
    ws["G12"] = "12,5,0"
    wb.save(root / PATH)
