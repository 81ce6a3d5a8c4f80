"""Pad the allocation table's sheet XML with 200 MB of spaces: a file of ~200 kB that inflates.

The padding sits inside the XML (between elements), so the sheet would still parse: only the
zip's declared sizes give it away.
"""

import zipfile
from pathlib import Path

PAD = 200 * 1000 * 1000


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"<sheetData>", 1)
                with z.open(info.filename, "w", force_zip64=True) as out:
                    out.write(head + b"<sheetData>")
                    block = b" " * (1 << 20)
                    for _ in range(PAD // len(block)):
                        out.write(block)
                    out.write(tail)
            else:
                z.writestr(info.filename, data)
