"""`make audit`: known vulnerabilities in the locked dependency versions.

    .venv/bin/python scripts/audit_lock.py requirements/dev.lock [requirements/bench.lock ...]

First pip-audit checks every pinned version of each lock file against PyPI's advisories
(`pip-audit --disable-pip --require-hashes -r LOCK`). Some networks (this project's
workplace among them) reach PyPI's index and each project's latest-release page but not
the per-version pages pip-audit asks for; pip-audit then skips those packages. For each
skipped package this script reads the latest-release page instead: when the locked version
is that latest release, the advisories listed there are the locked version's own, so the
package is audited after all; when a newer release exists, the package is reported as not
audited, never as safe.

Exit status: 1 when a known vulnerability affects a locked version, 2 when the audit could
not run at all, 0 otherwise (the packages that could not be audited are listed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PYPI = "https://pypi.org/pypi/{name}/json"


def _latest(name: str, attempts: int = 3, timeout: float = 20.0) -> dict | None:
    """Return PyPI's latest-release page of `name`, or None when it cannot be read."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(PYPI.format(name=name), timeout=timeout) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
        except (urllib.error.URLError, TimeoutError, ValueError):
            pass
        time.sleep(1 + attempt)
    return None


def _pip_audit(lock: Path) -> list[dict]:
    cmd = [
        sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes",
        "--progress-spinner", "off", "--format", "json", "-r", str(lock),
    ]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    try:
        return json.loads(res.stdout)["dependencies"]
    except (ValueError, KeyError):
        raise SystemExit(f"audit: pip-audit did not run on {lock}: {res.stderr.strip()}") from None


def pins(lock: Path) -> dict[str, str]:
    """Return {package: version} of the `name==version` lines of a lock file."""
    lines = lock.read_text("utf-8").splitlines()
    found = (re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", line) for line in lines)
    return {m[1].lower(): m[2] for m in found if m}


def audit(lock: Path) -> tuple[list[str], list[str], int]:
    """Return (vulnerabilities, packages not audited, packages audited) for one lock file."""
    found: list[str] = []
    skipped: list[str] = []
    audited = 0
    locked = pins(lock)
    deps = _pip_audit(lock)
    todo = [d["name"] for d in deps if "skip_reason" in d]
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = dict(zip(todo, pool.map(_latest, todo), strict=True))
    for dep in deps:
        name = dep["name"]
        version = dep.get("version") or locked.get(name.lower(), "?")
        if "skip_reason" not in dep:
            audited += 1
            found += [
                f"{name} {version}: {v['id']} (fixed in {', '.join(v['fix_versions'])})"
                for v in dep["vulns"]
            ]
            continue
        page = pages[name]
        if page is None or page["info"]["version"] != version:
            newer = page["info"]["version"] if page else "?"
            skipped.append(f"{name} {version} (latest {newer})")
            continue
        audited += 1
        for v in page.get("vulnerabilities", []):
            if not v.get("withdrawn"):
                found.append(f"{name} {version}: {v['id']} (fixed in {v.get('fixed_in')})")
    return found, skipped, audited


def main(argv: list[str]) -> int:
    """Audit each lock file given; print what was found and what could not be audited."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for name in argv:
        lock = Path(name)
        if not lock.is_file():
            print(f"audit: {lock}: no such lock file", file=sys.stderr)
            return 2
        found, skipped, audited = audit(lock)
        print(f"{lock}: {audited} packages audited, {len(found)} known vulnerabilities")
        for line in found:
            print(f"  VULNERABLE {line}")
        if skipped:
            print(f"  not audited (no advisory page reachable for the locked version): "
                  f"{', '.join(skipped)}")  # fmt: skip
        status = max(status, 1 if found else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
