"""Put a "billion laughs" DTD in the allocation workbook's sheet XML.

Ten levels of entities are declared, each ten of the one before: `&lol9;` in the 'Đơn vị'
header would expand to 10^9 "lol"s (3 GB) in a parser that expands entities. Excel never
writes a DTD.
"""

from pathlib import Path

from helpers import rewrite_member

SHEET = "xl/worksheets/sheet1.xml"
DTD = (
    '<!DOCTYPE worksheet [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def make(root: Path) -> None:
    def dtd_first(text: str) -> str:
        assert "<?xml" not in text and "<t>Đơn vị</t>" in text
        return DTD + text.replace("<t>Đơn vị</t>", "<t>Đơn vị &lol9;</t>", 1)

    rewrite_member(
        root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx", SHEET, dtd_first
    )
