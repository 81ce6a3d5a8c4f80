"""The whole job for one plan and period: clean, progress, then every report.

Reports run in a small pool of worker processes (one per core by default). Each worker
starts ONE Jupyter kernel and executes the report notebook for unit after unit in it, so a
batch of unit reports does not pay a kernel start per unit. A unit whose report fails does
not stop the others: its executed notebook is kept, the failure is listed in run.json and
the run ends non-zero. Everything is written to a staging folder first and swapped into
reports/<plan-id>/<period>/ at the end, so a report folder is complete or absent. A full
disk (ENOSPC, EFBIG, EDQUOT) anywhere stops the whole run with one line (NoSpaceError) and
the previous folder kept; a killed run's hidden staging folder is removed the next time
the plan's lock is taken (ptdv.base.atomic.tidy).

Reports in the plan's language (its card's `language`, default vi) have the plain names
(tong-hop.html, don-vi/<unit>.pdf, charts/); another language's carry its code before the
extension (tong-hop.en.html, don-vi/<unit>.en.pdf) and their charts go to charts/en/. A run
of one language keeps the other language's reports of the folder it replaces when both were
rendered from the same progress table (run.json records its hash per language), and drops
them otherwise: run.json's `languages` lists what the folder holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ptdv.base import memory, paths
from ptdv.base.atomic import (
    NoSpaceError,
    no_space_reason,
    raise_if_no_space,
    replace_dir,
    staging_dir,
)
from ptdv.base.errors import ConfigError, DataError
from ptdv.base.i18n import translator
from ptdv.plan import config
from ptdv.report.kernel import WORKER, KernelRaised, RunKernel, run_and_wait, worker_kernel
from ptdv.report.notebooks import clean_plan, compute_progress
from ptdv.report.stepkeys import STEPS_FILE, StepKeys

#: Reports' dates are Vietnam's.
_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

if TYPE_CHECKING:
    from ptdv.plan.periods import Calendar

FORMATS = ("html", "pdf", "xlsx")
FEDERATION = "tong-hop"


def suffix(lang: str, plan_lang: str) -> str:
    """Return what a language's report files carry before their extension.

    Nothing for the plan's language (tong-hop.html), the code for another (tong-hop.en.html).
    """
    return "" if lang == plan_lang else f".{lang}"


def charts_folder(lang: str, plan_lang: str) -> str:
    """Return the folder of a language's charts: charts/, or charts/<code>/ for another."""
    return "charts" if lang == plan_lang else f"charts/{lang}"


