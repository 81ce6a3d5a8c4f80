"""The `ptdv` command: inspect a new table, clean the plans (later: progress, run, send).

The command line configures logging and turns every PtdvError into one line on stderr
with a non-zero exit code (2 for bad input); tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import __version__, config, paths
from .errors import ConfigError, PtdvError
from .pipeline import clean_plan, compute_progress

log = logging.getLogger("ptdv")


def cmd_inspect(args: argparse.Namespace) -> int:
    """Show what ptdv detects in an unseen file and print a draft plan card."""
    from .discover import describe, draft_card, inspect_file

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
    from .periods import Calendar

    card = config.load_card(plan_id)
    cal = Calendar.from_card(card)
    try:
        cal.period(period)
    except ValueError as err:
        raise ConfigError(f"plan {plan_id}: {err}") from None
    return card, cal


def _clean_if_needed(args: argparse.Namespace) -> None:
    """Clean the plan first when it has no processed tables yet, or when --clean asks."""
    if args.clean or not (paths.processed_dir(args.plan) / "units.parquet").is_file():
        print(f"cleaning {args.plan} first ...", flush=True)
        clean_plan(args.plan, verbose=args.verbose)


def cmd_progress(args: argparse.Namespace) -> int:
    """Compute progress for one plan and period through the progress notebook."""
    import pandas as pd

    from . import progress

    card, cal = _plan_and_period(args.plan, args.period)
    _clean_if_needed(args)
    t0 = time.perf_counter()
    print(
        f"progress {args.plan} {args.period} ({cal.label(args.period)}, "
        f"{cal.date_range(args.period)}) ...",
        flush=True,
    )
    out = compute_progress(args.plan, args.period, verbose=args.verbose)
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
    import pandas as pd

    from . import forms

    card, cal = _plan_and_period(args.plan, args.period)
    if cal.period(args.period).kind != "half":
        raise ConfigError(f"units report half-years: give a period such as {cal.halves()[0].id}")
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
    """Clean, compute progress and render every report of one plan and period."""
    from . import pipeline

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    record = pipeline.run(
        args.plan,
        args.period,
        units=args.units,
        formats=formats,
        lang=args.lang,
        jobs=args.jobs,
        verbose=args.verbose,
    )
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
    s.add_argument("--plan", required=True, help="plan id (a card in config/plans/)")
    s.add_argument("--period", required=True, help="2026-H1, 2025 or term")
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
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("template", help="write the half-year report forms to send to units")
    s.add_argument("--plan", required=True, help="plan id (a card in config/plans/)")
    s.add_argument("--period", required=True, help="the half-year, e.g. 2026-H2")
    s.add_argument("--out", type=Path, help="folder (default reports/<plan>/bieu-mau/<period>)")
    s.add_argument("--consolidated", action="store_true", help="one sheet for all units")
    s.add_argument("--clean", action="store_true", help="clean the plan again first")
    s.set_defaults(func=cmd_template)

    s = sub.add_parser("progress", help="actual against target for one period")
    s.add_argument("--plan", required=True, help="plan id (a card in config/plans/)")
    s.add_argument("--period", required=True, help="2026-H1, 2025 or term")
    s.add_argument("--clean", action="store_true", help="clean the plan again first")
    s.set_defaults(func=cmd_progress)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
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
