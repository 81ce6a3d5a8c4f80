"""ptdv.base.atomic: a file or folder is the old version or the new one, never half, never gone.

Failures are injected where they hurt: between the two renames of the fallback swap (an
exception, and a real SIGKILL of a child process), in the exchange rename itself, and a
real EFBIG from a file size limit (RLIMIT_FSIZE) in a child process.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from papermill.exceptions import PapermillExecutionError

from ptdv.base import atomic
from ptdv.base.atomic import NoSpaceError, atomic_file, replace_dir, staging_dir, tidy


def make_dir(path: Path, **files: str) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text, "utf-8")
    return path


def contents(path: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(path.iterdir())}


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- files ----------------------------------------------------------------------------------


def test_atomic_file_replaces_on_success_and_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    with atomic_file(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".run.json.tmp-{os.getpid()}-")
        tmp.write_text("one", "utf-8")
    assert target.read_text("utf-8") == "one"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(RuntimeError, match="boom"), atomic_file(target) as tmp:
        tmp.write_text("two, half", "utf-8")
        raise RuntimeError("boom")
    assert target.read_text("utf-8") == "one"
    assert listing(tmp_path) == ["run.json"]  # no temporary file left


def test_a_full_disk_in_atomic_file_is_a_no_space_error_and_the_old_file_stays(
    tmp_path: Path,
) -> None:
    target = tmp_path / "sent.json"
    target.write_text("old", "utf-8")
    with pytest.raises(NoSpaceError) as info, atomic_file(target) as tmp:
        tmp.write_text("new", "utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
    assert str(info.value) == (
        f"no space left on the disk writing {target} ([Errno 28] No space left on device): "
        "the previous sent.json is kept"
    )
    assert info.value.exit_code == 1
    assert target.read_text("utf-8") == "old"
    assert listing(tmp_path) == ["sent.json"]


def test_a_real_file_size_limit_gives_efbig_as_a_no_space_error(tmp_path: Path) -> None:
    """A child process with RLIMIT_FSIZE of 4 KiB writes 64 KiB: the OS refuses (EFBIG)."""
    target = tmp_path / "report.html"
    target.write_text("the previous report", "utf-8")
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from ptdv.base.atomic import NoSpaceError, atomic_file
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        try:
            with atomic_file({str(target)!r}) as tmp:
                tmp.write_bytes(b"x" * 65536)
        except NoSpaceError as err:
            print(err)
            sys.exit(err.exit_code)
        """
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == 1, res.stderr
    assert res.stdout.strip() == (
        f"no space left on the disk writing {target} ([Errno 27] File too large): "
        "the previous report.html is kept"
    )
    assert target.read_text("utf-8") == "the previous report"
    assert listing(tmp_path) == ["report.html"]


def test_no_space_reason_reads_oserrors_and_a_notebooks_failure() -> None:
    full = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert atomic.no_space_reason(full) == "[Errno 122] Disk quota exceeded"
    assert atomic.no_space_reason(OSError(errno.EACCES, "Permission denied")) is None
    assert atomic.no_space_reason(ValueError("[Errno 28] No space left on device")) is None
    in_kernel = PapermillExecutionError(
        cell_index=3, exec_count=3, source="fig.savefig(path)", ename="OSError",
        evalue="[Errno 28] No space left on device: '/x/charts/a.png'", traceback=[],
    )  # fmt: skip
    assert atomic.no_space_reason(in_kernel) == "[Errno 28] No space left on device"
    other = PapermillExecutionError(3, 3, "x", "KeyError", "'members_net'", [])
    assert atomic.no_space_reason(other) is None
    wrapped = NoSpaceError("no space left on the disk writing a (x) ([Errno 27] File too large): k")
    assert atomic.no_space_reason(wrapped) == "[Errno 27] File too large"


# --- folders --------------------------------------------------------------------------------


def test_the_exchange_rename_is_available_here(tmp_path: Path) -> None:
    a = make_dir(tmp_path / "a", x="1")
    b = make_dir(tmp_path / "b", y="2")
    assert atomic.exchange(a, b) is True  # Linux, a local file system
    assert contents(a) == {"y": "2"} and contents(b) == {"x": "1"}


