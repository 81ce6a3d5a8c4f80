"""The metrics list of the card left open: a `[` with no closing `]`."""

from pathlib import Path

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    path = root / CARD
    text = path.read_text(encoding="utf-8")
    assert text.count("metrics: [members_admitted, unions_founded]") >= 1
    path.write_text(
        text.replace(
            "metrics: [members_admitted, unions_founded]",
            "metrics: [members_admitted, unions_founded",
            1,
        ),
        encoding="utf-8",
    )
