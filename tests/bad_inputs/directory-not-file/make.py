"""Replace the allocation table by a folder of the same name (an unzipped download)."""

from pathlib import Path


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    path.unlink()
    (path / "xl").mkdir(parents=True)