def test_replace_dir_swaps_whole_and_a_reader_never_finds_the_folder_missing(
    tmp_path: Path,
) -> None:
    dest = make_dir(tmp_path / "2026-H1", **{"run.json": "0", "a.html": "0"})
    names = ("run.json", "a.html")
    seen_missing: list[int] = []
    mixed: list[dict] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
            except FileNotFoundError:
                seen_missing.append(1)
                continue
            try:  # both files of the one folder opened (a swapped-out one may be emptying)
                got = {n: Path(f"/proc/self/fd/{fd}/{n}").read_text("utf-8") for n in names}
            except FileNotFoundError:
                continue
            finally:
                os.close(fd)
            if len(set(got.values())) > 1:
                mixed.append(got)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(1, 201):
            staging = staging_dir(dest)
            (staging / "run.json").write_text(str(n), "utf-8")
            (staging / "a.html").write_text(str(n), "utf-8")
            assert replace_dir(staging, dest) == dest
    finally:
        stop.set()
        thread.join()
    assert seen_missing == [] and mixed == []
    assert contents(dest) == {"a.html": "200", "run.json": "200"}
    assert oct(dest.stat().st_mode & 0o777) == "0o755"
    assert listing(tmp_path) == ["2026-H1"]  # no staging or old copy left


def test_replace_dir_into_a_new_place(tmp_path: Path) -> None:
    staging = staging_dir(tmp_path / "out")
    (staging / "f").write_text("new", "utf-8")
    replace_dir(staging, tmp_path / "out")
    assert contents(tmp_path / "out") == {"f": "new"} and listing(tmp_path) == ["out"]


def test_a_failing_exchange_leaves_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = make_dir(tmp_path / "bac-giang", **{"units.parquet": "old"})
    staging = staging_dir(dest)
    (staging / "units.parquet").write_text("new", "utf-8")

    def broken(a: Path, b: Path) -> bool:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(atomic, "exchange", broken)
    with pytest.raises(OSError, match="Input/output error"):
        replace_dir(staging, dest)
    assert contents(dest) == {"units.parquet": "old"}


class RenameFails:
    """os.rename that raises on the calls numbered in `fail` (1-based), else renames."""

    def __init__(self, fail: set[int]) -> None:
        self.fail = fail
        self.calls: list[tuple[str, str]] = []
        self.real = os.rename

    def __call__(self, src: str | Path, dst: str | Path) -> None:
        self.calls.append((Path(src).name, Path(dst).name))
        if len(self.calls) in self.fail:
            raise OSError(errno.EIO, "Input/output error (injected)")
        self.real(src, dst)


def test_the_fallback_puts_the_old_folder_back_when_the_second_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = make_dir(tmp_path / "2026-H1", **{"tong-hop.pdf": "old"})
    staging = staging_dir(dest)
    (staging / "tong-hop.pdf").write_text("new", "utf-8")
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)  # an OS without it
    rename = RenameFails({2})
    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="injected"):
        replace_dir(staging, dest)
    old_name = rename.calls[0][1]
    assert rename.calls == [
        ("2026-H1", old_name),  # dest aside
        (staging.name, "2026-H1"),  # fails
        (old_name, "2026-H1"),  # the old one back
    ]
    assert old_name.startswith(f".2026-H1.old-{os.getpid()}-")
    assert contents(dest) == {"tong-hop.pdf": "old"}
    assert listing(tmp_path) == sorted([staging.name, "2026-H1"])  # the caller removes staging


