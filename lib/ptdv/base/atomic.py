"""Write files and folders so that readers see the old version or the new one, never half.

`atomic_file(path)` yields a temporary path beside `path` and moves it over `path` when the
block ends without error; `replace_dir(staging, dest)` swaps a finished folder into place.

The swap of a folder is one exchange rename (Linux `renameat2(RENAME_EXCHANGE)`) where the
file system offers it: `dest` names the old complete folder, then the new one, and never
nothing. Elsewhere it is two renames (`dest` to a hidden `.<name>.old-<pid>-…`, then the
staging folder to `dest`); a failure between them puts the old folder back, and a process
killed between them (nothing runs then) leaves the hidden old copy, which `tidy` (called by
every writer before it writes: `replace_dir`, `atomic_file`, and the plan lock) renames back.

Temporary names carry the writer's pid: `.<name>.tmp-<pid>-<random>` (files and staging
folders) and `.<name>.old-<pid>-<random>`. A killed writer's leftovers are hidden (the dot)
and never carry the final name; `tidy` removes those whose pid no longer runs on this
machine, so they go on the next start. A file system full (ENOSPC), a file over the size
limit (EFBIG) or a quota reached (EDQUOT) is a `NoSpaceError` naming what was being written.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ptdv.base.errors import PtdvError

#: OSError numbers that mean "the disk (or the quota, or the size limit) is full".
NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
#: renameat2's flag that swaps two names atomically (linux/fs.h).
RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: A temporary name made here: .<name>.tmp-<pid>-<random> or .<name>.old-<pid>-<random>.
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]+(?:\.tmp)?$")


class NoSpaceError(PtdvError):
    """The disk (or the quota, or the file size limit) is full: nothing was replaced."""

    exit_code = 1


def no_space_reason(err: BaseException) -> str | None:
    """Return why a write failed ("[Errno 28] No space left on device") if the disk is full.

    `err` may be the OSError itself or a notebook's failure (papermill's
    PapermillExecutionError, whose `ename`/`evalue` name an OSError raised in the kernel).
    """
    if isinstance(err, NoSpaceError):  # its message holds the reason, or is it
        m = re.search(r"\((\[Errno \d+\][^)]*)\)", str(err))
        return m.group(1) if m else str(err)
    if isinstance(err, OSError) and err.errno in NO_SPACE:
        return f"[Errno {err.errno}] {os.strerror(err.errno)}"  # not pyarrow's long wording
    ename, evalue = getattr(err, "ename", None), getattr(err, "evalue", None)
    if ename in ("OSError", "IOError") and isinstance(evalue, str):
        m = re.match(r"\[Errno (\d+)\]", evalue)
        if m and int(m.group(1)) in NO_SPACE:
            return f"[Errno {m.group(1)}] {os.strerror(int(m.group(1)))}"
    return None


def raise_if_no_space(err: BaseException, target: str | Path, kept: str) -> None:
    """Raise NoSpaceError ("no space left … writing `target`: `kept`") if `err` says so."""
    reason = no_space_reason(err)
    if reason is not None:
        raise NoSpaceError(
            f"no space left on the disk writing {target} ({reason}): {kept}"
        ) from None


def _temp_name(name: str, kind: str = "tmp") -> str:
    return f".{name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success move it over `path` (mode 644).

    The file's bytes reach the disk (fsync) before the rename, so a crash of the machine
    leaves the old file or the new one. A full disk raises NoSpaceError; the old file stays.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tidy(path.parent, path.name)
    tmp = path.parent / (_temp_name(path.name) + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        raise_if_no_space(err, path, f"the previous {path.name} is kept")
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def staging_dir(dest: Path) -> Path:
    """Create and return an empty hidden folder beside `dest` to build its next version in."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tidy(dest.parent, dest.name)
    staging = dest.parent / _temp_name(dest.name)
    staging.mkdir(mode=0o700)
    return staging


# --- the exchange rename --------------------------------------------------------------------