def progress_sha256(path: Path) -> str:
    """Return the SHA-256 of a progress table's content (its columns, then its rows as CSV).

    It names the figures a report was rendered from, whatever library wrote the file.
    """
    import pandas as pd

    df = pd.read_parquet(path)
    h = hashlib.sha256("\t".join(map(str, df.columns)).encode("utf-8") + b"\n")
    h.update(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return h.hexdigest()


@dataclass
class Job:
    """One report to render: the federation's (unit_id None) or a unit's."""

    unit_id: str | None
    name: str
    slug: str
    lang: str
    formats: tuple[str, ...]
    #: before the extension: "" in the plan's language, ".en" in another (see `suffix`)
    suffix: str = ""
    charts: str = "charts"
    #: the complete table of units at the end of a large federation's report
    appendix: bool = False
    #: its charts saved as SVG too, beside the PNG
    svg: bool = True
    #: its pace charts drawn on another core while its kernel draws the rest (a report
    #: rendered alone: see `pieces.pace_ahead`)
    draw_ahead: bool = False


@dataclass
class JobResult:
    """What became of one report."""

    unit_id: str | None
    name: str
    status: str  # ok | failed
    outputs: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None


# --- worker processes ---------------------------------------------------------------------


def render_job(job: Job, plan_id: str, period: str, staging: str) -> JobResult:
    """Execute the report notebook for one job in this worker's kernel and convert it."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from ptdv.report import render

    staging_dir = Path(staging)
    sub = "" if job.unit_id is None else "don-vi/"
    name = f"{sub}{job.slug}{job.suffix}"  # e.g. don-vi/bac-kan.en
    executed = staging_dir / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    result = JobResult(job.unit_id, job.name, "ok")
    params = {
        "plan_id": plan_id,
        "period": period,
        "unit": job.unit_id,
        "lang": job.lang,
        "charts_dir": str(staging_dir / job.charts / ("don-vi" if job.unit_id else "")),
    }
    if job.appendix:
        params["appendix"] = True
    if not job.svg:
        params["svg"] = False
    if job.draw_ahead:
        params["draw_ahead"] = True
    written: Future | None = None
    xlsx_path = staging_dir / f"{name}.xlsx"
    if "xlsx" in job.formats and job.unit_id is None:
        # the Excel table needs only the cleaned tables and the progress table: it is
        # written on a thread of this process, which only waits while the kernel runs (its
        # modules imported here first: two threads importing one package can meet halfway)
        from ptdv.report import excel, pieces  # noqa: F401

        xlsx = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ptdv-xlsx")
        written = xlsx.submit(_federation_xlsx, job, plan_id, period, xlsx_path, params)
        xlsx.shutdown(wait=False)
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(
            str(paths.notebooks_dir() / "03_report.ipynb"),
            str(executed),
            parameters=params,
            km=worker_kernel(),
            # written once, when done (or failed), instead of at every cell's start and end:
            # 16 writes of a notebook that grows to 0.4 MB with its charts, 0.07 s of CPU a
            # report; the notebook is staged, and a report whose kernel dies keeps none
            request_save_on_cell_execute=False,
            **render.EXECUTE_OPTIONS,
        )
    except PapermillExecutionError as err:
        if no_space_reason(err):  # the disk is full: the whole run stops, nothing replaced
            raise NoSpaceError(no_space_reason(err)) from None
        result.status = "failed"
        result.error = f"{err.ename}: {err.evalue}"
        result.outputs.append(f"{name}.ipynb")
        result.seconds["execute"] = round(time.perf_counter() - t0, 2)
        _discard(written, xlsx_path)
        return result
    except Exception as err:  # noqa: BLE001 - a kernel that died is one unit's failure
        _discard(written, xlsx_path)
        if no_space_reason(err):
            raise NoSpaceError(no_space_reason(err)) from None
        result.status = "failed"
        result.error = f"{type(err).__name__}: {err}"
        WORKER.pop("km", None)
        return result
    result.seconds["execute"] = round(time.perf_counter() - t0, 2)
    result.outputs.append(f"{name}.ipynb")
    try:
        title = f"{job.name} · {period}"
        t = time.perf_counter()
        page = render.to_html(executed, title, job.lang)
        if "html" in job.formats:
            _write_text(staging_dir / f"{name}.html", page)
            result.outputs.append(f"{name}.html")
        result.seconds["html"] = round(time.perf_counter() - t, 2)
        if "pdf" in job.formats:
            t = time.perf_counter()
            render.to_pdf(page, staging_dir / f"{name}.pdf")
            result.outputs.append(f"{name}.pdf")
            result.seconds["pdf"] = round(time.perf_counter() - t, 2)
        if job.draw_ahead:  # the pace charts' SVGs, drawn on the other core meanwhile
            run_and_wait(worker_kernel(), _WRITE_DRAWN_AHEAD)
        if written is not None:
            result.seconds["xlsx"] = written.result()
            result.outputs.append(f"{name}.xlsx")
    except Exception as err:  # noqa: BLE001 - reported per unit
        if f"{name}.xlsx" not in result.outputs:
            _discard(written, xlsx_path)  # a report that failed has no table beside it
        # nor a page or PDF made before it failed (`ptdv send` would mail them): only its
        # executed notebook and the error stay, to see what went wrong
        for made in [o for o in result.outputs if not o.endswith(".ipynb")]:
            (staging_dir / made).unlink(missing_ok=True)
            result.outputs.remove(made)
        if no_space_reason(err):
            raise NoSpaceError(no_space_reason(err)) from None
        result.status = "failed"
        # what the kernel raised after the notebook says its own name
        result.error = str(err) if isinstance(err, KernelRaised) else f"{type(err).__name__}: {err}"
        result.seconds["traceback"] = 0.0
        (staging_dir / f"{name}.error.txt").write_text(traceback.format_exc(), "utf-8")
    return result


#: What the kernel of a report whose pace charts were drawn ahead runs after its notebook:
#: their SVGs are written once drawn (`pieces.write_drawn_ahead`), leaving its namespace as
#: the notebook left it.
_WRITE_DRAWN_AHEAD = "__import__('ptdv.report.pieces', fromlist=['_']).write_drawn_ahead()"

#: The report notebook's parameters that the Excel table's provenance leaves out.
_NOT_SHOWN = ("charts_dir", "draw_ahead")


def _federation_xlsx(job: Job, plan_id: str, period: str, path: Path, params: dict) -> float:
    """Write the federation report's Excel table; return the seconds it took."""
    from ptdv.report import excel
    from ptdv.report import pieces as report

    t = time.perf_counter()
    ctx = report.ReportContext.load(plan_id, period, None, job.lang)
    excel.write_report_xlsx(
        path,
        ctx.card,
        period,
        ctx.progress,
        ctx.quality,
        # where the charts went and how they were drawn are no part of what the table shows
        report.provenance(ctx, {k: v for k, v in params.items() if k not in _NOT_SHOWN}),
        lang=job.lang,
        info_df=ctx.info,
    )
    return round(time.perf_counter() - t, 2)


def _discard(written: Future | None, path: Path) -> None:
    """Wait for an Excel table written beside a report that failed, then remove it."""
    if written is None:
        return
    try:
        written.result()
    except Exception:  # noqa: BLE001, S110 - the report's own failure is the one to report
        pass
    path.unlink(missing_ok=True)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- the run --------------------------------------------------------------------------------


def check_complete(plan_id: str, period: str, cal: Calendar) -> None:
    """Raise DataError naming the units with no figures for a half-year of `period`."""
    import pandas as pd

    from ptdv.progress import missing_units

    d = paths.processed_dir(plan_id)
    units = pd.read_parquet(d / "units.parquet")
    actuals = pd.read_parquet(d / "actuals.parquet")
    names = dict(zip(units["unit_id"], units["unit_name"], strict=True))
    gaps = []
    for half in cal.halves_in(period):
        lacking = missing_units(actuals, units, half.id, cal)
        if lacking:
            gaps.append(f"{half.id}: {', '.join(names[u] for u in lacking)}")
    if gaps:
        raise DataError(
            f"--require-complete: units without figures for {'; '.join(gaps)} (their forms go "
            f"to {paths.raw_dir(plan_id)}/<actuals folder>/<period>/; without "
            "--require-complete they show as 'no report')"
        )


def _resolve(
    plan_id: str, cal: Calendar, period: str, today: dt.date | None, halves: list[str]
) -> str:
    """Return `period` resolved on the cleaned figures' half-years (periods.resolve_period)."""
    from ptdv.plan.periods import resolve_period

    today = today or dt.datetime.now(_TZ).date()
    try:
        return resolve_period(cal, period, today, halves)
    except ValueError as err:
        raise ConfigError(f"plan {plan_id}: {err}") from None


def _halves_with_figures(plan_id: str, cal: Calendar) -> list[str]:
    import pandas as pd

    from ptdv.progress import halves_with_figures

    d = paths.processed_dir(plan_id)
    try:  # what cleaning wrote down (clean.figures_given)
        given = json.loads((d / "inputs.json").read_text("utf-8"))["figures_given"]
        frame = pd.DataFrame(given, columns=["kind", "period"])
    except (OSError, ValueError, KeyError, TypeError):  # cleaned by an older ptdv: work it out
        from ptdv.tables.clean import figures_given

        actuals = pd.read_parquet(
            d / "actuals.parquet", columns=["level", "kind", "period", "value"]
        )
        frame = pd.DataFrame(figures_given(actuals), columns=["kind", "period"])
    return halves_with_figures(cal, frame.assign(level="unit", value=1.0))


def check_run_parameters(
    plan_id: str, period: str, units: list[str] | None, formats: list[str], lang: str
) -> None:
    """Refuse unknown plans, periods, formats, languages and units before any kernel starts.

    Imports pandas only to look units up by name: a run with nothing to do stays fast.
    """
    from ptdv.base.i18n import LANGS
    from ptdv.plan.periods import ALIASES, Calendar

    card = config.load_card(plan_id)
    if period not in ALIASES:  # resolved later, on the cleaned figures
        try:
            Calendar.from_card(card).period(period)
        except ValueError as err:
            raise ConfigError(f"plan {card.plan_id}: {err}") from None
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"unknown format(s) {', '.join(bad) or '(none)'}; valid: html, pdf, xlsx")
    units_file = paths.processed_dir(plan_id) / "units.parquet"
    if units and units not in (["all"], ["none"]) and units_file.is_file():
        import pandas as pd

        from ptdv.report.context import resolve_unit

        table = pd.read_parquet(units_file)
        for u in units:
            resolve_unit(u, table, plan_id)


