"""A mapping left open in the recipients file."""

from pathlib import Path


def make(root: Path) -> None:
    text = (root / "config/recipients.example.yaml").read_text(encoding="utf-8")
    assert "{to: [yen-dung@bac-giang.example.org]}" in text
    (root / "config/recipients.yaml").write_text(
        text.replace(
            "{to: [yen-dung@bac-giang.example.org]}", "{to: [yen-dung@bac-giang.example.org]", 1
        ),
        encoding="utf-8",
    )
