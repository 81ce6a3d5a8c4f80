"""Put the allocation table as comma-separated text where the .xlsx belongs."""

import csv
import io
from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    ws = load_workbook(path).active
    out = io.StringIO()
    csv.writer(out).writerows(ws.iter_rows(values_only=True))
    path.write_bytes(out.getvalue().encode("utf-8"))
