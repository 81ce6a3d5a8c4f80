"""Put the allocation workbook, encrypted with the password "ptdv", where the .xlsx belongs.

encrypted.xlsx (committed) was made once with msoffcrypto-tool 6.1 (not a dependency of
ptdv) from data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx: Excel's "Encrypt with
Password" writes the same thing, an OLE2 compound file holding EncryptionInfo and
EncryptedPackage streams instead of a zip archive.
"""

import shutil
from pathlib import Path


def make(root: Path) -> None:
    shutil.copyfile(
        Path(__file__).with_name("encrypted.xlsx"),
        root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx",
    )
