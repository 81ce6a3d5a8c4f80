"""A unit's address with two '@' signs."""

from pathlib import Path


def make(root: Path) -> None:
    text = (root / "config/recipients.example.yaml").read_text(encoding="utf-8")
    assert "yen-dung@bac-giang.example.org" in text
    (root / "config/recipients.yaml").write_text(
        text.replace("yen-dung@bac-giang.example.org", "yen-dung@@bac-giang.example.org", 1),
        encoding="utf-8",
    )
