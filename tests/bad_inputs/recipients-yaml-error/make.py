"""A mapping left open in the recipients file."""

from pathlib import Path

from helpers import replace_once


def make(root: Path) -> None:
    config = root / "config"
    replace_once(
        config / "recipients.example.yaml",
        "{to: [yen-dung@bac-giang.example.org]}",
        "{to: [yen-dung@bac-giang.example.org]",
        config / "recipients.yaml",
    )