def _renameat2():  # noqa: ANN202 - a ctypes function, or None
    """Return libc's renameat2 (glibc 2.28+), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` in one step; return False where the OS cannot do that.

    Both must exist. Linux's renameat2(RENAME_EXCHANGE) does it on most local file systems
    (ext4, xfs, btrfs, tmpfs); others answer EINVAL (or ENOSYS) and the caller falls back.
    """
    if _RENAMEAT2 is None:
        return False
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if rc == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def replace_dir(staging: Path, dest: Path) -> Path:
    """Move the finished folder `staging` to `dest`, replacing what was there whole.

    `dest` holds the old complete folder or the new one at every moment (an exchange
    rename), or, where the OS has no exchange, is missing only between two renames, after
    which a failure puts the old one back and a kill leaves it for `tidy` to restore.
    """
    staging, dest = Path(staging), Path(dest)
    os.chmod(staging, 0o755)
    tidy(dest.parent, dest.name)
    if not dest.exists():
        os.rename(staging, dest)
        return dest
    if exchange(staging, dest):  # staging now holds the old folder
        shutil.rmtree(staging, ignore_errors=True)
        return dest
    old = dest.parent / _temp_name(dest.name, "old")
    os.rename(dest, old)
    try:
        os.rename(staging, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(old, dest)  # the old complete folder back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return dest


# --- leftovers of killed writers ------------------------------------------------------------


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def tidy(folder: Path, name: str | None = None) -> list[str]:
    """Restore or remove what killed writers left in `folder`; return what it did.

    For the entries named `.<name>.old-<pid>-…` / `.<name>.tmp-<pid>-…` (every name when
    `name` is None) whose writer no longer runs: an old copy whose `<name>` is missing is
    renamed back to `<name>` (the newest, if several); every other one is deleted. Entries
    of running processes, and anything not named so, are left alone.
    """
    folder = Path(folder)
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    done: list[str] = []
    dead: dict[str, list[tuple[str, os.DirEntry]]] = {}
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if m is None or (name is not None and m.group("name") != name):
            continue
        if _running(int(m.group("pid"))):
            continue
        dead.setdefault(m.group("name"), []).append((m.group("kind"), entry))
    for target, found in dead.items():
        olds = [e for kind, e in found if kind == "old" and e.is_dir(follow_symlinks=False)]
        if olds and not (folder / target).exists():
            newest = max(olds, key=lambda e: e.stat(follow_symlinks=False).st_mtime)
            with contextlib.suppress(OSError):
                os.rename(newest.path, folder / target)
                done.append(f"restored {target} from {newest.name}")
        for _kind, entry in found:
            if not os.path.lexists(entry.path):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            done.append(f"removed {entry.name}")
    return done


#: A working folder of a ptdv process in the system's temporary folder.
_WORK_DIR = re.compile(r"^ptdv-(?P<kind>[a-z]+)-(?P<pid>\d+)-")


def work_dir(kind: str) -> Path:
    """Return a new folder `ptdv-<kind>-<pid>-…` in the system's temporary folder.

    A process removes its working folders when it ends (a kernel's sockets and log, an
    executed notebook before it is kept), but a killed one cannot: the folders of this
    `kind` whose process no longer runs are removed first.
    """
    base = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            m = _WORK_DIR.match(entry.name)
            if (
                m is not None
                and m.group("kind") == kind
                and entry.is_dir(follow_symlinks=False)
                and not _running(int(m.group("pid")))
            ):
                shutil.rmtree(entry.path, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"ptdv-{kind}-{os.getpid()}-", dir=base))


def tidy_tree(root: Path, depth: int = 2) -> list[str]:
    """Run `tidy` on `root` and its subfolders down to `depth` levels; return what it did."""
    root = Path(root)
    done = tidy(root)
    if depth > 0 and root.is_dir():
        for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            done += tidy_tree(sub, depth - 1)
    return done