def run(
    plan_id: str,
    period: str,
    *,
    units: list[str] | None = None,
    formats: list[str] = list(FORMATS),  # noqa: B006 - never mutated
    lang: str | None = None,
    jobs: int | None = None,
    require_complete: bool = False,
    say: Callable[[str], None] = print,
    verbose: bool = False,
    today: dt.date | None = None,
    ui_lang: str = "en",
    force: bool = False,
    appendix: bool = False,
    unit_svg: bool = False,
) -> dict:
    """Clean, compute progress and render the reports; return the run record (run.json).

    `lang` is the reports' language (default: the plan card's `language`). With
    `require_complete`, a unit with no figures for a half-year of the period stops the
    run (DataError) instead of showing as "no report". `period` may be `to-date`: it is
    resolved after cleaning, from the figures then known (the record's `period` says to
    what). `term` before the term's end (on `today`, default today) is refused. What the
    run says goes through gettext in `ui_lang`.

    A step whose inputs, notebook, parameters and code are those it last ran with (by
    SHA-256: see `StepKeys`) and whose outputs are intact is skipped, and says so; `force`
    runs every step. `appendix` ends a large federation's report with its complete table.
    The federation's charts are saved as PNG and SVG, a unit's as PNG (and SVG with
    `unit_svg`: drawing each unit's charts as SVG too takes a fifth of a batch's time).
    Clean and progress run in one Jupyter kernel; a batch of reports in a
    pool of worker processes, started (with their kernels) while cleaning runs.

    Besides run.json's keys, the record returned has `dest` (the report folder), `kept`
    (the other languages' reports carried over), `dropped` ({language: why} for those
    removed: `figures`, `incomplete` or `names`), `skipped` (the steps skipped) and
    `this_run` (this run's seconds per step; run.json's `seconds` are those of the run that
    rendered the reports).
    """
    from ptdv.plan.periods import Calendar

    _ = translator(ui_lang)
    check_run_parameters(plan_id, period, units, formats, lang or "vi")
    card = config.load_card(plan_id)
    plan_lang = card.language
    lang = lang or plan_lang
    cal = Calendar.from_card(card)
    fmt = tuple(f for f in FORMATS if f in formats)
    started = time.time()
    steps: dict[str, float] = {}
    skipped: list[str] = []
    keys = StepKeys(plan_id)
    batch = units != ["none"]  # unit reports to render: a pool of workers
    workers = max(1, jobs or os.cpu_count() or 1)
    kernel = RunKernel()
    pool = _WarmPool(workers if batch and workers > 1 else 0, lang)
    try:
        say(_("[1/3] cleaning {plan} ...", plan=plan_id))
        t = time.perf_counter()
        clean_key, halves, did = clean_step(
            plan_id, force=force, verbose=verbose, kernel=kernel, before=pool.start
        )
        if not did:
            skipped.append("clean")
            say("  " + _("unchanged (card, raw files, notebook and code as last time): skipped"))
        steps["clean"] = round(time.perf_counter() - t, 2)
        if did and pool.n == 0:
            # the reports follow in this kernel (a lone report, or --jobs 1): it imports what
            # they need while this process records the cleaning and prepares progress, when
            # it would idle (0.2 s off a cold run, measured)
            kernel.km("report")
        period = _resolve(plan_id, cal, period, today, halves)
        if require_complete:
            check_complete(plan_id, period, cal)

        say(
            _(
                "[2/3] progress {period} ({label}, {dates}) ...",
                period=period,
                label=cal.label(period, lang),  # as the reports name it
                dates=cal.date_range(period),
            )
        )
        t = time.perf_counter()
        progress_key = keys.progress(clean_key, period)
        report_key = keys.report(
            progress_key, period, units, fmt, lang, plan_lang, appendix, unit_svg
        )
        dest = paths.reports_dir(plan_id) / period
        previous = None if force else _current_reports(dest, lang, report_key)
        if progress_step(
            plan_id, period, clean_key, force=force, verbose=verbose, kernel=kernel,
            before=None if previous is not None else pool.start,
        ):  # fmt: skip
            previous = None  # new figures: render the reports
        else:
            skipped.append("progress")
            say("  " + _("unchanged (cleaned tables, notebook and code as last time): skipped"))
        steps["progress"] = round(time.perf_counter() - t, 2)

        if previous is not None:
            say(_("[3/3] reports ..."))
            say("  " + _("unchanged (figures, notebook, templates and code as last time): skipped"))
            skipped.append("reports")
            steps["reports"] = 0.0
            previous.update(
                dest=str(dest),
                kept=[],
                dropped={},
                skipped=skipped,
                this_run={**steps, "total": round(time.time() - started, 2)},
            )
            return previous

        # the reports are to be rendered: their kernel (this run's, or the workers') starts
        # and imports what they need now, while this process loads the tables and its
        # converters. Unless cleaning or progress ran, nothing had started it: the kernel of a
        # report whose notebook alone changed was launched 1.35 s into the run, after them.
        if pool.n == 0:
            kernel.km("report")
        else:
            pool.start()

        import pandas as pd

        from ptdv.report import render
        from ptdv.report.context import resolve_unit

        table = pd.read_parquet(paths.processed_dir(plan_id) / "units.parquet")
        if units in (None, [], ["all"]):
            chosen = list(zip(table["unit_id"], table["unit_name"], strict=True))
        elif units == ["none"]:
            chosen = []  # the federation's report only
        else:
            ids = [resolve_unit(u, table, plan_id) for u in units]
            names = table.set_index("unit_id")["unit_name"]
            chosen = [(i, names[i]) for i in dict.fromkeys(ids)]
        naming = {"suffix": suffix(lang, plan_lang), "charts": charts_folder(lang, plan_lang)}
        federation = Job(None, card.issuer_short, FEDERATION, lang, fmt, **naming)
        federation.appendix = appendix
        job_list = [federation] + [
            Job(u, n, u, lang, tuple(f for f in fmt if f != "xlsx"), svg=unit_svg, **naming)
            for u, n in chosen
        ]
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = staging_dir(dest)
        # a report alone leaves a core idle (workers: what the machine or --jobs allows); a
        # kernel that renders several keeps its pace chart's layout for the next instead
        federation.draw_ahead = len(job_list) == 1 and workers > 1
        workers = min(workers, len(job_list))
        say(_("[3/3] {n} report(s) in {workers} worker(s) ...", n=len(job_list), workers=workers))
        if "pdf" in fmt and render.pdf_font_subsetter() != "harfbuzz":
            say(
                "  "
                + _(
                    "note: without libharfbuzz-subset0 (HarfBuzz 4.1 or later), WeasyPrint "
                    "subsets the PDFs' fonts with fontTools, about 0.5 s slower a PDF"
                )
            )
        t = time.perf_counter()
        try:
            if workers == 1:  # in this process, in the kernel that cleaned
                # the kernel imports what the report needs (asked above already, unless a
                # batch turned out to be one report) while this process waits for what it
                # preloaded while the kernel cleaned: that thread can still be busy (0.2 s)
                kernel.km("report")
                pool.stop()
                # then the same imports here, done already unless cleaning and progress were
                # skipped. Not on a thread while the report runs: two threads importing one
                # package (jupyter_client, from papermill's side and from nbconvert's) can
                # find it half-imported
                _preload(lang)
                results = _render_here(job_list, plan_id, period, staging, say, _, ui_lang)
            else:
                kernel.stop()  # the workers have theirs
                results = pool.render(job_list, plan_id, period, staging, say, _, ui_lang)
            steps["reports"] = round(time.perf_counter() - t, 2)

            order = {j.unit_id: i for i, j in enumerate(job_list)}
            results.sort(key=lambda r: order[r.unit_id])
            timing = {
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                "seconds": {**steps, "total": round(time.time() - started, 2)},
                "workers": workers,
            }
            record = _record(plan_id, period, lang, card, fmt, results, staging, timing)
            record["key"] = report_key
            entry = {k: record[k] for k in LANGUAGE_KEYS} | naming
            kept, dropped = _carry_languages(dest, staging, lang, plan_lang, record)
            languages = {lang: entry, **kept}
            record["languages"] = {
                k: languages[k] for k in sorted(languages, key=_lang_order(plan_lang))
            }
            _write_text(staging / "run.json", json.dumps(record, ensure_ascii=False, indent=2))
            # the record of messages already sent survives a re-render (ptdv send compares the
            # reports' SHA-256 with it); a dry run's outbox is stale and goes
            if (dest / "sent.json").is_file():
                shutil.copy2(dest / "sent.json", staging / "sent.json")
            replace_dir(staging, dest)
        except BaseException as err:
            pool.stop()  # the workers' jobs still running end before their folder goes
            shutil.rmtree(staging, ignore_errors=True)
            raise_if_no_space(err, f"{dest}/", "the previous reports are kept, nothing replaced")
            raise
    finally:
        pool.stop()
        kernel.stop()
    record.update(
        dest=str(dest), kept=sorted(kept), dropped=dropped, skipped=skipped,
        this_run=record["seconds"],
    )  # fmt: skip
    return record


