"""The `ptdv` command: inspect a table, clean, progress, forms, run the reports, send them.

The command line configures logging and turns every PtdvError into one line on stderr
with a non-zero exit code; tracebacks are for bugs only. Exit codes: 0 done, 1 some reports
or messages failed, 2 bad input or settings, 3 another ptdv process is working on the plan.
Commands that write a plan's files hold its lock (ptdv.lock); run and send write a log
under reports/logs/ (ptdv.runlog).

What the commands say on success goes through gettext: in the language of `--lang` where
the command has it, else of the environment variable PTDV_LANG (vi or en), else English.
Error messages stay English.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from ptdv import __version__
from ptdv.base import memory, paths
from ptdv.base.errors import ConfigError, PtdvError
from ptdv.base.i18n import LANGS, N_, translator
from ptdv.base.lock import plan_lock
from ptdv.base.runlog import command_log
from ptdv.base.safety import csv_unescape_frame
from ptdv.report.kernel import kernel_started

log = logging.getLogger("ptdv")

#: The languages' names, as what the commands say names them.
LANGUAGE_NAMES = {"vi": N_("Vietnamese"), "en": N_("English")}
#: Quality-log severities, in words.
SEVERITIES = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


def ui_language(lang: str | None = None) -> str:
    """Return the language of what a command says: `lang` (its --lang), else PTDV_LANG, else en.

    PTDV_LANG may be a code (vi, en) or a locale name (vi_VN.UTF-8); anything else is English.
    """
    if lang in LANGS:
        return lang
    code = re.split(r"[_.@-]", os.environ.get("PTDV_LANG", "").strip().lower())[0]
    return code if code in LANGS else "en"


def _seconds(value: float, ui: str) -> str:
    """Return seconds with one decimal, written as the language writes numbers."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if ui == "vi" else text


def cmd_inspect(args: argparse.Namespace) -> int:
    """Show what ptdv detects in an unseen file and print a draft plan card."""
    from ptdv.tables.discover import describe, draft_card, inspect_file

    _ = translator(args.ui)
    ins = inspect_file(args.file, args.sheet)
    print(describe(ins))
    print("\n" + _("Draft plan card:") + "\n")
    print(draft_card(ins))
    return 0


