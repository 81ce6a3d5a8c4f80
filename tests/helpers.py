"""Helpers for the end-to-end tests: a scratch copy of the project and the `ptdv` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from ptdv.base import paths

REPO = paths.PACKAGE_ROOT


@contextmanager
def shipped_project() -> Iterator[Path]:
    """Within the block, ptdv reads the repository's own plans and data (PTDV_ROOT unset).

    For module-scoped fixtures, which run before any function's `monkeypatch`: a PTDV_ROOT
    set by the caller would otherwise make them read another project.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)
        yield REPO


def project_copy(tmp: Path) -> Path:
    """Return a scratch project root holding copies of config/, notebooks/ and data/raw/."""
    root = tmp / "proj"
    for d in ("config", "notebooks", "data/raw"):
        shutil.copytree(REPO / d, root / d)
    return root


def run_ptdv(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run `ptdv ARGS` on the project at `root` (PTDV_ROOT) and return what it did.

    The caller's PTDV_* variables (a developer's SMTP settings) are left out; `env` adds.
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith("PTDV_")}
    env = {**base, **(env or {}), "PTDV_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "ptdv.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=timeout,
    )


def replace_once(src: Path, old: str, new: str, dest: Path | None = None) -> None:
    """Write `src`'s text with its first `old` made `new` to `dest` (default: `src` itself).

    The bad-input cases build their input this way; `old` must be there, so a case whose
    source file changed fails loudly instead of testing an unchanged file.
    """
    text = src.read_text(encoding="utf-8")
    assert old in text, f"{src}: {old!r} not found"
    (dest or src).write_text(text.replace(old, new, 1), encoding="utf-8")


def rewrite_member(path: Path, member: str, edit: Callable[[str], str]) -> None:
    """Rewrite one XML part of a zip (an .xlsx) through `edit`, the other parts as they were."""
    with zipfile.ZipFile(path) as z:
        members = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            z.writestr(name, data)


def set_cells(path: Path, sheet: str, cells: dict[str, object]) -> None:
    """Write values into cells of one sheet of a workbook (a bad-input case's one edit)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[sheet]
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)


#: A "billion laughs" DTD: ten levels of entities, each ten of the one before, so that
#: `&lol9;` would expand to 10^9 "lol"s (3 GB) in a parser that expands entities.
BILLION_LAUGHS = (
    '<!DOCTYPE worksheet [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def laughing_header(path: Path, before_dtd: str = "") -> None:
    """Put BILLION_LAUGHS (after `before_dtd`) in a workbook's first sheet; `&lol9;` in 'Đơn vị'."""

    def edit(text: str) -> str:
        assert "<?xml" not in text and "<t>Đơn vị</t>" in text
        return (
            before_dtd + BILLION_LAUGHS + text.replace("<t>Đơn vị</t>", "<t>Đơn vị &lol9;</t>", 1)
        )

    rewrite_member(path, "xl/worksheets/sheet1.xml", edit)


def tiny_notebook(root: Path, name: str, parameter: str, *cells: str) -> None:
    """Write notebooks/<name> under `root` (a project of its own): a parameters cell that
    sets `parameter` to '', then `cells`."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    params = nbformat.v4.new_code_cell(f"{parameter} = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    (root / "notebooks").mkdir(exist_ok=True)
    nbformat.write(nb, root / "notebooks" / name)
