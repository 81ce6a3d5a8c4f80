"""Put a "billion laughs" DTD in the sheet XML behind a comment of more than 1 MB.

ptdv searches the first megabyte of each XML part for a DTD before any parser sees it; this
DTD lies beyond that, so it is openpyxl's parser (defusedxml) that must refuse it.
"""

from pathlib import Path

from helpers import rewrite_member

SHEET = "xl/worksheets/sheet1.xml"
COMMENT = "<!--" + "x" * 1_100_000 + "-->\n"
DTD = (
    '<!DOCTYPE worksheet [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def make(root: Path) -> None:
    def dtd_first(text: str) -> str:
        assert "<?xml" not in text and "<t>Đơn vị</t>" in text
        return COMMENT + DTD + text.replace("<t>Đơn vị</t>", "<t>Đơn vị &lol9;</t>", 1)

    rewrite_member(
        root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx", SHEET, dtd_first
    )
