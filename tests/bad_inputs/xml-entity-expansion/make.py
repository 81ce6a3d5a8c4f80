"""Put a "billion laughs" DTD in the allocation workbook's sheet XML.

Ten levels of entities are declared, each ten of the one before: `&lol9;` in the 'Đơn vị'
header would expand to 10^9 "lol"s (3 GB) in a parser that expands entities. Excel never
writes a DTD.
"""

from pathlib import Path

from helpers import laughing_header


def make(root: Path) -> None:
    laughing_header(root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx")
