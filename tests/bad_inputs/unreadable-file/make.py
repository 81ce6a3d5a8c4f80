"""Take every permission away from the allocation table (chmod 000)."""

from pathlib import Path


def make(root: Path) -> None:
    (root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx").chmod(0)
