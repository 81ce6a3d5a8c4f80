"""Cut the Bắc Giang allocation table short, as an interrupted download leaves it."""

from pathlib import Path


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
