"""The on-track ratio written as a percentage text."""

from pathlib import Path

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    path = root / CARD
    text = path.read_text(encoding="utf-8")
    assert text.count("on_track_ratio: 0.9") >= 1
    path.write_text(
        text.replace("on_track_ratio: 0.9", 'on_track_ratio: "90%"', 1), encoding="utf-8"
    )
