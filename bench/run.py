"""`make bench`: how fast ptdv is on this machine, measured side by side in one run.

Every case runs in a throw-away copy of the project (config/, data/raw/, notebooks/ under a
temporary PTDV_ROOT), never in the checkout's data/ or reports/. Commands that are compared
run in turn, repeat after repeat, and each figure is the median of the repeats: this
machine is shared and noisy, so the ratios are what to read, not the absolute seconds.

Cases (`--cases 1,2,3,4`, default all):

1. One federation report (TLĐ 2021-H1, HTML+PDF+XLSX): cold (nothing cached), warm (nothing
   changed: every step skipped by content hash), after a change to the report notebook only
   (clean and progress skipped), against the floor `import pandas, matplotlib.pyplot`.
2. The 57 TLĐ unit reports and the federation's (HTML+PDF) with `ptdv run --units all`,
   against the loop a user writes (papermill CLI, `jupyter nbconvert --to html --no-input`,
   `weasyprint` CLI, one unit after another) over a sample of units, per report; the
   figures of both outputs are compared cell by cell.
3. Clean and progress of a generated national table of 10k, 50k and 135k grassroots
   unions (bench/national.py, bench/scale.py): seconds and peak memory of the process tree.
4. A federation report over 5,000 units (clean, progress and the report, HTML+PDF+XLSX).
5. A national roll-up over ever larger tidy tables in pandas and in DuckDB (bench/rollup.py):
   where pandas' memory outgrows a machine and DuckDB's does not.

Writes bench/results.json and prints the table the README shows.

    .venv/bin/python bench/run.py [--repeats N] [--cases 1,2] [--loop-units K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html.parser
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from ptdv.report.render import pdf_font_subsetter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

TLD, TLD_PERIOD = "tld-2021-2023", "2021-H1"


# --- measuring ------------------------------------------------------------------------------


def measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run `cmd`; return its wall seconds and the peak RSS (MiB) of its whole process tree.

    The tree (the command, its Jupyter kernels, its worker processes) is sampled every
    20 ms; a non-zero exit raises with the command's output.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            top = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                for p in [top, *top.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            peak = max(peak, total)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{out}")
    return {"seconds": seconds, "peak_mib": peak / 2**20, "output": out}


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def project_copy(base: Path) -> Path:
    """Return a fresh project root under `base`: the checkout's config, raw data, notebooks."""
    root = base / "project"
    for sub in ("config", "notebooks"):
        shutil.copytree(ROOT / sub, root / sub, ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    (root / "data" / "processed").mkdir(parents=True)
    (root / "reports").mkdir()
    return root


def env_for(root: Path) -> dict[str, str]:
    return {**os.environ, "PTDV_ROOT": str(root), "PTDV_LANG": "en"}


def ptdv(*args: str) -> list[str]:
    return [str(BIN / "ptdv"), *args]


# --- case 1: one federation report --------------------------------------------------------


def case_federation(base: Path, repeats: int) -> dict:
    root = project_copy(base)
    env = env_for(root)
    run = ptdv("run", "--plan", TLD, "--period", TLD_PERIOD, "--units", "none")
    floor = [str(sys.executable), "-c", "import pandas, matplotlib.pyplot"]
    notebook = root / "notebooks" / "03_report.ipynb"
    times: dict[str, list[float]] = {"floor": [], "cold": [], "warm": [], "report_changed": []}
    for i in range(repeats):
        times["floor"].append(measured(floor)["seconds"])
        shutil.rmtree(root / "data" / "processed" / TLD, ignore_errors=True)
        shutil.rmtree(root / "reports" / TLD, ignore_errors=True)
        times["cold"].append(measured(run, env)["seconds"])
        warm = measured(run, env)
        assert "skipped" in warm["output"], warm["output"]
        times["warm"].append(warm["seconds"])
        nb = json.loads(notebook.read_text("utf-8"))
        nb["metadata"]["bench_repeat"] = i  # the report's notebook changed, nothing else
        notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1), "utf-8")
        changed = measured(run, env)
        assert changed["output"].count("skipped") == 2, changed["output"]
        times["report_changed"].append(changed["seconds"])
    record = json.loads((root / "reports" / TLD / TLD_PERIOD / "run.json").read_text("utf-8"))
    return {
        "repeats": repeats,
        "seconds": {k: median(v) for k, v in times.items()},
        "all_seconds": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "last_run_steps": record["seconds"],
        "last_report_steps": record["reports"][0]["seconds"],
    }


# --- case 2: a batch of unit reports against the loop -------------------------------------


