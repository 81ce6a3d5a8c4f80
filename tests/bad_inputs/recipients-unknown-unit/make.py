"""A unit of another province listed under Bắc Giang's units."""

from pathlib import Path


def make(root: Path) -> None:
    text = (root / "config/recipients.example.yaml").read_text(encoding="utf-8")
    assert "yen-dung:" in text
    (root / "config/recipients.yaml").write_text(
        text.replace("yen-dung:", "yen-phong:", 1), encoding="utf-8"
    )
