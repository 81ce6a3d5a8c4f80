"""Skipping a pipeline step whose inputs have not changed, by content hash.

A step (cleaning a plan, computing a period's progress, rendering a period's reports) has a
*key*: the SHA-256 of everything its output depends on: the input files' contents, its
notebook, the parameters it runs with, the code of the package folders it runs, and the
installed packages. After a step has run, its key and the SHA-256 of each file it wrote are
recorded. The next time, the step is skipped when the key is the same *and* every file it
wrote is still there with the same content; otherwise it runs again. Nothing here decides
what a step depends on: the caller lists it (see ptdv.pipeline).

This module imports nothing heavy (no pandas): a run with nothing to do answers in well
under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from ptdv import __version__
from ptdv.base.atomic import atomic_file

#: The package's own folder (lib/ptdv).
PACKAGE = Path(__file__).resolve().parents[1]
#: Files of a tree that never affect an output (editor and Python caches, locks).
_IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".git"}
_IGNORED_SUFFIXES = {".pyc", ".lock", ".tmp"}


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files(root: Path) -> list[Path]:
    """Return the files under `root` (or `root` itself) that can affect an output, sorted."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_PARTS)
        for name in filenames:
            if name.startswith(".") or Path(name).suffix in _IGNORED_SUFFIXES:
                continue
            out.append(Path(dirpath) / name)
    return sorted(out)


def tree_sha256(*roots: Path) -> str:
    """Return one SHA-256 over the files under `roots`: their paths and their contents.

    A missing root counts as empty, so that creating it changes the digest.
    """
    h = hashlib.sha256()
    for root in roots:
        h.update(f"root\t{root.name}\n".encode())
        for p in _files(root):
            rel = p.relative_to(root).as_posix() if p != root else root.name
            h.update(f"{rel}\t{_digest_or_why(p)}\n".encode())
    return h.hexdigest()


def _digest_or_why(path: Path) -> str:
    """Return a file's SHA-256, or why it cannot be read (the step then runs and says so)."""
    try:
        return file_sha256(path)
    except OSError as err:
        return f"unreadable: {err.errno}"


def code_sha256(*parts: str) -> str:
    """Return the SHA-256 of package folders or modules, e.g. code_sha256("base", "tables").

    Names are relative to lib/ptdv (`progress.py`, `templates/report`, `locale`).
    """
    return tree_sha256(*(PACKAGE / p for p in parts))


@cache
def environment_sha256() -> str:
    """Return a SHA-256 of the Python and the installed distributions (names and versions).

    Read from the *.dist-info folder names on sys.path, without importing anything: a
    package upgraded or added changes it, so steps run again after an upgrade.
    """
    names = [sys.version]
    for entry in sys.path:
        try:
            names += sorted(n for n in os.listdir(entry) if n.endswith(".dist-info"))
        except OSError:
            continue
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def step_key(parts: Mapping[str, object]) -> str:
    """Return the key of a step from its named parts (digests, parameters): a SHA-256."""
    text = json.dumps(
        {"ptdv": __version__, "environment": environment_sha256(), **parts},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def outputs_sha256(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """Return {name: SHA-256} of files in `folder` (names relative to it)."""
    return {n: file_sha256(folder / n) for n in sorted(names)}


def intact(folder: Path, outputs: Mapping[str, str]) -> bool:
    """Whether every recorded output is in `folder` with its recorded content."""
    for name, digest in outputs.items():
        p = folder / name
        if Path(name).is_absolute() or ".." in Path(name).parts or not p.is_file():
            return False
        if file_sha256(p) != digest:
            return False
    return bool(outputs)


class StepRecords:
    """The record of the steps done for one folder: a JSON file `{step: {key, outputs, ...}}`.

    `outputs` are relative to the record file's folder.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def current(self, step: str, key: str) -> dict | None:
        """Return the step's record if it was done with `key` and its outputs are intact."""
        rec = self.load().get(step)
        if not isinstance(rec, dict) or rec.get("key") != key:
            return None
        outputs = rec.get("outputs")
        if not isinstance(outputs, dict) or not intact(self.path.parent, outputs):
            return None
        return rec

    def save(self, step: str, key: str, outputs: Iterable[str], **extra: object) -> dict:
        """Record that `step` was done with `key` and wrote `outputs`; return the record."""
        data = self.load()
        rec = {"key": key, "outputs": outputs_sha256(self.path.parent, outputs), **extra}
        data[step] = rec
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(self.path) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return rec
