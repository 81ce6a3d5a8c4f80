"""One writer per plan: a run, a send or a clean of a plan refuses to start while another holds it.

The lock is an advisory `flock` on a file of the temporary folder. The operating system drops
it when the holding process ends, however it ends (even SIGKILL), so a killed run never
leaves a plan stuck. The file also says who holds it (pid, command, start time) for the
message the second run prints. Within one process the lock is re-entrant (`ptdv run --send`
holds it once for both steps).

Taking the lock first tidies the plan's folders (`atomic.tidy`): what a killed writer left
there (hidden temporary files and staging folders, an old copy between two renames) is
removed or put back before anything else is written.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ptdv.base import paths
from ptdv.base.atomic import tidy, tidy_tree
from ptdv.base.errors import PtdvError


class BusyError(PtdvError):
    """Another ptdv process is working on the same plan."""

    exit_code = 3


_HELD: dict[str, tuple[int, int]] = {}  # plan id -> (file descriptor, depth)


def lock_path(plan_id: str) -> Path:
    """Return the lock file of a plan of this project (in the temporary folder, not reports/).

    The name carries a hash of the project's root, so two checkouts do not block each other.
    """
    project = hashlib.sha256(str(paths.root()).encode("utf-8")).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ptdv-locks-{os.getuid()}" / f"{project}-{plan_id}.lock"


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return "another ptdv process"
    command, pid, started = (info.get(k, "?") for k in ("command", "pid", "started"))
    return f"`{command}` (pid {pid}, since {started})"


def tidy_plan(plan_id: str) -> list[str]:
    """Remove or restore what killed writers left in a plan's folders; return what it did."""
    processed = paths.processed_dir(plan_id)
    done = tidy(processed.parent, plan_id) + tidy_tree(processed, depth=1)
    return done + tidy_tree(paths.reports_dir(plan_id), depth=2)


@contextmanager
def plan_lock(plan_id: str, command: str | None = None) -> Iterator[Path]:
    """Hold the plan's lock for the block; raise BusyError at once if another process has it."""
    if plan_id in _HELD:
        fd, depth = _HELD[plan_id]
        _HELD[plan_id] = (fd, depth + 1)
        try:
            yield lock_path(plan_id)
        finally:
            fd, depth = _HELD[plan_id]
            _HELD[plan_id] = (fd, depth - 1)
        return
    path = lock_path(plan_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        who = _holder(fd)
        os.close(fd)
        raise BusyError(
            f"plan {plan_id} is busy: {who} is still working on it; this one did nothing. "
            "Try again when it has finished."
        ) from None
    info = {
        "pid": os.getpid(),
        "command": command or " ".join(["ptdv", *sys.argv[1:]]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"), 0)
    _HELD[plan_id] = (fd, 1)
    try:
        tidy_plan(plan_id)
        yield path
    finally:
        del _HELD[plan_id]
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the lock