def _say_result(
    n: int, total: int, res: JobResult, say: Callable[[str], None], _: Any, ui_lang: str
) -> None:
    took = f"{sum(v for k, v in res.seconds.items() if k != 'traceback'):.1f}"
    took = took.replace(".", ",") if ui_lang == "vi" else took
    if res.status == "ok":
        mark = _("ok ({seconds} s)", seconds=took)
    else:
        mark = _("FAILED ({error}) ({seconds} s)", error=res.error, seconds=took)
    say(f"  [{n}/{total}] {res.name}: {mark}")


def _render_here(
    job_list: list[Job], plan_id: str, period: str, staging: Path, say: Callable[[str], None],
    _: Any, ui_lang: str,
) -> list[JobResult]:  # fmt: skip
    """Render the jobs one after another in this process (and its kernel)."""
    results = []
    for n, job in enumerate(job_list, start=1):
        try:
            res = render_job(job, plan_id, period, str(staging))
        except NoSpaceError:
            raise
        except Exception as err:  # noqa: BLE001 - reported per report, as from a worker
            res = JobResult(job.unit_id, job.name, "failed", error=repr(err))
        results.append(res)
        _say_result(n, len(job_list), res, say, _, ui_lang)
    return results


#: What a worker's kernel imports before its first report (not part of any notebook: the
#: notebooks import what they use, then at no cost).
_WARM_CODE = "import ptdv.report.charts, ptdv.report.pieces, ptdv.report.excel"


