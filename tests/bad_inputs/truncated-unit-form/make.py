"""Cut Hiệp Hòa's 2026-H1 report form short."""

from pathlib import Path


def make(root: Path) -> None:
    path = root / "data/raw/bac-giang-2023-2028/actuals/2026-H1/hiep-hoa.xlsx"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
