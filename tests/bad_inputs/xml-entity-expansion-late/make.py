"""Put a "billion laughs" DTD in the sheet XML behind a comment of more than 1 MB.

ptdv searches the first megabyte of each XML part for a DTD before any parser sees it; this
DTD lies beyond that, so it is openpyxl's parser (defusedxml) that must refuse it.
"""

import zipfile
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"
COMMENT = "<!--" + "x" * 1_100_000 + "-->\n"
DTD = (
    '<!DOCTYPE worksheet [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    with zipfile.ZipFile(path) as z:
        members = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == SHEET:
                text = data.decode("utf-8")
                assert "<?xml" not in text and "<t>Đơn vị</t>" in text
                text = COMMENT + DTD + text.replace("<t>Đơn vị</t>", "<t>Đơn vị &lol9;</t>", 1)
                data = text.encode("utf-8")
            z.writestr(name, data)