def _warm_worker() -> None:
    """Start this worker's kernel and have it and the worker import what reports need.

    Best effort: a failure here only means the first report starts cold. The worker's exit
    skips the collector's last passes (see memory.freeze_at_exit): the pool's shutdown waits
    for it.
    """
    from jupyter_core.utils import run_sync

    memory.freeze_at_exit()

    try:
        km = worker_kernel()

        async def warm() -> None:
            kc = km.client()  # the kept client: the first report finds it ready
            kc.start_channels()
            await kc.wait_for_ready(timeout=120)
            await kc.execute_interactive(_WARM_CODE, silent=True, store_history=False, timeout=120)

        run_sync(warm)()
        import nbformat  # noqa: F401
        import papermill  # noqa: F401
        import weasyprint  # noqa: F401
        from nbconvert import HTMLExporter  # noqa: F401
    except Exception:  # noqa: BLE001, S110 - best effort
        pass


def _nothing() -> None:
    """A task that makes the pool start one more worker (see _WarmPool.start)."""


class _WarmPool:
    """A pool of `n` worker processes (spawned, each with one kernel), started early.

    `start` spawns the workers, which start their kernels and import what a report needs
    while the parent cleans; `render` hands them the jobs; `stop` ends them. With n == 0 it
    does nothing.
    """

    def __init__(self, n: int, lang: str = "vi") -> None:
        self.n = n
        self.lang = lang
        self.pool: ProcessPoolExecutor | None = None
        self.preload: threading.Thread | None = None

    def start(self) -> None:
        """Start the workers; with none (reports rendered here), preload what they need."""
        if self.n == 0:
            if self.preload is None:  # while the kernel cleans, this process is idle
                self.preload = threading.Thread(target=_preload, args=(self.lang,), daemon=True)
                self.preload.start()
            return
        if self.pool is not None:
            return
        import multiprocessing

        self.pool = ProcessPoolExecutor(
            max_workers=self.n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
        )
        for _i in range(self.n):  # workers are spawned on demand: one task each
            self.pool.submit(_nothing)

    def render(
        self, job_list: list[Job], plan_id: str, period: str, staging: Path,
        say: Callable[[str], None], _: Any, ui_lang: str,
    ) -> list[JobResult]:  # fmt: skip
        self.start()
        assert self.pool is not None
        futures = {
            self.pool.submit(render_job, job, plan_id, period, str(staging)): job
            for job in job_list
        }
        results = []
        for n, fut in enumerate(as_completed(futures), start=1):
            job = futures[fut]
            try:
                res = fut.result()
            except NoSpaceError:
                raise
            except Exception as err:  # noqa: BLE001 - a worker that died
                res = JobResult(job.unit_id, job.name, "failed", error=repr(err))
            results.append(res)
            _say_result(n, len(job_list), res, say, _, ui_lang)
        return results

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.preload is not None:
            self.preload.join()
            self.preload = None


