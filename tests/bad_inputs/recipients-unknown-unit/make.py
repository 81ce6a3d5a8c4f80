"""A unit of another province listed under Bắc Giang's units."""

from pathlib import Path

from helpers import replace_once


def make(root: Path) -> None:
    config = root / "config"
    replace_once(
        config / "recipients.example.yaml", "yen-dung:", "yen-phong:", config / "recipients.yaml"
    )
