"""A log file for every run and send under reports/logs/, for the unattended six-month job.

`command_log("run", plan, period)` copies everything the command prints (and the package's
log records) into reports/logs/<time>-<command>-<plan>-<period>.log and points
reports/logs/last-<command>.log at it, so "what did the last run do?" is one `cat` away.
Log lines never hold a secret: nothing ptdv prints contains the SMTP password.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ptdv.base import paths
from ptdv.base.errors import PtdvError


def logs_dir() -> Path:
    """Return reports/logs."""
    return paths.reports_dir() / "logs"


class _Tee:
    """A text stream that writes to the terminal and to the log file."""

    def __init__(self, stream: TextIO, log: TextIO) -> None:
        self._stream = stream
        self._log = log

    def write(self, text: str) -> int:
        self._log.write(text)
        self._log.flush()
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()
        self._log.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _point(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target.name)
    os.replace(tmp, link)


class RunLog:
    """The log of one command: where it is, and the exit code to write at its end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.exit_code: object = None


@contextlib.contextmanager
def command_log(command: str, *parts: str | None) -> Iterator[RunLog]:
    """Copy the command's output into a new log file for the block; set `.exit_code` on it."""
    folder = logs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = "-".join([stamp, command, *[p for p in parts if p]]) + f"-{os.getpid()}.log"
    path = folder / name
    log = path.open("w", encoding="utf-8")
    log.write(f"# {time.strftime('%Y-%m-%d %H:%M:%S %z')} ptdv {' '.join(sys.argv[1:])}\n")
    log.flush()
    _point(folder / f"last-{command}.log", path)
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    pkg = logging.getLogger("ptdv")
    old_level = pkg.level
    pkg.addHandler(handler)
    if pkg.getEffectiveLevel() > logging.INFO:
        pkg.setLevel(logging.INFO)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(out, log), _Tee(err, log)
    record = RunLog(path)
    code: object = "ended by an exception"
    try:
        yield record
        code = f"exit code {record.exit_code}"
    except PtdvError as exc:  # the command line prints it after the block: log it here
        log.write(f"error: {exc}\n")
        code = f"exit code {exc.exit_code}"
        raise
    finally:
        sys.stdout, sys.stderr = out, err
        pkg.removeHandler(handler)
        pkg.setLevel(old_level)
        log.write(f"# ended {time.strftime('%Y-%m-%d %H:%M:%S %z')} ({code})\n")
        log.close()