def _preload(lang: str) -> None:
    """Import pandas, WeasyPrint and openpyxl, build the HTML exporter (best effort; ~2 s cold).

    Runs in a thread while the kernel cleans (this process only waits for it then), and
    again before a report rendered here, when it costs nothing unless cleaning was skipped.
    """
    try:
        import pandas  # noqa: F401 - the run reads the cleaned tables next
        import weasyprint  # noqa: F401

        from ptdv.report import excel, render  # noqa: F401

        render.warm_up(lang)
    except Exception:  # noqa: BLE001, S110 - the report will import them itself
        pass


# --- skipping unchanged steps ---------------------------------------------------------------


def _launch(kernel: RunKernel | None, before: Callable[[], None] | None, step: str) -> Any:  # noqa: ANN401
    """Launch the step's kernel, load papermill, then call `before`; return the kernel manager.

    In that order: the kernel boots on the other core (and imports what `step` needs) while
    papermill loads here, and only then `before` (a pool's warm-up), whose imports would
    share this interpreter's lock with papermill's and delay the step's first cell (0.5 s,
    measured).
    """
    km = kernel.km(step) if kernel else None
    import papermill  # noqa: F401

    if before is not None:
        before()
    return km


def clean_step(
    plan_id: str, *, force: bool = False, verbose: bool = False, kernel: RunKernel | None = None,
    before: Callable[[], None] | None = None,
) -> tuple[str, list[str], bool]:  # fmt: skip
    """Clean a plan unless its clean key and outputs are as recorded (or `force`).

    Return the clean key, the half-years with figures (for `to-date`) and whether it ran.
    `before` is called just before cleaning starts (a pool to warm up meanwhile).
    """
    from ptdv.base.steps import StepRecords
    from ptdv.plan.periods import Calendar

    records = StepRecords(paths.processed_dir(plan_id) / STEPS_FILE)
    key = StepKeys(plan_id).clean()
    done = None if force else records.current("clean", key)
    if done is not None:
        return key, list(done.get("halves", [])), False
    clean_plan(plan_id, verbose=verbose, km=_launch(kernel, before, "clean"))
    cal = Calendar.from_card(config.load_card(plan_id))
    halves = _halves_with_figures(plan_id, cal)
    records.save("clean", key, _clean_outputs(plan_id), halves=halves)
    return key, halves, True


