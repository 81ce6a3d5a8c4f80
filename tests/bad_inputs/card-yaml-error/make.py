"""The metrics list of the card left open: a `[` with no closing `]`."""

from pathlib import Path

from helpers import replace_once

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    replace_once(
        root / CARD,
        "metrics: [members_admitted, unions_founded]",
        "metrics: [members_admitted, unions_founded",
    )
