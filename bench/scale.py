"""Measure `ptdv clean` and `ptdv progress` on generated national tables of growing size.

For each size (number of CĐCS; 10,000, 50,000 and 135,000 by default) a plan is generated
with bench/national.py in a temporary project root, then `ptdv clean --plan ID` and
`ptdv progress --plan ID --period P` run there as subprocesses (PTDV_ROOT=root), then the
one command that does both in one kernel, `ptdv progress --clean --plan ID --period P`
(it cleans again, then computes). Each command's wall seconds are measured, and the peak
memory of its whole process tree: the RSS of the command and every descendant (papermill's
Jupyter kernel included), summed, sampled every 50 ms (psutil, else /proc). The three
commands run in turn, `repeats` rounds (3 by default): the seconds are medians over the
rounds (the two commands' total is the median of each round's sum), the memory the peak.

    .venv/bin/python bench/scale.py [10000 50000 135000] [--repeats 3] [--period 2026-H1]
        [--keep DIR]

`measure(sizes)` returns the records, e.g. {"units": 135000, "clean_s": ..., "progress_s":
..., "two_commands_s": ..., "one_command_s": ..., "peak_rss_mib": ...} (with the peak of
each command as clean_rss_mib, progress_rss_mib and one_command_rss_mib, and every round's
seconds under "all_seconds").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import national  # noqa: E402  (bench/ is not a package)

CHECKOUT = Path(__file__).resolve().parents[1]
PTDV = CHECKOUT / ".venv" / "bin" / "ptdv"
SIZES = [10_000, 50_000, 135_000]
SAMPLE_S = 0.05


def _tree_rss(pid: int) -> int:
    """Return the summed RSS (bytes) of a process and all its descendants, now."""
    try:
        import psutil
    except ImportError:
        return _tree_rss_proc(pid)
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def _tree_rss_proc(pid: int) -> int:
    """Return the summed RSS of a process tree from /proc (no psutil)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(Path(f"/proc/{entry}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a command; return its wall seconds, the peak RSS of its process tree, its output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}")
    return seconds, peak, out


def measure(
    sizes: list[int] | None = None,
    *,
    repeats: int = 3,
    period: str = "2026-H1",
    n_direct: int = 100,
    keep: Path | None = None,
    verbose: bool = False,
) -> list[dict]:
    """Generate each size's plan in a temporary root, run clean and progress, and measure."""
    records = []
    for n in sizes or SIZES:
        with tempfile.TemporaryDirectory(prefix=f"ptdv-scale-{n}-") as tmp:
            root = Path(keep) / f"scale-{n}" if keep else Path(tmp)
            root.mkdir(parents=True, exist_ok=True)
            plan = national.make_plan(root, n, n_direct=min(n_direct, n))
            env = {**os.environ, "PTDV_ROOT": str(root), "PYTHONHASHSEED": "0"}
            commands = {
                "clean": ["clean", "--plan", plan],
                "progress": ["progress", "--plan", plan, "--period", period],
                "one_command": ["progress", "--clean", "--plan", plan, "--period", period],
            }
            seconds: dict[str, list[float]] = {k: [] for k in commands}
            rss = dict.fromkeys(commands, 0)
            for _ in range(repeats):
                for name, args in commands.items():  # in turn, round after round
                    s, peak, out = run_measured([str(PTDV), *args], env)
                    seconds[name].append(round(s, 2))
                    rss[name] = max(rss[name], peak)
                    if verbose:
                        print(out, file=sys.stderr)
            two = [c + p for c, p in zip(seconds["clean"], seconds["progress"], strict=True)]
            mib = 1024 * 1024
            records.append(
                {
                    "units": n,
                    "repeats": repeats,
                    "clean_s": round(statistics.median(seconds["clean"]), 2),
                    "progress_s": round(statistics.median(seconds["progress"]), 2),
                    "two_commands_s": round(statistics.median(two), 2),
                    "one_command_s": round(statistics.median(seconds["one_command"]), 2),
                    "all_seconds": seconds,
                    "peak_rss_mib": round(max(rss.values()) / mib, 1),
                    "clean_rss_mib": round(rss["clean"] / mib, 1),
                    "progress_rss_mib": round(rss["progress"] / mib, 1),
                    "one_command_rss_mib": round(rss["one_command"] / mib, 1),
                }
            )
    return records


def table(records: list[dict]) -> str:
    """Return the records as a plain-text table."""
    head = (
        f"{'units':>8} {'clean s':>8} {'progress s':>11} {'one command s':>14} {'peak MiB':>9} "
        f"{'s/10k units':>12}"
    )
    lines = [head]
    for r in records:
        per = r["two_commands_s"] / r["units"] * 10_000
        lines.append(
            f"{r['units']:>8,} {r['clean_s']:>8.2f} {r['progress_s']:>11.2f} "
            f"{r['one_command_s']:>14.2f} {r['peak_rss_mib']:>9.1f} {per:>12.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the sizes given (default 10k, 50k, 135k) and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=SIZES)
    ap.add_argument("--repeats", type=int, default=3, help="rounds of the three commands")
    ap.add_argument("--period", default="2026-H1")
    ap.add_argument("--direct", type=int, default=100)
    ap.add_argument("--keep", type=Path, default=None, help="generate under DIR and keep it")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the commands' output")
    a = ap.parse_args(argv)
    records = measure(
        a.sizes,
        repeats=a.repeats,
        period=a.period,
        n_direct=a.direct,
        keep=a.keep,
        verbose=a.verbose,
    )
    print(table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
