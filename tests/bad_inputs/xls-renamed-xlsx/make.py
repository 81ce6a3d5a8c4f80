"""Put an Excel 97-2003 workbook (old.xls, committed) where the .xlsx belongs.

old.xls holds the allocation table; it was written once with xlwt 1.3 (not a dependency of
ptdv): the binary BIFF8 format inside an OLE2 compound file, as old Excel saves it.
"""

import shutil
from pathlib import Path


def make(root: Path) -> None:
    shutil.copyfile(
        Path(__file__).with_name("old.xls"),
        root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx",
    )
