"""The members total's rule adds a year 2029 that no column maps."""

from pathlib import Path

from helpers import replace_once

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    replace_once(
        root / CARD,
        "members_admitted@2027, members_admitted@2028]",
        "members_admitted@2027, members_admitted@2029]",
    )
