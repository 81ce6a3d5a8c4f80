"""The lock files pin every dependency pyproject.toml names, at versions its bounds admit."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from ptdv.base import paths

ROOT = paths.PACKAGE_ROOT
sys.path.insert(0, str(ROOT / "scripts"))
from audit_lock import pins  # noqa: E402


def _requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    reqs = [Requirement(d) for d in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(d) for d in project["optional-dependencies"][extra]]
    return reqs


@pytest.mark.parametrize(
    ("lock", "extras"), [("dev.lock", ("dev",)), ("bench.lock", ("dev", "bench"))]
)
def test_lock_pins_every_dependency_within_its_bounds(lock: str, extras: tuple[str, ...]) -> None:
    pinned = {canonicalize_name(k): v for k, v in pins(ROOT / "requirements" / lock).items()}
    for req in _requirements(*extras):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is in pyproject.toml but not in {lock}: run make lock"
        assert Version(pinned[name]) in req.specifier, f"{lock}: {name}=={pinned[name]} vs {req}"


def test_every_pin_carries_a_hash() -> None:
    text = (ROOT / "requirements" / "dev.lock").read_text("utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(blocks) == len(pins(ROOT / "requirements" / "dev.lock")) > 100
    assert all("--hash=sha256:" in b for b in blocks)


def test_pins_reads_name_and_version(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    lock.write_text(
        "Babel==2.19.0 \\\n    --hash=sha256:ab\n    # via ptdv\n"
        "numpy==2.4.6 ; python_version < '3.12' \\\n    --hash=sha256:cd\n",
        "utf-8",
    )
    assert pins(lock) == {"babel": "2.19.0", "numpy": "2.4.6"}


def test_installed_environment_matches_the_lock() -> None:
    """What `make` installed is what the lock says (a stale .venv shows up here)."""
    pinned = pins(ROOT / "requirements" / "dev.lock")
    differ = {}
    for name, version in pinned.items():
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            differ[name] = (version, None)
            continue
        if Version(have) != Version(version):
            differ[name] = (version, have)
    assert differ == {}


def test_audit_script_refuses_a_missing_lock(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit_lock.py"), str(tmp_path / "none.lock")],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert res.stderr.strip() == f"audit: {tmp_path / 'none.lock'}: no such lock file"