def progress_step(
    plan_id: str, period: str, clean_key: str, *, force: bool = False, verbose: bool = False,
    kernel: RunKernel | None = None, before: Callable[[], None] | None = None,
) -> bool:  # fmt: skip
    """Compute a period's progress unless its key and outputs are as recorded; say if it ran."""
    from ptdv.base.steps import StepRecords

    records = StepRecords(paths.processed_dir(plan_id) / STEPS_FILE)
    key = StepKeys(plan_id).progress(clean_key, period)
    step = f"progress {period}"
    if not force and records.current(step, key) is not None:
        return False
    compute_progress(plan_id, period, verbose=verbose, km=_launch(kernel, before, "progress"))
    records.save(step, key, _progress_outputs(period))
    return True


def progress_now(
    plan_id: str, period: str, *, verbose: bool = False, kernel: RunKernel | None = None
) -> Path:
    """Compute a period's progress (`ptdv progress`); record it if the cleaning is recorded.

    Return the progress table's path.
    """
    from ptdv.base.steps import StepRecords

    records = StepRecords(paths.processed_dir(plan_id) / STEPS_FILE)
    clean_key = StepKeys(plan_id).clean()
    if records.current("clean", clean_key) is not None:
        progress_step(plan_id, period, clean_key, force=True, verbose=verbose, kernel=kernel)
    else:  # tables cleaned from other inputs, or by an older ptdv: not recorded
        compute_progress(plan_id, period, verbose=verbose, km=kernel.km() if kernel else None)
    return paths.processed_dir(plan_id) / f"progress_{period}.parquet"


def _clean_outputs(plan_id: str) -> list[str]:
    """Return what cleaning wrote: the files of the plan's processed folder (it replaces it)."""
    d = paths.processed_dir(plan_id)
    return sorted(p.name for p in d.iterdir() if p.is_file() and p.name != STEPS_FILE)


def _progress_outputs(period: str) -> list[str]:
    return [f"progress_{period}.parquet", f"02_progress_{period}.ipynb"]


def _current_reports(dest: Path, lang: str, key: str) -> dict | None:
    """Return the run record of `dest` for `lang` if rendered with `key`, complete and intact."""
    from ptdv.base.steps import intact

    try:
        old = json.loads((dest / "run.json").read_text("utf-8"))
        entry = old["languages"][lang]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if entry.get("key") != key or entry.get("status") != "ok":
        return None
    outputs = {o["path"]: o["sha256"] for o in entry.get("outputs", [])}
    if not intact(dest, outputs):
        return None
    return {**old, **entry}


#: What run.json keeps of each language under `languages` (besides `suffix` and `charts`).
LANGUAGE_KEYS = (
    "lang", "formats", "status", "started", "seconds", "workers", "git_commit", "inputs",
    "progress_sha256", "reports", "failures", "outputs", "key",
)  # fmt: skip