def _import_meanwhile(*modules: str) -> None:
    """Import modules in a thread while a kernel works: this process needs them only after.

    papermill is imported first, here: the kernel cannot start without it, and two imports at
    once would share the interpreter's lock and delay the kernel's start.
    """
    import importlib
    import threading

    import papermill  # noqa: F401

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 - imported again where used, error and all
                continue

    threading.Thread(target=load, name="ptdv-imports", daemon=True).start()


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean one plan (or all) into data/processed/<plan-id>/ through the clean notebook."""
    _ = translator(args.ui)
    kernel = kernel_started("clean")  # it boots while the cards and papermill load
    try:
        from ptdv.base.atomic import NoSpaceError
        from ptdv.plan import config

        plans = config.available_plans() if args.all else [args.plan]
        for plan_id in plans:
            config.load_card(plan_id)  # every card checked before any work starts
        _import_meanwhile("pandas")  # for the summaries
        failed: dict[str, int] = {}
        for plan_id in plans:
            try:
                _clean_one(args, plan_id, kernel)
            except NoSpaceError:  # the disk is full: no other plan would fare better
                raise
            except PtdvError as err:  # one plan's bad table keeps none of the others back
                if not args.all:
                    raise
                print(f"error: {_error_text(err)}", file=sys.stderr, flush=True)
                failed[plan_id] = err.exit_code
    finally:
        kernel.stop()
    if failed:
        line = _(
            "{done} of {n} plan(s) cleaned; not cleaned: {plans}",
            done=len(plans) - len(failed),
            n=len(plans),
            plans=", ".join(failed),
        )
        print(line, file=sys.stderr)
        return max(failed.values())
    return 0


def _error_text(err: PtdvError) -> str:
    """Return an error's message, the project's files named from its root (as the summary
    lines name them)."""
    return str(err).replace(str(paths.root()) + os.sep, "")


def _clean_one(args: argparse.Namespace, plan_id: str, kernel: Any) -> None:  # noqa: ANN401
    """Clean one plan in `kernel` and print its summary."""
    from ptdv.pipeline import clean_step

    _ = translator(args.ui)
    t0 = time.perf_counter()
    print(_("cleaning {plan} ...", plan=plan_id), flush=True)
    with plan_lock(plan_id):
        # recorded: run skips it
        clean_step(plan_id, force=True, verbose=args.verbose, kernel=kernel)
    import pandas as pd

    dest = paths.processed_dir(plan_id)
    units = pd.read_parquet(dest / "units.parquet", columns=["unit_id"])
    quality = csv_unescape_frame(pd.read_csv(dest / "quality.csv"))
    counts = quality["severity"].value_counts()
    summary = _(
        "{units} units; quality log: {errors} error(s), {warnings} warning(s), {infos} info "
        "({seconds} s)",
        units=len(units),
        errors=counts.get("error", 0),
        warnings=counts.get("warning", 0),
        infos=counts.get("info", 0),
        seconds=_seconds(time.perf_counter() - t0, args.ui),
    )
    print("  " + summary)
    for _i, r in quality[quality["severity"] != "info"].iterrows():
        where = " " + _("row {row}", row=int(r["row"])) if pd.notna(r["row"]) else ""
        severity = _(SEVERITIES.get(r["severity"], r["severity"]))
        print(f"  {severity}: {r['source']}{where}: {r['message']}")
    print(
        "  "
        + _(
            "written to {folder}/ (units, targets, actuals .parquet; quality.csv)",
            folder=_rel(dest),
        )
    )


def _plan_and_period(plan_id: str, period: str):  # noqa: ANN202 - (PlanCard, Calendar)
    """Return a plan's card and calendar, refusing a period outside its term."""
    from ptdv.plan import config
    from ptdv.plan.periods import ALIASES, Calendar

    card = config.load_card(plan_id)
    cal = Calendar.from_card(card)
    if period not in ALIASES:
        try:
            cal.period(period)
        except ValueError as err:
            raise ConfigError(f"plan {plan_id}: {err}") from None
    return card, cal


def _today(text: str | None) -> dt.date:
    """Return --today as a date (default: today in Vietnam)."""
    if not text:
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--today {text!r}: expected a date YYYY-MM-DD") from None


def _resolve_period(args: argparse.Namespace, *, defer_to_date: bool = False) -> None:
    """Resolve `--period latest|to-date` and refuse a period that cannot be reported yet.

    `latest` is the latest half-year completed on --today (or today); `to-date` runs from the
    term's start to the latest half-year with figures in the processed tables (a run resolves
    it after cleaning: `defer_to_date`); `term` is refused before the term has ended and
    `mid-term` before its half-year has.
    """
    from ptdv.plan.periods import ALIASES, resolve_period

    card, cal = _plan_and_period(args.plan, args.period)
    today = _today(getattr(args, "today", None))
    _ = translator(args.ui)
    if args.period == "to-date" and defer_to_date:
        return
    halves: list[str] = []
    if args.period == "to-date":
        import pandas as pd

        from ptdv.pipeline import clean_step
        from ptdv.progress import halves_with_figures

        f = paths.processed_dir(args.plan) / "actuals.parquet"
        if not f.is_file():
            print(_("cleaning {plan} first ...", plan=args.plan), flush=True)
            clean_step(args.plan, force=True, verbose=getattr(args, "verbose", False))
        halves = halves_with_figures(cal, pd.read_parquet(f))
    try:
        resolved = resolve_period(cal, args.period, today, halves)
    except ValueError as err:
        raise ConfigError(f"plan {args.plan}: {err}") from None
    if args.period in ALIASES:
        span = _span(cal.period(resolved))
        if args.period == "latest":
            print(
                _(
                    "latest completed period on {today}: {period} ({dates})",
                    today=f"{today:%d/%m/%Y}",
                    period=resolved,
                    dates=span,
                )
            )
        else:
            print(_("to date: {period} ({dates})", period=resolved, dates=span))
    args.period = resolved


