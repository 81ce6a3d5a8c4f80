"""A target typed as '12,5,0' in the TLĐ allocation table (Bạc Liêu, term target)."""

from pathlib import Path

from helpers import set_cells

PATH = "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx"


def make(root: Path) -> None:
    set_cells(root / PATH, "Phụ lục", {"G12": "12,5,0"})