class _Cells(html.parser.HTMLParser):
    """The text of every table cell of an HTML page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("td", "th"):
            self._in += 1
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._in:
            self._in -= 1
            self.cells.append(" ".join("".join(self._text).split()))

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)


def table_cells(page: Path) -> list[str]:
    parser = _Cells()
    parser.feed(page.read_text("utf-8"))
    return [c for c in parser.cells if not c.startswith(("Tạo lúc", "Generated"))]


def case_batch(base: Path, repeats: int, loop_units: int) -> dict:
    root = project_copy(base)
    env = env_for(root)
    subprocess.run(ptdv("clean", "--plan", TLD), env=env, check=True, capture_output=True)
    subprocess.run(
        ptdv("progress", "--plan", TLD, "--period", TLD_PERIOD),
        env=env,
        check=True,
        capture_output=True,
    )
    import pandas as pd

    units = pd.read_parquet(root / "data" / "processed" / TLD / "units.parquet")["unit_id"]
    step = max(1, len(units) // loop_units)
    sample = list(units[::step][:loop_units])
    run = ptdv("run", "--plan", TLD, "--period", TLD_PERIOD, "--formats", "html,pdf")
    dest = root / "reports" / TLD / TLD_PERIOD
    loop_dir = base / "loop"
    loop_dir.mkdir()
    ours: list[float] = []
    loop: list[float] = []
    peak = 0.0
    for _ in range(repeats):
        shutil.rmtree(dest, ignore_errors=True)  # the reports only: clean and progress stay
        r = measured(run, env)
        ours.append(r["seconds"])
        peak = max(peak, r["peak_mib"])
        for unit in sample:
            t0 = time.perf_counter()
            nb = loop_dir / f"{unit}.ipynb"
            params = ["-p", "plan_id", TLD, "-p", "period", TLD_PERIOD, "-p", "unit", unit]
            for cmd in (
                [str(BIN / "papermill"), str(root / "notebooks" / "03_report.ipynb"), str(nb),
                 *params, "-p", "lang", "vi", "--cwd", str(root), "--no-progress-bar"],
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
                [str(BIN / "weasyprint"), str(nb.with_suffix(".html")),
                 str(nb.with_suffix(".pdf"))],
            ):  # fmt: skip
                subprocess.run(cmd, env=env, check=True, capture_output=True)
            loop.append(time.perf_counter() - t0)
    n_reports = len(units) + 1
    per_report_loop = statistics.median(loop)
    compared = {}
    for unit in sample:
        a = table_cells(dest / "don-vi" / f"{unit}.html")
        b = table_cells(loop_dir / f"{unit}.html")
        compared[unit] = {"cells": len(a), "identical": a == b}
    return {
        "repeats": repeats,
        "reports": n_reports,
        "ptdv_seconds": median(ours),
        "ptdv_peak_mib": round(peak),
        "loop_units_sampled": sample,
        "loop_seconds_per_report": round(per_report_loop, 3),
        "loop_seconds_estimated": round(per_report_loop * n_reports, 1),
        "speedup": round(per_report_loop * n_reports / statistics.median(ours), 1),
        "figures_compared": compared,
    }


# --- case 3 and 4: a national table ---------------------------------------------------------


def case_scale(sizes: list[int], repeats: int) -> list[dict]:
    import scale

    return scale.measure(sizes, repeats=repeats)


def case_large_report(base: Path, n_units: int) -> dict:
    import national

    root = project_copy(base)
    plan_id = national.make_plan(root, n_units)
    env = env_for(root)
    card = (root / "config" / "plans" / f"{plan_id}.yaml").read_text("utf-8")
    period = "2026-H1"  # a half-year the generated table has figures for
    r = measured(ptdv("run", "--plan", plan_id, "--period", period, "--units", "none"), env)
    (folder,) = [p for p in (root / "reports" / plan_id).iterdir() if not p.name.startswith(".")]
    record = json.loads((folder / "run.json").read_text("utf-8"))
    pdf = folder / "tong-hop.pdf"
    pages = None
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(pdf).pages)
    except Exception:  # noqa: BLE001 - pypdf is a dev dependency
        pass
    return {
        "units": n_units,
        "period": record["period"],
        "seconds": round(r["seconds"], 2),
        "peak_mib": round(r["peak_mib"]),
        "steps": record["seconds"],
        "report_steps": record["reports"][0]["seconds"],
        "pdf_pages": pages,
        "card_bytes": len(card),
    }


def case_rollup(sizes: list[int]) -> list[dict]:
    import rollup

    return rollup.compare(sizes, measured)


# --- the table --------------------------------------------------------------------------------


def machine() -> dict:
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        # fontTools instead of HarfBuzz (no libharfbuzz-subset0) adds 0.4-0.5 s to each PDF
        "pdf_font_subsetting": pdf_font_subsetter(),
    }


def table(results: dict) -> str:
    rows = ["| case | measured | target |", "|---|---|---|"]
    fed = results.get("federation")
    if fed:
        s = fed["seconds"]
        runs = fed["all_seconds"]

        def floors(case: str) -> str:
            # each repeat's run against the floor measured just before it: comparable from
            # one bench to the next on a machine whose speed drifts
            ratios = [t / f for t, f in zip(runs[case], runs["floor"], strict=True)]
            return f"{s[case]:.2f} s ({statistics.median(ratios):.1f} floors)"

        rows += [
            f"| floor: `import pandas, matplotlib.pyplot` | {s['floor']:.2f} s | |",
            f"| federation report TLĐ 2021-H1, cold | {floors('cold')} | ≤ 5 s |",
            f"| the same, nothing changed | {floors('warm')} | ≤ 1 s |",
            f"| the same, report notebook changed (clean, progress skipped) "
            f"| {floors('report_changed')} | |",
        ]
    b = results.get("batch")
    if b:
        same = all(v["identical"] for v in b["figures_compared"].values())
        rows += [
            f"| {b['reports']} TLĐ reports (HTML+PDF), `ptdv run --units all` "
            f"| {b['ptdv_seconds']:.1f} s | |",
            f"| the user's loop (papermill, nbconvert, weasyprint CLIs), per report "
            f"| {b['loop_seconds_per_report']:.1f} s × {b['reports']} = "
            f"{b['loop_seconds_estimated']:.0f} s | |",
            f"| speed-up over the loop (figures identical: {'yes' if same else 'NO'}) "
            f"| {b['speedup']:.1f}× | ≥ 15× |",
        ]
    for s in results.get("scale", []):
        one = s.get("one_command_s")  # results from before it was measured have none
        two = s.get("two_commands_s", s["clean_s"] + s["progress_s"])  # median of the sums
        rows.append(
            f"| clean + progress, {s['units']:,} units | {s['clean_s']:.1f} + "
            f"{s['progress_s']:.1f}, together {two:.1f} s"
            + (f" (one command, `ptdv progress --clean`: {one:.1f} s)" if one else "")
            + f", {s['peak_rss_mib']:.0f} MiB | < 10 s, < 2 GiB |"
        )
    lr = results.get("large_report")
    if lr:
        rows.append(
            f"| federation report over {lr['units']:,} units (clean, progress, HTML+PDF+XLSX) "
            f"| {lr['seconds']:.1f} s, {lr['pdf_pages']} PDF pages | < 30 s |"
        )
    for r in results.get("rollup", []):
        rows.append(
            f"| roll-up of {r['rows'] / 1e6:.1f} M tidy rows ({r['file_mib']:.0f} MiB Parquet): "
            f"pandas / DuckDB | {r['pandas_s']:.1f} s, {r['pandas_peak_mib']:,} MiB / "
            f"{r['duckdb_s']:.1f} s, {r['duckdb_peak_mib']:,} MiB | same answer: "
            f"{'yes' if r['same_answer'] else 'NO'} |"
        )
    m = results["machine"]
    subsetter = {"harfbuzz": "HarfBuzz", "fonttools": "fontTools"}
    rows.append("")
    rows.append(
        f"Measured {m['date'][:10]} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
        f"Python {m['python']}, PDF fonts subset with "
        f"{subsetter.get(m.get('pdf_font_subsetting'), '?')}."
    )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="repeats of case 1 (default 5)")
    ap.add_argument("--batch-repeats", type=int, default=2, help="repeats of case 2")
    ap.add_argument("--loop-units", type=int, default=4, help="units the loop renders")
    ap.add_argument("--cases", default="1,2,3,4,5")
    ap.add_argument("--sizes", default="10000,50000,135000", help="units in case 3")
    ap.add_argument("--scale-repeats", type=int, default=3, help="rounds of case 3")
    ap.add_argument("--large", type=int, default=5000, help="units in case 4")
    ap.add_argument(
        "--rows", default="2160000,10800000,21600000", help="tidy rows in case 5 (roll-up)"
    )
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args()
    cases = {int(c) for c in args.cases.split(",") if c.strip()}
    results: dict = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="ptdv-bench-") as tmp:
        base = Path(tmp)
        if 1 in cases:
            print("case 1: one federation report, cold and warm ...", flush=True)
            (base / "c1").mkdir()
            results["federation"] = case_federation(base / "c1", args.repeats)
        if 2 in cases:
            print("case 2: the TLĐ unit reports against the loop ...", flush=True)
            (base / "c2").mkdir()
            results["batch"] = case_batch(base / "c2", args.batch_repeats, args.loop_units)
        if 3 in cases:
            print("case 3: clean and progress of a national table ...", flush=True)
            results["scale"] = case_scale(
                [int(s) for s in args.sizes.split(",")], args.scale_repeats
            )
        if 4 in cases:
            print(f"case 4: a federation report over {args.large:,} units ...", flush=True)
            (base / "c4").mkdir()
            results["large_report"] = case_large_report(base / "c4", args.large)
        if 5 in cases:
            print("case 5: a national roll-up in pandas and in DuckDB ...", flush=True)
            results["rollup"] = case_rollup([int(s) for s in args.rows.split(",")])
    results["table"] = table(results)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print()
    print(results["table"])
    print(f"\n(written to {args.out})")


if __name__ == "__main__":
    main()
