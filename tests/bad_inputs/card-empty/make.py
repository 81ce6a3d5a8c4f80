"""The plan card was saved empty (an editor crash, a failed copy)."""

from pathlib import Path


def make(root: Path) -> None:
    (root / "config/plans/bac-giang-2023-2028.yaml").write_text("", encoding="utf-8")
