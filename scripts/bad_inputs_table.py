"""Write the README table "what each bad input gets" from the corpus in tests/bad_inputs/.

    python scripts/bad_inputs_table.py          rewrite the table in README.md
    python scripts/bad_inputs_table.py --check  exit 1 if README.md's table is out of date

The table stands between the markers `<!-- bad-inputs:start -->` and
`<!-- bad-inputs:end -->`; nothing else of README.md is touched. One row per case folder
(sorted by slug): what the bad input is, the exit code, and the line the user sees (for a
case whose data stays usable, the finding the data-quality log gets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "bad_inputs"
README = ROOT / "README.md"
START = "<!-- bad-inputs:start -->"
END = "<!-- bad-inputs:end -->"


def _cell(text: str) -> str:
    """Return text fit for one Markdown table cell (pipes escaped, one line)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    """Return text as inline code, with a fence longer than any backtick run inside."""
    text = " ".join(str(text).split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def table() -> str:
    """Return the Markdown table of the corpus."""
    lines = [
        "| bad input | exit | what the user sees |",
        "|---|---|---|",
    ]
    for folder in sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file()):
        case = yaml.safe_load((folder / "case.yaml").read_text("utf-8"))
        if "stderr" in case:
            seen = _code(case["stderr"].strip())
        else:
            seen = "finding in the data-quality log: " + _code(case["finding"])
        lines.append(f"| {_cell(case['what'])} | {case['exit']} | {seen} |")
    return "\n".join(lines)


def render(readme: str) -> str:
    """Return README text with the table between the markers replaced."""
    if readme.count(START) != 1 or readme.count(END) != 1:
        raise SystemExit(f"README.md must hold {START} and {END} once each")
    head, rest = readme.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite or check the table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args(argv)
    current = README.read_text("utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(
                "README.md's bad-inputs table is out of date: "
                "run python scripts/bad_inputs_table.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if wanted != current:
        README.write_text(wanted, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