def test_the_fallback_killed_between_its_renames_is_restored_on_the_next_start(
    tmp_path: Path,
) -> None:
    """A child process swaps without the exchange and is SIGKILLed between the two renames."""
    dest = make_dir(tmp_path / "2026-H1", **{"tong-hop.pdf": "old", "run.json": "old"})
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from ptdv.base import atomic
        dest = Path({str(dest)!r})
        staging = atomic.staging_dir(dest)
        (staging / "tong-hop.pdf").write_text("new")
        atomic.exchange = lambda a, b: False
        real = os.rename
        def rename(src, dst):
            real(src, dst)
            os.kill(os.getpid(), signal.SIGKILL)  # nothing runs after the first rename
        os.rename = rename
        atomic.replace_dir(staging, dest)
        """
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == -9, res.stderr
    left = listing(tmp_path)
    assert "2026-H1" not in left  # the folder is gone: what the old code left for good
    assert len(left) == 2
    old = next(n for n in left if ".old-" in n)
    staging = next(n for n in left if ".tmp-" in n)
    assert contents(tmp_path / old) == {"run.json": "old", "tong-hop.pdf": "old"}

    done = tidy(tmp_path)  # what every writer does first (replace_dir, the plan lock)
    assert sorted(done) == sorted([f"restored 2026-H1 from {old}", f"removed {staging}"])
    assert contents(dest) == {"run.json": "old", "tong-hop.pdf": "old"}
    assert listing(tmp_path) == ["2026-H1"]


def test_a_swap_killed_after_the_exchange_leaves_the_new_folder_and_a_hidden_old_one(
    tmp_path: Path,
) -> None:
    dest = make_dir(tmp_path / "out", f="old")
    script = textwrap.dedent(
        f"""
        import os, signal, shutil
        from pathlib import Path
        from ptdv.base import atomic
        dest = Path({str(dest)!r})
        staging = atomic.staging_dir(dest)
        (staging / "f").write_text("new")
        shutil.rmtree = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        atomic.replace_dir(staging, dest)
        """
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == -9, res.stderr
    assert contents(dest) == {"f": "new"}
    (hidden,) = [n for n in listing(tmp_path) if n != "out"]
    assert hidden.startswith(".out.tmp-") and contents(tmp_path / hidden) == {"f": "old"}
    # the next writer of `out` removes it before it writes
    staging = staging_dir(dest)
    assert sorted(listing(tmp_path)) == sorted(["out", staging.name])


def test_tidy_leaves_running_writers_and_other_names_alone(tmp_path: Path) -> None:
    mine = make_dir(tmp_path / f".a.tmp-{os.getpid()}-abcd1234")  # this process runs
    old_mine = make_dir(tmp_path / f".a.old-{os.getpid()}-abcd1234")
    other = make_dir(tmp_path / ".a.tmp-xyz")  # not a name made here
    (tmp_path / ".hidden").write_text("x", "utf-8")
    dead_pid = _dead_pid()
    (tmp_path / f".b.json.tmp-{dead_pid}-0f0f0f0f.tmp").write_text("half", "utf-8")
    (tmp_path / "b.json").write_text("whole", "utf-8")
    assert tidy(tmp_path, "a") == []
    assert tidy(tmp_path) == [f"removed .b.json.tmp-{dead_pid}-0f0f0f0f.tmp"]
    assert mine.is_dir() and old_mine.is_dir() and other.is_dir()
    assert listing(tmp_path) == sorted([mine.name, old_mine.name, other.name, ".hidden", "b.json"])
    assert tidy(tmp_path / "missing") == []


def _dead_pid() -> int:
    """Return the pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_taking_a_plans_lock_tidies_its_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What killed writers left in the plan's folders goes (or comes back) at the next start."""
    from ptdv.base.lock import plan_lock

    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    dead = _dead_pid()
    processed = tmp_path / "data" / "processed"
    reports = tmp_path / "reports" / "p-1"
    left = [
        make_dir(processed / f".p-1.tmp-{dead}-00aa", **{"units.parquet": "half"}),
        make_dir(reports / f".2026-H1.tmp-{dead}-00bb", **{"tong-hop.html": "half"}),
        make_dir(reports / f".2026-H2.old-{dead}-00cc", **{"run.json": "the old one"}),
    ]
    (reports / "2025").mkdir()
    (reports / "2025" / f".sent.json.tmp-{dead}-00dd.tmp").write_text("{", "utf-8")
    other_plan = make_dir(processed / f".p-2.tmp-{dead}-00ee")  # another plan's: its lock's
    with plan_lock("p-1", "ptdv test"):
        pass
    assert not any(p.exists() for p in left[:2])
    assert contents(reports / "2026-H2") == {"run.json": "the old one"}  # put back
    assert listing(reports) == ["2025", "2026-H2"]
    assert listing(reports / "2025") == []
    assert other_plan.is_dir()


def test_working_folders_of_processes_that_ended_go_when_one_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    alive = os.getppid()  # pytest's parent: running
    for name in (f"ptdv-kernel-{ended.pid}-a1", f"ptdv-run-{ended.pid}-b2",
                 f"ptdv-kernel-{alive}-c3", "ptdv-locks-0", "ptdv-kernel-notes"):  # fmt: skip
        (tmp_path / name).mkdir()
    (tmp_path / f"ptdv-kernel-{ended.pid}-a1" / "kernel.log").write_text("shut down\n")
    made = atomic.work_dir("kernel")
    assert made.parent == tmp_path and made.name.startswith(f"ptdv-kernel-{os.getpid()}-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [made.name, f"ptdv-run-{ended.pid}-b2", f"ptdv-kernel-{alive}-c3", "ptdv-locks-0",
         "ptdv-kernel-notes"]
    )  # fmt: skip
    atomic.work_dir("run")  # each kind sweeps its own
    assert not (tmp_path / f"ptdv-run-{ended.pid}-b2").exists()
