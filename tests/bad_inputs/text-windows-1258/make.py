"""Save the text copy of the allocation table as Windows-1258, as old Vietnamese Windows did.

That code page has the letters â ê ô ơ ư ă đ but writes most tone marks as separate
combining characters after the letter (ệ = ê + dot below), which is how it is written here.
"""

import unicodedata
from pathlib import Path

TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        tones = "".join(c for c in parts if c in TONES)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.txt"
    data = to_cp1258(path.read_text("utf-8"))
    path.write_bytes(data)
