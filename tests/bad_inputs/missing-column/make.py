"""Delete the 'Năm 2025' columns (E, F) of the allocation table."""

from pathlib import Path

from openpyxl import load_workbook


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    wb = load_workbook(path)
    ws = wb.active
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    ws.delete_cols(5, 2)
    for rng in ("A5:A6", "B5:B6", "C5:D5", "E5:F5", "G5:H5", "I5:J5", "K5:L5"):
        ws.merge_cells(rng)
    wb.save(path)
