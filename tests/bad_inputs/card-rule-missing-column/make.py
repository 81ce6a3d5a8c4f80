"""The members total's rule adds a year 2029 that no column maps."""

from pathlib import Path

CARD = "config/plans/bac-giang-2023-2028.yaml"


def make(root: Path) -> None:
    path = root / CARD
    text = path.read_text(encoding="utf-8")
    assert text.count("members_admitted@2027, members_admitted@2028]") >= 1
    path.write_text(
        text.replace(
            "members_admitted@2027, members_admitted@2028]",
            "members_admitted@2027, members_admitted@2029]",
            1,
        ),
        encoding="utf-8",
    )
