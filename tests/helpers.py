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
