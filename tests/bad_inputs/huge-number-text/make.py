"""A TLĐ target written as '1.000.000.000.000' (a trillion members)."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Phụ lục", {"G13": "1.000.000.000.000"})