def _span(p) -> str:  # noqa: ANN001 - a periods.Period
    return f"{p.start:%d/%m/%Y} – {p.end:%d/%m/%Y}"


def _clean_if_needed(args: argparse.Namespace, kernel: Any = None) -> None:  # noqa: ANN401
    """Clean the plan first when it has no processed tables yet, or when --clean asks."""
    if args.clean or not (paths.processed_dir(args.plan) / "units.parquet").is_file():
        from ptdv.pipeline import clean_step

        _ = translator(args.ui)
        print(_("cleaning {plan} first ...", plan=args.plan), flush=True)
        clean_step(args.plan, force=True, verbose=args.verbose, kernel=kernel)


def cmd_progress(args: argparse.Namespace) -> int:
    """Compute progress for one plan and period through the progress notebook."""
    _ = translator(args.ui)
    ui = args.ui
    kernel = kernel_started("progress")  # it boots while the card and papermill load
    try:
        from ptdv.pipeline import progress_now

        _plan_and_period(args.plan, args.period)  # refuse a period outside the term at once
        _import_meanwhile("pandas", "ptdv.progress", "ptdv.report.pieces")  # for the summary
        with plan_lock(args.plan):
            _clean_if_needed(args, kernel)
            _resolve_period(args)
            card, cal = _plan_and_period(args.plan, args.period)
            out = progress_now(args.plan, args.period, verbose=args.verbose, kernel=kernel)
    finally:
        kernel.stop()
    import pandas as pd

    from ptdv import progress
    from ptdv.report.pieces import num, pct

    t0 = time.perf_counter()
    print(
        _(
            "progress {plan} {period} ({label}, {dates}) ...",
            plan=args.plan,
            period=args.period,
            label=cal.label(args.period, card.language),  # as the plan's reports name it
            dates=cal.date_range(args.period),
        ),
        flush=True,
    )
    # what the lines below show (a national table's progress has 270,000 rows of 30 columns)
    wanted = ["level", "metric", "status", "cum_actual", "term_target", "cum_pct"]
    df = pd.read_parquet(
        out, columns=[*wanted, "elapsed_share", "period_pct", "pace_ratio", "order"]
    )
    if card.actuals.demo:
        print("  " + _("SỐ LIỆU MINH HỌA: the actual figures are demo data"))
    for _i, r in df[df["level"] == "federation"].iterrows():
        line = _(
            "{metric}: {actual} of {target} = {pct} of the term target, elapsed {elapsed}; "
            "status {status}",
            metric=r["metric"],
            actual=num(r["cum_actual"], ui),
            target=num(r["term_target"], ui),
            pct=pct(r["cum_pct"], ui),
            elapsed=pct(r["elapsed_share"], ui),
            status=_status(str(r["status"]), ui),
        )
        print("  " + line)
        counts, n_commend, n_behind = progress.unit_counts(df, r["metric"])
        shown = ", ".join(f"{_status(str(k), ui)} {v}" for k, v in counts.items())
        print("    " + _("units: {counts}", counts=shown))
        line = _("to commend: {commend}, behind: {behind}", commend=n_commend, behind=n_behind)
        print("    " + line)
    took = _seconds(time.perf_counter() - t0, ui)
    print("  " + _("written to {path} ({seconds} s)", path=_rel(out), seconds=took))
    return 0


def _status(status: str, ui: str) -> str:
    """Return a unit's status as the summary lines show it: the id in English, else words."""
    from ptdv.report.texts import status_label

    if ui == "en":
        return status  # the values of the progress table's `status` column
    try:
        return status_label(status, ui).lower()
    except KeyError:
        return status


