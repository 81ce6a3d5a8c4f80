"""Save the text copy of the allocation table as UTF-16 (little-endian) with no byte-order mark."""

from pathlib import Path


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.txt"
    path.write_bytes(path.read_text("utf-8").encode("utf-16-le"))
