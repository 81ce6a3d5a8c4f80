"""A unit's address with two '@' signs."""

from pathlib import Path

from helpers import replace_once


def make(root: Path) -> None:
    config = root / "config"
    replace_once(
        config / "recipients.example.yaml",
        "yen-dung@bac-giang.example.org",
        "yen-dung@@bac-giang.example.org",
        config / "recipients.yaml",
    )
