"""Interrupted, concurrent and disk-full runs, end to end, on the shipped Bắc Giang plan.

One scratch project serves the module, in this order (each test starts from what the one
before left, which keeps the number of full runs to one):

1. a full `ptdv run` (17 unit reports and the federation's, in worker processes) while a
   second `ptdv run` of the same plan is refused at once (exit 3, naming the holder);
2. a `ptdv run` of other formats SIGKILLed when the first unit's report appears in its staging
   folder: the report folder and the processed tables are byte-identical afterwards, the
   hidden staging folder goes on the next start, and the rerun completes;
3. a `ptdv send` SIGKILLed while the server holds its reply to the 2nd message: that one is
   left "sending" and never sent again without --resend; everything else goes once;
4. a run whose files may not exceed 256 KiB (RLIMIT_FSIZE: EFBIG, as a full disk): one
   line, exit 1, the previous reports byte-identical, nothing half-written;
5. a `ptdv clean` SIGKILLed while the clean notebook writes its staging folder.

A kill takes the whole process tree, as the OOM killer or a service manager's stop does:
the command's process group (start_new_session, os.killpg: the command and its workers)
and, found through /proc, the Jupyter kernels, which jupyter_client starts in sessions of
their own. The moment to kill is found by polling the file system or the SMTP server.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import project_copy
from smtp_server import Received, SmtpServer, _Handler

PLAN = "bac-giang-2023-2028"
PERIOD = "2026-H1"
N_REPORTS = 18  # the federation's and 17 units'

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


# --- processes ------------------------------------------------------------------------------


def _env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PTDV_")}
    return {**base, **(extra or {}), "PTDV_ROOT": str(root)}


def start(
    root: Path, *args: str, env: dict[str, str] | None = None, log: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen:  # fmt: skip
    """Start `ptdv ARGS` in a session of its own; stdout and stderr go to `log`.err/.out."""
    log = log or root.parent / f"ptdv-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ptdv.cli", *args],
        env=_env(root, env),
        cwd=root,
        stdout=open(f"{log}.out", "w"),  # noqa: SIM115 - closed with the process
        stderr=open(f"{log}.err", "w"),  # noqa: SIM115
        text=True,
        start_new_session=True,
        preexec_fn=preexec_fn,
    )
    proc.log = log  # type: ignore[attr-defined]
    _STARTED.append(proc)
    return proc


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(scope="module", autouse=True)
def _reaper():  # noqa: ANN202
    """Kill what a failed test left running (by its own process group and tree)."""
    yield
    for proc in _STARTED:
        if proc.poll() is None:
            kill_tree(proc)


def output(proc: subprocess.Popen) -> tuple[str, str]:
    """Return what a finished process printed (stdout, stderr)."""
    log = proc.log  # type: ignore[attr-defined]
    return Path(f"{log}.out").read_text("utf-8"), Path(f"{log}.err").read_text("utf-8")


def finish(proc: subprocess.Popen, timeout: float = 900) -> tuple[int, str, str]:
    code = proc.wait(timeout=timeout)
    out, err = output(proc)
    return code, out, err


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def kill_tree(proc: subprocess.Popen) -> list[int]:
    """SIGKILL the command's process group and every process it started; wait for all."""
    pids = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.wait(timeout=30) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [p for p in pids if _alive(p)]
    return pids


