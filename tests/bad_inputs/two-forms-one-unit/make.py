"""Yên Dũng's 2026-H1 form arrives twice: the download saved as 'yen-dung (1).xlsx'."""

import shutil
from pathlib import Path

FOLDER = "data/raw/bac-giang-2023-2028/actuals/2026-H1"


def make(root: Path) -> None:
    shutil.copyfile(root / FOLDER / "yen-dung.xlsx", root / FOLDER / "yen-dung (1).xlsx")
