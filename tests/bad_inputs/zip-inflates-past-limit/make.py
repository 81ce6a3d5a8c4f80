"""Pad the allocation table's sheet XML with 250 kB of spaces: under 10 kB stored.

No single part passes the zip-bomb ratio check (it applies past 10 MB), but all parts
together would inflate to more than 20 times the size limit this case sets (0.01 MB).
"""

import zipfile
from pathlib import Path

PAD = 250_000


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    with zipfile.ZipFile(path) as z:
        members = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members:
            if name == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"<sheetData>", 1)
                data = head + b"<sheetData>" + b" " * PAD + tail
            z.writestr(name, data)
    assert path.stat().st_size < 10_000
