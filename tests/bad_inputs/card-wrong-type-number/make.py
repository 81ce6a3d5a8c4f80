"""The on-track ratio written as a percentage text."""

from pathlib import Path

from helpers import replace_once

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    replace_once(root / CARD, "on_track_ratio: 0.9", 'on_track_ratio: "90%"')
