"""Yên Dũng sent its 2025-H2 form again; it was filed as its 2026-H1 form."""

import shutil
from pathlib import Path

ACTUALS = "data/raw/bac-giang-2023-2028/actuals"


def make(root: Path) -> None:
    shutil.copyfile(
        root / ACTUALS / "2025-H2/yen-dung.xlsx", root / ACTUALS / "2026-H1/yen-dung.xlsx"
    )