def cmd_template(args: argparse.Namespace) -> int:
    """Write the blank half-year report forms units fill in (one per unit, or consolidated)."""

    card, cal = _plan_and_period(args.plan, args.period)
    if cal.period(args.period).kind != "half":
        raise ConfigError(f"units report half-years: give a period such as {cal.halves()[0].id}")
    with plan_lock(args.plan):
        return _write_templates(args, card, cal)


def _write_templates(args: argparse.Namespace, card, cal) -> int:  # noqa: ANN001
    import pandas as pd

    from ptdv.tables import forms

    _clean_if_needed(args)
    units_file = paths.processed_dir(args.plan) / "units.parquet"
    units = pd.read_parquet(units_file)
    if units.empty:
        raise ConfigError(f"plan {args.plan} has no unit table: no forms to write")
    out = Path(args.out or paths.reports_dir(args.plan) / "bieu-mau" / args.period)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: a file, not a folder: give the folder for the forms")
    try:
        if args.consolidated:
            names = units.sort_values("order")["unit_name"].tolist()
            written = [forms.write_consolidated(out / "tong-hop.xlsx", card, names, args.period)]
        else:
            written = forms.write_forms(card, units, args.period, out)
    except OSError as err:  # a folder that cannot be made or written to: nothing is left
        from ptdv.base.atomic import raise_if_no_space

        raise_if_no_space(err, out, "no form was written")
        raise ConfigError(
            f"--out {out}: the forms cannot be written there ({err.strerror or err}): "
            "give a folder you may write to"
        ) from None
    _ = translator(args.ui)
    print(
        _(
            "{n} form(s) for {label} ({dates}) written to {folder}/",
            n=len(written),
            label=cal.label(args.period, card.language),
            dates=cal.date_range(args.period),
            folder=_rel(out),
        )
    )
    print(
        _(
            "Filled forms go to {folder}/, then: {command}",
            folder=_rel(paths.raw_dir(args.plan) / card.actuals.folder / args.period),
            command=f"ptdv progress --plan {args.plan} --period {args.period} --clean",
        )
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Clean, compute progress and render every report of one plan and period (then send)."""
    kernel = _kernel_if_cleaning(args.plan, args.force)
    try:
        return _checked_run(args)
    finally:
        if kernel is not None:  # a refused run; else the run has stopped it
            kernel.stop()


def _kernel_if_cleaning(plan_id: str, force: bool) -> Any:  # noqa: ANN401 - RunKernel or None
    """Launch the kernel now if the plan's cleaning is not recorded as done with these inputs
    (or `force`: --force cleans anyway).

    Such a run cleans whatever its parameters: its kernel boots on the other core while the
    card (pydantic), the pipeline and papermill load, and the run then finds it started. A
    run refused for its parameters stops it before anything has run. A plan that cannot be
    hashed (unknown, unreadable) launches nothing: the checks say what is wrong.
    """
    from ptdv.base.steps import StepRecords
    from ptdv.report.stepkeys import STEPS_FILE, StepKeys

    try:
        key = StepKeys(plan_id).clean()
        records = StepRecords(paths.processed_dir(plan_id) / STEPS_FILE)
        if not force and records.current("clean", key) is not None:
            return None
    except (OSError, PtdvError):
        return None
    return kernel_started("clean")


def _checked_run(args: argparse.Namespace) -> int:
    """Check a run's parameters, then run it under the plan's lock and the command's log."""
    from ptdv import pipeline
    from ptdv.plan import config

    _ = translator(args.ui)
    _resolve_period(args, defer_to_date=True)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    lang = args.lang or config.load_card(args.plan).language
    pipeline.check_run_parameters(args.plan, args.period, args.units, formats, lang)
    with command_log("run", args.plan, args.period) as runlog, plan_lock(args.plan):
        print(_("(log: {path})", path=_rel(runlog.path)))
        code = _run(args)
        if args.send and code in (0, 1):
            print(
                _("sending the reports of {plan} {period} ...", plan=args.plan, period=args.period),
                flush=True,
            )
            sent = _send(args)
            code = max(code, sent)
        runlog.exit_code = code
    return code


def _run(args: argparse.Namespace) -> int:
    from ptdv import pipeline

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.send:  # check the mail settings and recipients before hours of rendering
        from ptdv.share import notify, recipients

        notify.SmtpSettings.load(settings_file=args.settings, need_server=not args.dry_run)
        recipients.precheck(args.plan, args.recipients)
    record = pipeline.run(
        args.plan,
        args.period,
        units=args.units,
        formats=formats,
        lang=args.lang,
        jobs=args.jobs,
        require_complete=args.require_complete,
        verbose=args.verbose,
        ui_lang=args.ui,
        force=args.force,
        appendix=args.appendix,
        unit_svg=args.svg_all,
    )
    args.period = record["period"]  # `to-date` resolved after cleaning
    args.lang = record["lang"]  # what --send sends
    _ = translator(args.ui)
    dest = Path(record["dest"])
    if record["demo"]:
        print(_("SỐ LIỆU MINH HỌA: the actual figures are demo data"))
    ok = [r for r in record["reports"] if r["status"] == "ok"]
    if "reports" in record["skipped"]:
        print(
            _(
                "{ok} report(s) in {folder}/ are up to date, rendered {when} from the same "
                "inputs (run.json lists every file and its SHA-256; --force renders them "
                "again); checked in {seconds} s",
                ok=len(ok),
                folder=_rel(dest),
                when=record["started"],
                seconds=_seconds(record["this_run"]["total"], args.ui),
            )
        )
    else:
        print(
            _(
                "{ok} of {total} report(s) written to {folder}/ in {seconds} s (run.json lists "
                "every file and its SHA-256)",
                ok=len(ok),
                total=len(record["reports"]),
                folder=_rel(dest),
                seconds=_seconds(record["seconds"]["total"], args.ui),
            )
        )
    sfx = record["languages"][record["lang"]]["suffix"]
    for ext in ("html", "pdf", "xlsx"):
        if (dest / f"tong-hop{sfx}.{ext}").is_file():
            print(f"  {_rel(dest / f'tong-hop{sfx}.{ext}')}")
    units = [r for r in ok if r["unit_id"]]
    if units:
        where = _rel(dest / "don-vi")
        print("  " + _("{folder}/ ({n} unit report(s))", folder=where, n=len(units)))
    for other in record["kept"]:
        language = _(LANGUAGE_NAMES[other])
        print(_("kept: the {language} reports, rendered from the same figures", language=language))
    for other, why in record["dropped"].items():
        print(_(DROPPED[why], language=_(LANGUAGE_NAMES.get(other, other)), code=other))
    if record["failures"]:
        print(_("{n} report(s) failed:", n=len(record["failures"])), file=sys.stderr)
        for f in record["failures"]:
            print(f"  {f['name']}: {f['error']}", file=sys.stderr)
        return 1
    return 0


#: Why a run removed another language's reports (pipeline.run's `dropped`), in words.
DROPPED = {
    "figures": N_(
        "the {language} reports were rendered from other figures: removed; run --lang {code} again"
    ),
    "incomplete": N_(
        "the {language} reports had a file missing or changed: removed; run --lang {code} again"
    ),
    "names": N_(
        "the {language} reports had other file names (an older ptdv, or the plan's language "
        "has changed): removed; run --lang {code} again"
    ),
}


def cmd_send(args: argparse.Namespace) -> int:
    """Send the reports of one plan and period by e-mail (or write them as .eml files)."""
    _resolve_period(args)
    _plan_and_period(args.plan, args.period)
    with command_log("send", args.plan, args.period) as runlog, plan_lock(args.plan):
        _ = translator(args.ui)
        print(_("(log: {path})", path=_rel(runlog.path)))
        runlog.exit_code = _send(args)
    return runlog.exit_code


def _send(args: argparse.Namespace) -> int:
    from ptdv.share import dispatch

    _ = translator(args.ui)
    result = dispatch.send(
        args.plan,
        args.period,
        to=args.to,
        units=args.send_units,
        recipients_file=args.recipients,
        dry_run=args.dry_run,
        resend=args.resend,
        lang=args.lang,
        max_mb=args.max_size,
        settings_file=args.settings,
        today=_today(getattr(args, "today", None)),
        ui_lang=args.ui,
    )
    if result.dry_run and result.outbox:
        print(
            _(
                "dry run: {n} message(s) written to {folder}/ (nothing was sent)",
                n=len(result.written),
                folder=_rel(result.outbox),
            )
        )
    elif result.dry_run:
        print(_("dry run: no message to write"))
    else:
        print(
            _(
                "{n} message(s) sent; record: {path}",
                n=len(result.sent),
                path=_rel(_sent_json(args)),
            )
        )
    for key, why in result.skipped:
        print("  " + _("not sent: {key}: {why}", key=key, why=why))
    problems = [*result.failed, *result.uncertain]
    problems += [(k, f"{a} refused: {r}") for k, a, r in result.refused]
    if problems:
        print(_("{n} problem(s):", n=len(problems)), file=sys.stderr)
        for key, why in problems:
            print(f"  {key}: {why}", file=sys.stderr)
    return result.exit_code


def _sent_json(args: argparse.Namespace) -> Path:
    return paths.reports_dir(args.plan) / args.period / "sent.json"


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _at_least_one(text: str) -> int:
    """An argument that counts something to have (workers): a whole number of 1 or more."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `ptdv` command."""
    p = argparse.ArgumentParser(
        prog="ptdv",
        description="Clean target tables, track progress and report it (PTĐV workbook).",
    )
    p.add_argument("--version", action="version", version=f"ptdv {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="say more, keep failed notebooks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("inspect", help="show what ptdv finds in a new table; draft a plan card")
    s.add_argument("file", type=Path, help="an .xlsx, .csv, .tsv or tab-separated .txt file")
    s.add_argument("--sheet", help="the sheet to read (default: the first)")
    s.set_defaults(func=cmd_inspect)

    s = sub.add_parser("clean", help="clean a plan's raw tables into data/processed/<plan-id>/")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--plan", help="plan id (a card in config/plans/)")
    g.add_argument("--all", action="store_true", help="every plan in config/plans/")
    s.set_defaults(func=cmd_clean)

    s = sub.add_parser("run", help="clean, progress and every report of a plan and period")
    _plan_period_options(s)
    s.add_argument(
        "--require-complete",
        action="store_true",
        help="stop (exit 2) when a unit has no figures for the period, instead of 'no report'",
    )
    s.add_argument(
        "--units",
        nargs="+",
        metavar="UNIT",
        default=["all"],
        help="'all' (default) or unit ids / names for their own reports",
    )
    s.add_argument("--formats", default="html,pdf,xlsx", help="any of html,pdf,xlsx")
    s.add_argument(
        "--lang",
        choices=LANGS,
        help="report language (default: the plan card's `language`, vi); another language's "
        "files carry its code (tong-hop.en.html) beside the plan language's",
    )
    s.add_argument("--jobs", type=_at_least_one, help="worker processes (default: one per core)")
    s.add_argument(
        "--appendix",
        action="store_true",
        help="end a federation report over many units with their complete table (it is "
        "always in the Excel file)",
    )
    s.add_argument(
        "--svg-all",
        action="store_true",
        help="save every unit's charts as SVG too, beside the PNG (the federation's always "
        "are); about a fifth more time for a batch",
    )
    s.add_argument(
        "--force",
        action="store_true",
        help="run every step, even those whose inputs, notebooks and code are unchanged "
        "(by SHA-256) since they last ran",
    )
    s.add_argument("--send", action="store_true", help="then send them (as ptdv send does)")
    _send_options(s, prefix="with --send: ")
    s.set_defaults(func=cmd_run, send_units=None)

    s = sub.add_parser("send", help="send a period's reports by e-mail; remind missing units")
    _plan_period_options(s)
    s.add_argument(
        "--units",
        dest="send_units",
        nargs="+",
        metavar="UNIT",
        help="only these units (ids or names) for unit messages and reminders",
    )
    s.add_argument(
        "--lang",
        choices=LANGS,
        help="send the reports in this language (default: the plan card's `language`, vi), "
        "rendered by `ptdv run --lang`; the messages are in it too",
    )
    _send_options(s)
    s.set_defaults(func=cmd_send)

    s = sub.add_parser("template", help="write the half-year report forms to send to units")
    s.add_argument("--plan", required=True, help="plan id (a card in config/plans/)")
    s.add_argument("--period", required=True, help="the half-year, e.g. 2026-H2")
    s.add_argument("--out", type=Path, help="folder (default reports/<plan>/bieu-mau/<period>)")
    s.add_argument("--consolidated", action="store_true", help="one sheet for all units")
    s.add_argument("--clean", action="store_true", help="clean the plan again first")
    s.set_defaults(func=cmd_template)

    s = sub.add_parser("progress", help="actual against target for one period")
    s.add_argument("--plan", required=True, help="plan id (a card in config/plans/)")
    s.add_argument(
        "--period",
        required=True,
        help="2026-H1, 2025, to-date, mid-term, to-2026-H1, term (after the term), or latest",
    )
    s.add_argument("--today", help="the day to count from (YYYY-MM-DD; default: today)")
    s.add_argument("--clean", action="store_true", help="clean the plan again first")
    s.set_defaults(func=cmd_progress)
    return p


def _plan_period_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--plan", required=True, help="plan id (a card in config/plans/)")
    s.add_argument(
        "--period",
        required=True,
        help="a half-year (2026-H1), a year (2025), to-date (the term so far), mid-term, "
        "to-2026-H1, term (once it has ended), or latest (the latest half-year ended)",
    )
    s.add_argument("--today", help="the day to count from (YYYY-MM-DD; default: today)")


def _send_options(s: argparse.ArgumentParser, prefix: str = "") -> None:
    from ptdv.share import TO_CHOICES

    s.add_argument(
        "--to",
        choices=TO_CHOICES,
        nargs="+",
        default=["all"],
        help=prefix + "federation (the leaders' list), units (each its report), missing "
        "(reminders to units with no form, their blank form attached), several of them, or all "
        "(default)",
    )
    s.add_argument(
        "--recipients",
        type=Path,
        help=prefix + "recipients file (default config/recipients.yaml)",
    )
    s.add_argument(
        "--settings",
        type=Path,
        help=prefix + "SMTP settings file of KEY=VALUE lines, outside the project "
        "(default $PTDV_SETTINGS; the environment's PTDV_SMTP_* win)",
    )
    s.add_argument(
        "--dry-run",
        action="store_true",
        help=prefix
        + "write every message as .eml under reports/<plan>/<period>/outbox/ and send nothing",
    )
    s.add_argument(
        "--resend",
        action="store_true",
        help=prefix + "send again what sent.json records as sent (or unconfirmed)",
    )
    s.add_argument(
        "--max-size",
        type=float,
        metavar="MB",
        help=prefix + "largest message, in MB (default $PTDV_MAIL_MAX_MB or 10)",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    if argv is None:  # the `ptdv` program itself, which ends after this call
        memory.freeze_at_exit()
    args = build_parser().parse_args(argv)
    memory.prefer_system_allocator()  # for the kernels and workers this command starts
    args.ui = ui_language(getattr(args, "lang", None))
    hidden = "PTDV_SMTP_PASSWORD" in os.environ
    if hidden:  # kept from the kernels and workers ptdv starts; SmtpSettings still reads it
        from ptdv.share import notify

        notify.hide_secrets()
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[console]
    )
    try:
        return args.func(args)
    except PtdvError as err:
        print(f"error: {_error_text(err)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if hidden:
            notify.restore_secrets()


if __name__ == "__main__":
    sys.exit(main())