def wait_for(what: Callable[[], object], proc: subprocess.Popen, timeout: float = 600) -> object:
    """Poll `what` every few ms until it returns something true; fail if `proc` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        if proc.poll() is not None:
            out, err = output(proc)
            pytest.fail(f"the command ended ({proc.returncode}) first:\n{out}\n{err}")
        time.sleep(0.002)
    pytest.fail("timed out")


# --- trees ----------------------------------------------------------------------------------


def tree(folder: Path, *, hidden: bool = False) -> dict[str, str]:
    """Return {relative path: SHA-256} of the files under `folder` (reports/logs left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[:1] == ("logs",) or path.is_dir():
            continue
        if not hidden and any(p.startswith(".") for p in rel.parts):
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def tables(processed: Path) -> dict[str, str]:
    """Return the processed tables' hashes, checking every step's recorded outputs are whole.

    The executed notebooks and steps.json are left out of the hashes: they change when a
    step runs again, which it does when the code has changed since the last run (another
    checkout, or an edit while the tests run).
    """
    from ptdv.base.steps import intact

    for steps in processed.glob("*/steps.json"):
        for step, record in json.loads(steps.read_text("utf-8")).items():
            assert intact(steps.parent, record["outputs"]), step
    return {k: v for k, v in tree(processed).items() if not k.endswith((".ipynb", "steps.json"))}


def hidden_entries(folder: Path) -> list[str]:
    """Return the hidden names anywhere under `folder` (temporary files, staging folders)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


@dataclass
class Project:
    root: Path
    first: tuple[int, str, str] = (0, "", "")  # the full run
    second: tuple[int, str, str] = (0, "", "")  # the one refused while it ran
    second_seconds: float = 0.0
    first_pid: int = 0
    notes: dict = field(default_factory=dict)

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def dest(self) -> Path:
        return self.root / "reports" / PLAN / PERIOD

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project rendered by one full run, during which a second run was refused."""
    root = project_copy(tmp_path_factory.mktemp("interrupted"))
    proj = Project(root)
    first = start(root, "run", "--plan", PLAN, "--period", PERIOD)
    proj.first_pid = first.pid
    # the log line is printed once the run holds the plan's lock
    wait_for(lambda: "(log: " in output(first)[0], first, timeout=120)
    assert first.poll() is None
    t0 = time.monotonic()
    second = start(root, "run", "--plan", PLAN, "--period", PERIOD, "--units", "none")
    proj.second = finish(second, timeout=60)
    proj.second_seconds = time.monotonic() - t0
    proj.notes["first_running_after_second"] = first.poll() is None
    proj.first = finish(first)
    return proj


# --- 1. two runs at once --------------------------------------------------------------------


def test_a_second_run_of_the_plan_is_refused_at_once(project: Project) -> None:
    code, out, err = project.second
    assert code == 3
    assert re.fullmatch(
        rf"error: plan {PLAN} is busy: `ptdv run --plan {PLAN} --period {PERIOD}` "
        rf"\(pid {project.first_pid}, since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\) is still working "
        r"on it; this one did nothing\. Try again when it has finished\.\n",
        err,
    ), err
    assert "Traceback" not in out + err and "[1/3]" not in out
    assert project.second_seconds < 30  # refused at once: no cleaning, no kernel started
    assert project.notes["first_running_after_second"]


def test_the_first_run_is_unharmed(project: Project) -> None:
    code, out, err = project.first
    assert code == 0, err
    assert f"{N_REPORTS} of {N_REPORTS} report(s) written to" in out
    run = json.loads((project.dest / "run.json").read_text("utf-8"))
    assert [r["status"] for r in run["reports"]] == ["ok"] * N_REPORTS
    files = tree(project.dest)
    listed = {o["path"]: o["sha256"] for o in run["outputs"]}
    assert listed and all(files[p] == sha for p, sha in listed.items())  # every file whole
    assert hidden_entries(project.reports / PLAN) == []
    assert len([p for p in files if p.startswith("don-vi/") and p.endswith(".pdf")]) == 17


# --- 2. killed during the batch of unit reports ---------------------------------------------


def _first_unit_output(proj: Project) -> Path | None:
    for staging in (proj.reports / PLAN).glob(f".{PERIOD}.tmp-*"):
        done = list((staging / "don-vi").glob("*.pdf")) if (staging / "don-vi").is_dir() else []
        if done:
            return done[0]
    return None


def test_a_run_killed_during_the_unit_reports_leaves_everything_as_it_was(
    project: Project,
) -> None:
    reports_before = tree(project.reports)
    processed_before = tables(project.processed)
    # other formats: the reports are rendered again; cleaning and progress are up to date
    proc = start(project.root, "run", "--plan", PLAN, "--period", PERIOD, "--formats", "html,pdf")
    first = wait_for(lambda: _first_unit_output(project), proc)
    killed = kill_tree(proc)
    assert len(killed) >= 3  # the workers and the kernels died with it
    assert tree(project.reports) == reports_before  # not one file changed, none added
    assert tables(project.processed) == processed_before
    left = hidden_entries(project.reports / PLAN)
    staging = first.parent.parent.name
    assert staging in left  # the killed run's staging folder: hidden, never the final name
    assert re.fullmatch(rf"\.{PERIOD}\.tmp-{proc.pid}-[0-9a-f]+", staging)

    # the rerun: the reports are those of the same inputs, whole: nothing to render again
    # (unless the code changed since they were rendered: then they are rendered again)
    code, out, err = finish(start(project.root, "run", "--plan", PLAN, "--period", PERIOD))
    assert code == 0, err
    if f"{N_REPORTS} report(s) in reports/{PLAN}/{PERIOD}/ are up to date" in out:
        assert tree(project.reports) == reports_before
    else:
        assert f"{N_REPORTS} of {N_REPORTS} report(s) written to" in out
    run = json.loads((project.dest / "run.json").read_text("utf-8"))
    files = tree(project.dest)
    assert all(files[o["path"]] == o["sha256"] for o in run["outputs"])
    assert hidden_entries(project.reports / PLAN) == []  # removed when it took the lock
    assert hidden_entries(project.processed) == []


# --- 3. killed while sending ----------------------------------------------------------------


@dataclass
class _HoldSecond(_Handler):
    """Takes every message; holds its reply to the 2nd until `release` (the data has come)."""

    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        if len(self.received) == 2:
            self.stalled = True
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 2.0.0 Message accepted for delivery"


def test_a_send_killed_between_the_servers_receipt_and_the_record_sends_nothing_twice(
    project: Project,
) -> None:
    recipients = project.root / "config" / "recipients.example.yaml"
    args = ("send", "--plan", PLAN, "--period", PERIOD, "--recipients", str(recipients),
            "--to", "federation", "units")  # fmt: skip
    server = SmtpServer()
    server.handler = server.controller.handler = _HoldSecond(set())
    sent_json = project.dest / "sent.json"
    with server:
        proc = start(project.root, *args, env=server.env())
        wait_for(lambda: server.handler.stalled, proc, timeout=300)
        kill_tree(proc)
        server.handler.release.set()
        record = json.loads(sent_json.read_text("utf-8"))["messages"]
        assert {k: v["state"] for k, v in record.items()} == {
            "federation": "sent",
            "unit/bac-giang": "sending",  # handed over, the reply never read: fate unknown
        }
        assert [r.rcpt_tos for r in server.received][1] == ["bac-giang@bac-giang.example.org"]
        assert hidden_entries(project.dest) == []

        code, out, err = finish(start(project.root, *args, env=server.env()), timeout=300)
        got = [tuple(r.rcpt_tos) for r in server.received]
    assert code == 1  # the unconfirmed one waits for a person
    assert re.search(
        r"^  unit/bac-giang: its delivery on \S+ was not confirmed \(the run was stopped or "
        r"the connection dropped\): check with the recipients, then --resend$",
        err,
        re.MULTILINE,
    ), err
    assert "16 message(s) sent" in out and "Traceback" not in out + err
    assert len(got) == N_REPORTS and len(set(got)) == N_REPORTS  # each once, none twice
    states = {
        k: v["state"] for k, v in json.loads(sent_json.read_text("utf-8"))["messages"].items()
    }
    assert states.pop("unit/bac-giang") == "sending"
    assert set(states.values()) == {"sent"} and len(states) == N_REPORTS - 1


# --- 4. a full disk -------------------------------------------------------------------------


def _limit_file_size() -> None:
    """In the child: files may not grow past 256 KiB; EFBIG instead of the SIGXFSZ signal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))


def test_a_full_disk_ends_with_one_line_and_the_previous_reports_intact(project: Project) -> None:
    reports_before = tree(project.reports, hidden=True)
    processed_before = tables(project.processed)
    proc = start(
        project.root, "run", "--plan", PLAN, "--period", PERIOD, "--units", "none",
        preexec_fn=_limit_file_size,
    )  # fmt: skip
    code, out, err = finish(proc, timeout=600)
    assert code == 1, out + err
    assert err == (  # the project's files named from its root, as the CLI names them
        f"error: no space left on the disk writing reports/{PLAN}/{PERIOD}/ ([Errno 27] File "
        "too large): "
        "the previous reports are kept, nothing replaced\n"
    )
    assert tree(project.reports, hidden=True) == reports_before  # byte-identical, no leftover
    assert tables(project.processed) == processed_before
    assert hidden_entries(project.processed) == []


def test_a_full_disk_while_cleaning_ends_with_one_line_and_the_tables_intact(
    project: Project, tmp_path: Path
) -> None:
    # the executed clean notebook (about 60 KB) cannot be saved under 40 KiB: papermill's own
    # write fails, in the command's process, where a traceback used to end the command
    processed_before = tables(project.processed)
    temp = tmp_path / "tmp"
    temp.mkdir()

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40 * 1024, resource.RLIM_INFINITY))

    proc = start(project.root, "clean", "--plan", PLAN, env={"TMPDIR": str(temp)}, preexec_fn=limit)
    code, out, err = finish(proc, timeout=600)
    assert code == 1, out + err
    assert err == (
        "error: no space left on the disk writing the executed notebook 01_clean.ipynb "
        "([Errno 27] File too large): the step is not recorded as done and runs again next "
        "time\n"
    )
    assert tables(project.processed) == processed_before
    assert hidden_entries(project.processed) == []
    # no executed notebook or kernel folder left behind (the locks' folder stays, by design)
    assert [p.name for p in temp.iterdir() if not p.name.startswith("ptdv-locks-")] == []


# --- 5. killed while cleaning ---------------------------------------------------------------


def test_a_clean_killed_while_writing_its_tables_leaves_them_as_they_were(
    project: Project, tmp_path: Path
) -> None:
    before = tree(project.processed, hidden=True)
    env = {"TMPDIR": str(tmp_path)}
    proc = start(project.root, "clean", "--plan", PLAN, env=env)
    staging = wait_for(lambda: list(project.processed.glob(f".{PLAN}.tmp-*")), proc)
    kill_tree(proc)
    assert tree(project.processed) == {k: v for k, v in before.items() if "/." not in k}
    left = hidden_entries(project.processed)
    assert [n for n in left if "/" not in n] == [staging[0].name]  # hidden, never the name
    # the killed command's kernel folder and executed notebook, named by its process id
    working = sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.glob("ptdv-*-*-*"))
    assert working == [f"ptdv-kernel-{proc.pid}", f"ptdv-run-{proc.pid}"]

    code, out, err = finish(start(project.root, "clean", "--plan", PLAN, env=env), timeout=600)
    assert code == 0, err
    assert "17 units; quality log:" in out
    assert hidden_entries(project.processed) == []
    assert list(tmp_path.glob("ptdv-*-*-*")) == []  # removed by the next command
    after = tree(project.processed)
    for name in ("units.parquet", "targets.parquet", "actuals.parquet", "quality.csv"):
        assert after[f"{PLAN}/{name}"] == before[f"{PLAN}/{name}"]  # the same tables, whole
