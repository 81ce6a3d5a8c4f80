"""Empty the Bắc Giang allocation table (0 bytes), as a failed save leaves it."""

from pathlib import Path


def make(root: Path) -> None:
    (root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx").write_bytes(b"")