def _lang_order(plan_lang: str) -> Callable[[str], tuple[bool, str]]:
    return lambda code: (code != plan_lang, code)  # the plan's language first


def _record(
    plan_id: str,
    period: str,
    lang: str,
    card: config.PlanCard,
    fmt: tuple[str, ...],
    results: list[JobResult],
    staging: Path,
    timing: dict,
) -> dict:
    """Return the run record of the language just rendered, its outputs hashed.

    Called before any other language's files are carried into `staging`; copies the
    progress table the reports show into it (for ptdv send and for audit).
    """
    from ptdv.base.steps import file_sha256
    from ptdv.report import pieces as report

    manifest = json.loads((paths.processed_dir(plan_id) / "inputs.json").read_text("utf-8"))
    failed = [r for r in results if r.status != "ok"]
    record = {
        "plan_id": plan_id,
        "period": period,
        "lang": lang,
        "plan_language": card.language,
        "formats": list(fmt),
        "demo": bool(card.actuals.demo or card.demo),
        "status": "failed" if failed else "ok",
        **timing,  # started, seconds, workers
        "inputs": manifest["inputs"],
        "git_commit": report.git_commit(),
        "reports": [asdict(r) for r in results],
        "failures": [{"unit_id": r.unit_id, "name": r.name, "error": r.error} for r in failed],
    }
    outputs = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    shutil.copy2(
        paths.processed_dir(plan_id) / f"progress_{period}.parquet",
        staging / "progress.parquet",
    )
    outputs.append("progress.parquet")
    record["outputs"] = [
        {"path": o, "sha256": file_sha256(staging / o)} for o in outputs if not o.endswith(".txt")
    ]
    record["progress_sha256"] = progress_sha256(staging / "progress.parquet")
    return record


def _older_record(dest: Path, old: dict) -> dict[str, dict]:
    """Return the `languages` of a run.json written before languages could share a folder.

    It holds one language under the plain names, its figures in the folder's
    progress.parquet (hashed here when the file is there).
    """
    entry = {k: old[k] for k in LANGUAGE_KEYS if k in old} | {"suffix": "", "charts": "charts"}
    try:
        entry["progress_sha256"] = progress_sha256(dest / "progress.parquet")
    except (OSError, ValueError):
        entry["progress_sha256"] = None
    return {old.get("lang", "vi"): entry}


def _carry_languages(
    dest: Path, staging: Path, lang: str, plan_lang: str, new: dict
) -> tuple[dict[str, dict], dict[str, str]]:
    """Copy the other languages' reports of `dest` into `staging` when still valid.

    `new` is the record of the language just rendered (its progress hash and outputs). A
    language is kept when its run.json entry was rendered from the same progress table,
    under the names the plan's language gives it now, and every file it lists is there
    unchanged. Return the entries kept and, for those dropped, why: `figures` (rendered
    from another progress table), `names` (an older ptdv's folder, or the plan's language
    changed since) or `incomplete` (a file missing or changed). A folder of an older ptdv
    holds one language under the plain names: kept only if that is the plan's language.
    """
    from ptdv.base.steps import file_sha256

    kept: dict[str, dict] = {}
    dropped: dict[str, str] = {}
    (progress_out,) = [o for o in new["outputs"] if o["path"] == "progress.parquet"]
    try:
        old = json.loads((dest / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return kept, dropped  # no folder yet, or no record to trust: nothing to carry
    languages = old.get("languages")
    if languages is None:  # an older ptdv's folder: one language under the plain names
        languages = _older_record(dest, old)
    for other, entry in languages.items():
        if other == lang:
            continue
        if entry.get("suffix") != suffix(other, plan_lang):
            dropped[other] = "names"
            continue
        if not entry.get("progress_sha256"):  # no progress table to compare
            dropped[other] = "incomplete"
            continue
        if entry.get("progress_sha256") != new["progress_sha256"]:
            dropped[other] = "figures"
            continue
        files = [o for o in entry.get("outputs", []) if o.get("path") != "progress.parquet"]
        intact = all(
            not Path(o["path"]).is_absolute()
            and ".." not in Path(o["path"]).parts
            and (dest / o["path"]).is_file()
            and file_sha256(dest / o["path"]) == o["sha256"]
            for o in files
        )
        if not intact:
            dropped[other] = "incomplete"
            continue
        for o in files:
            target = staging / o["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dest / o["path"], target)
        # the folder's progress.parquet is the new run's copy of the same figures
        kept[other] = entry | {"outputs": [*files, progress_out]}
    return kept, dropped
