"""The `ptdv` command: inspect a table, clean, progress, forms, run the reports, send them.

The command line configures logging and turns every PtdvError into one line on stderr
with a non-zero exit code; tracebacks are for bugs only. Exit codes: 0 done, 1 some reports
or messages failed, 2 bad input or settings, 3 another ptdv process is working on the plan.
Commands that write a plan's files hold its lock (ptdv.lock); run and send write a log
under reports/logs/ (ptdv.runlog).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from ptdv import __version__
from ptdv.base import paths
from ptdv.base.errors import ConfigError, PtdvError
from ptdv.base.lock import plan_lock
from ptdv.base.runlog import command_log
from ptdv.plan import config
from ptdv.report.notebooks import clean_plan, compute_progress

log = logging.getLogger("ptdv")


def cmd_inspect(args: argparse.Namespace) -> int:
    """Show what ptdv detects in an unseen file and print a draft plan card."""
    from ptdv.tables.discover import describe, draft_card, inspect_file

    ins = inspect_file(args.file, args.sheet)
    print(describe(ins))
    print("\nDraft plan card:\n")
    print(draft_card(ins))
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean one plan (or all) into data/processed/<plan-id>/ through the clean notebook."""
    import pandas as pd

    plans = config.available_plans() if args.all else [args.plan]
    for plan_id in plans:
        config.load_card(plan_id)  # every card checked before any work starts
    for plan_id in plans:
        t0 = time.perf_counter()
        print(f"cleaning {plan_id} ...", flush=True)
        with plan_lock(plan_id):
            dest = clean_plan(plan_id, verbose=args.verbose)
        units = pd.read_parquet(dest / "units.parquet")
        quality = pd.read_csv(dest / "quality.csv")
        counts = quality["severity"].value_counts()
        print(
            f"  {len(units)} units; quality log: {counts.get('error', 0)} error(s), "
            f"{counts.get('warning', 0)} warning(s), {counts.get('info', 0)} info "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        for _, r in quality[quality["severity"] != "info"].iterrows():
            where = f" row {int(r['row'])}" if pd.notna(r["row"]) else ""
            print(f"  {r['severity']}: {r['source']}{where}: {r['message']}")
        print(f"  written to {_rel(dest)}/ (units, targets, actuals .parquet; quality.csv)")
    return 0


def _plan_and_period(plan_id: str, period: str):  # noqa: ANN202 - (PlanCard, Calendar)
    """Return a plan's card and calendar, refusing a period outside its term."""
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
        from ptdv.report.pieces import TZ

        return dt.datetime.now(TZ).date()
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
    if args.period == "to-date" and defer_to_date:
        return
    halves: list[str] = []
    if args.period == "to-date":
        import pandas as pd

        from ptdv.progress import halves_with_figures

        f = paths.processed_dir(args.plan) / "actuals.parquet"
        if not f.is_file():
            print(f"cleaning {args.plan} first ...", flush=True)
            clean_plan(args.plan, verbose=getattr(args, "verbose", False))
        halves = halves_with_figures(cal, pd.read_parquet(f))
    try:
        resolved = resolve_period(cal, args.period, today, halves)
    except ValueError as err:
        raise ConfigError(f"plan {args.plan}: {err}") from None
    if args.period in ALIASES:
        what = {"latest": f"latest completed period on {today:%d/%m/%Y}", "to-date": "to date"}
        print(f"{what[args.period]}: {resolved} ({_span(cal.period(resolved))})")
    args.period = resolved


def _span(p) -> str:  # noqa: ANN001 - a periods.Period
    return f"{p.start:%d/%m/%Y} – {p.end:%d/%m/%Y}"


def _clean_if_needed(args: argparse.Namespace) -> None:
    """Clean the plan first when it has no processed tables yet, or when --clean asks."""
    if args.clean or not (paths.processed_dir(args.plan) / "units.parquet").is_file():
        print(f"cleaning {args.plan} first ...", flush=True)
        clean_plan(args.plan, verbose=args.verbose)


def cmd_progress(args: argparse.Namespace) -> int:
    """Compute progress for one plan and period through the progress notebook."""
    import pandas as pd

    from ptdv import progress

    _plan_and_period(args.plan, args.period)  # refuse a period outside the term at once
    with plan_lock(args.plan):
        _clean_if_needed(args)
        _resolve_period(args)
        card, cal = _plan_and_period(args.plan, args.period)
        out = compute_progress(args.plan, args.period, verbose=args.verbose)
    t0 = time.perf_counter()
    print(
        f"progress {args.plan} {args.period} ({cal.label(args.period)}, "
        f"{cal.date_range(args.period)}) ...",
        flush=True,
    )
    df = pd.read_parquet(out)
    if card.actuals.demo:
        print("  SỐ LIỆU MINH HỌA: the actual figures are demo data")
    for _, r in df[df["level"] == "federation"].iterrows():
        pct = "–" if pd.isna(r["cum_pct"]) else f"{r['cum_pct']:.2%}"
        print(
            f"  {r['metric']}: {r['cum_actual']:,.0f} of {r['term_target']:,.0f} = {pct} of the "
            f"term target, elapsed {r['elapsed_share']:.2%}; status {r['status']}"
        )
        units = df[(df["level"] == "unit") & (df["metric"] == r["metric"])]
        counts = units["status"].value_counts()
        print("    units: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        print(
            f"    to commend: {len(progress.commend(df, r['metric']))}, "
            f"behind: {len(progress.behind(df, r['metric']))}"
        )
    print(f"  written to {_rel(out)} ({time.perf_counter() - t0:.1f} s)")
    return 0


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
    out = args.out or paths.reports_dir(args.plan) / "bieu-mau" / args.period
    if args.consolidated:
        names = units.sort_values("order")["unit_name"].tolist()
        written = [forms.write_consolidated(Path(out) / "tong-hop.xlsx", card, names, args.period)]
    else:
        written = forms.write_forms(card, units, args.period, out)
    print(
        f"{len(written)} form(s) for {cal.label(args.period)} ({cal.date_range(args.period)}) "
        f"written to {_rel(Path(out))}/"
    )
    print(
        "Filled forms go to "
        f"{_rel(paths.raw_dir(args.plan) / card.actuals.folder / args.period)}/, "
        f"then: ptdv progress --plan {args.plan} --period {args.period} --clean"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Clean, compute progress and render every report of one plan and period (then send)."""
    from ptdv import pipeline

    _resolve_period(args, defer_to_date=True)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    pipeline.check_run_parameters(args.plan, args.period, args.units, formats, args.lang)
    with command_log("run", args.plan, args.period) as runlog, plan_lock(args.plan):
        print(f"(log: {_rel(runlog.path)})")
        code = _run(args)
        if args.send and code in (0, 1):
            print(f"sending the reports of {args.plan} {args.period} ...", flush=True)
            sent = _send(args)
            code = max(code, sent)
        runlog.exit_code = code
    return code


def _run(args: argparse.Namespace) -> int:
    from ptdv import pipeline

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.send:  # check the mail settings and recipients before hours of rendering
        from ptdv.share import notify

        notify.SmtpSettings.load(settings_file=args.settings, need_server=not args.dry_run)
    record = pipeline.run(
        args.plan,
        args.period,
        units=args.units,
        formats=formats,
        lang=args.lang,
        jobs=args.jobs,
        require_complete=args.require_complete,
        verbose=args.verbose,
    )
    args.period = record["period"]  # `to-date` resolved after cleaning
    dest = Path(record["dest"])
    if record["demo"]:
        print("SỐ LIỆU MINH HỌA: the actual figures are demo data")
    ok = [r for r in record["reports"] if r["status"] == "ok"]
    print(
        f"{len(ok)} of {len(record['reports'])} report(s) written to {_rel(dest)}/ "
        f"in {record['seconds']['total']:.1f} s (run.json lists every file and its SHA-256)"
    )
    for name in ("tong-hop.html", "tong-hop.pdf", "tong-hop.xlsx"):
        if (dest / name).is_file():
            print(f"  {_rel(dest / name)}")
    units = [r for r in ok if r["unit_id"]]
    if units:
        print(f"  {_rel(dest / 'don-vi')}/ ({len(units)} unit report(s))")
    if record["failures"]:
        print(f"{len(record['failures'])} report(s) failed:", file=sys.stderr)
        for f in record["failures"]:
            print(f"  {f['name']}: {f['error']}", file=sys.stderr)
        return 1
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    """Send the reports of one plan and period by e-mail (or write them as .eml files)."""
    _resolve_period(args)
    _plan_and_period(args.plan, args.period)
    with command_log("send", args.plan, args.period) as runlog, plan_lock(args.plan):
        print(f"(log: {_rel(runlog.path)})")
        runlog.exit_code = _send(args)
    return runlog.exit_code


def _send(args: argparse.Namespace) -> int:
    from ptdv.share import dispatch

    result = dispatch.send(
        args.plan,
        args.period,
        to=args.to,
        units=args.send_units,
        recipients_file=args.recipients,
        dry_run=args.dry_run,
        resend=args.resend,
        max_mb=args.max_size,
        settings_file=args.settings,
        today=_today(getattr(args, "today", None)),
    )
    if result.dry_run:
        print(
            f"dry run: {len(result.written)} message(s) written to {_rel(result.outbox)}/ "
            "(nothing was sent)"
            if result.outbox
            else "dry run: no message to write"
        )
    else:
        print(f"{len(result.sent)} message(s) sent; record: {_rel(_sent_json(args))}")
    for key, why in result.skipped:
        print(f"  not sent: {key}: {why}")
    problems = [*result.failed, *result.uncertain]
    problems += [(k, f"{a} refused: {r}") for k, a, r in result.refused]
    if problems:
        print(f"{len(problems)} problem(s):", file=sys.stderr)
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
    s.add_argument("--lang", default="vi", choices=["vi", "en"], help="report language")
    s.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
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
    from ptdv.share.dispatch import TO_CHOICES

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
    args = build_parser().parse_args(argv)
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[console]
    )
    try:
        return args.func(args)
    except PtdvError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
