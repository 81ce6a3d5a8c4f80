"""Row 11 of the TLĐ table names An Giang again instead of Bà Rịa-Vũng Tàu (a copy slip)."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Phụ lục", {"B11": "An Giang"})
