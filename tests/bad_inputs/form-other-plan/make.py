"""A Nam Định district's form for 2026-H1 lands in the Bắc Giang folder of that period."""

from pathlib import Path

from openpyxl import load_workbook

FOLDER = "data/raw/bac-giang-2023-2028/actuals/2026-H1"


def make(root: Path) -> None:
    wb = load_workbook(root / FOLDER / "yen-dung.xlsx")
    ws = wb["Báo cáo"]
    ws["A1"] = "Liên đoàn Lao động tỉnh Nam Định"
    ws["A4"] = "Đơn vị: LĐLĐ huyện Hải Hậu"
    ws["B8"] = "LĐLĐ huyện Hải Hậu"
    wb.save(root / FOLDER / "hai-hau.xlsx")
