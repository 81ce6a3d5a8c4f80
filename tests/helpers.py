"""Helpers for the end-to-end tests: a scratch copy of the project and the `ptdv` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ptdv.base import paths

REPO = paths.PACKAGE_ROOT


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
