"""Put a "billion laughs" DTD in the sheet XML behind a comment of more than 1 MB.

ptdv searches the first megabyte of each XML part for a DTD before any parser sees it; this
DTD lies beyond that, so it is openpyxl's parser (defusedxml) that must refuse it.
"""

from pathlib import Path

from helpers import laughing_header

COMMENT = "<!--" + "x" * 1_100_000 + "-->\n"


def make(root: Path) -> None:
    laughing_header(
        root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx", before_dtd=COMMENT
    )
