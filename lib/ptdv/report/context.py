"""What one progress report shows, as data: `ReportContext` and the checks of its parameters.

`ReportContext.load` gathers everything one report needs (plan card, calendar, processed
tables, progress, quality log, provenance); `ptdv.report.pieces` turns it into HTML. Numbers
go through Babel (`1.487.307`, `9,86%`).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ptdv import __version__, progress
from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.base.i18n import LANGS
from ptdv.base.safety import csv_unescape_frame
from ptdv.plan import config
from ptdv.plan.config import PlanCard
from ptdv.plan.periods import ALIASES, Calendar
from ptdv.tables.numbers import format_number, format_percent
from ptdv.tables.units import unit_key

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPORT_PARAMETERS = (
    "plan_id", "period", "unit", "lang", "charts_dir", "svg", "appendix", "draw_ahead",
)  # fmt: skip
#: A federation report over more units than this shows their distribution, the groups, the
#: top and bottom units and those behind, instead of one table row, bar and dot per unit; the
#: complete table is in the Excel file (and, with the notebook's `appendix`, at the end).
LARGE_REPORT_UNITS = 60
#: How many units the top and bottom lists of a large report name.
TOP_N = 10
#: How many units a list of a large report names before "and K more".
LIST_MAX = 20
#: How quality.csv is read: its text columns stay text (a column letter, a sheet named "NA").
QUALITY_DTYPES = {
    "row": "Int64", "source": str, "unit": str, "message": str, "template": str, "params": str,
    "file": str, "sheet": str, "column": str,
}  # fmt: skip


def num(value: float | None, lang: str) -> str:
    """Return a count in the report's language ('–' when missing).

    A small target split in halves (2,5 unions) keeps its decimal; large ones are rounded.
    """
    if value is not None and not pd.isna(value) and abs(value) < 100 and value % 1:
        return format_number(value, lang, 1)
    return format_number(value, lang)


def pct(value: float | None, lang: str) -> str:
    """Return a ratio as a percentage with two decimals ('–' when missing)."""
    return format_percent(value, lang, 2)


#: Files read by reports, kept between reports in one process: path -> (stamp, value).
_FILES: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
#: Half-year trends computed for reports, by plan, period, metric, unit and the data's stamps.
_TRENDS: dict[tuple, pd.DataFrame] = {}
#: Every unit's half-year progress tables, by plan, period and the data's stamps (one kept).
_HALF_YEARS: dict[tuple, dict[str, pd.DataFrame]] = {}
_COMMIT: dict[str, tuple[float, str]] = {}
#: How long a kernel keeps the git commit it found (a batch of reports is one commit).
COMMIT_TTL_S = 60.0


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def cached_read(path: Path, read: Callable[[Path], Any], kind: str = "") -> Any:
    """Return `read(path)`, read again only when the file's mtime or size changed.

    A kernel that renders thirty unit reports of one plan and period reads its tables once.
    Callers must not change what they get (it is shared by the next report).
    """
    key = (str(path), kind or getattr(read, "__name__", ""))
    stamp = _stamp(path)
    hit = _FILES.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = read(path)
    _FILES[key] = (stamp, value)
    return value


def clear_cache() -> None:
    """Forget the tables, trends and commit kept between reports."""
    _FILES.clear()
    _TRENDS.clear()
    _HALF_YEARS.clear()
    _COMMIT.clear()


def _load_card(plan_id: str) -> PlanCard:
    return cached_read(paths.plan_card_path(plan_id), lambda _p: config.load_card(plan_id), "card")


def _read_units(plan_id: str) -> pd.DataFrame:
    return cached_read(paths.processed_dir(plan_id) / "units.parquet", pd.read_parquet)


def git_commit() -> str:
    """Return the project's git commit (with '+changes' when the tree differs), or 'unknown'.

    Kept for a minute: the reports of one batch share it.
    """
    root = str(paths.root())
    hit = _COMMIT.get(root)
    if hit is not None and time.monotonic() - hit[0] < COMMIT_TTL_S:
        return hit[1]
    commit = _git_commit()
    _COMMIT[root] = (time.monotonic(), commit)
    return commit


def _git_commit() -> str:
    try:
        root = str(paths.root())
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def resolve_unit(unit: str | None, units: pd.DataFrame, plan_id: str) -> str | None:
    """Return the unit id for a unit given by id or name; ConfigError lists the valid ones."""
    if unit is None or unit == "":
        return None
    if unit in set(units["unit_id"]):
        return unit
    ids = units["unit_id"].tolist()
    names = units["unit_name"].tolist()
    # a name is matched as the cleaning matched it (same key), unless the table repeats it
    hits = [i for i, n in zip(ids, names, strict=True) if unit_key(n) == unit_key(unit)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ConfigError(
            f"plan {plan_id}: unit name {unit!r} is ambiguous ({', '.join(hits)}); give the id"
        )
    valid = ", ".join(f"{i} ({n})" for i, n in zip(ids, names, strict=True))
    raise ConfigError(f"plan {plan_id} has no unit {unit!r}; valid units: {valid}")


def check_parameters(params: dict) -> None:
    """Refuse report parameters that are unknown or name no plan, period, unit or language."""
    unknown = sorted(set(params) - set(REPORT_PARAMETERS))
    if unknown:
        raise ConfigError(
            f"unknown report parameter(s) {', '.join(unknown)}; valid: "
            f"{', '.join(REPORT_PARAMETERS)}"
        )
    card = _load_card(params["plan_id"])
    cal = Calendar.from_card(card)
    try:
        if params["period"] not in ALIASES:  # resolved later, on the cleaned figures
            cal.period(params["period"])
    except ValueError as err:
        raise ConfigError(f"plan {card.plan_id}: {err}") from None
    if params.get("lang", "vi") not in LANGS:
        raise ConfigError(f"unknown language {params['lang']!r}; valid: {', '.join(LANGS)}")
    if params.get("unit"):
        units_file = paths.processed_dir(card.plan_id) / "units.parquet"
        if units_file.is_file():
            resolve_unit(params["unit"], _read_units(card.plan_id), card.plan_id)


@dataclass
class ReportContext:
    """Everything one report needs."""

    card: PlanCard
    cal: Calendar
    period: str
    unit_id: str | None
    lang: str
    units: pd.DataFrame
    targets: pd.DataFrame
    actuals: pd.DataFrame
    progress: pd.DataFrame
    quality: pd.DataFrame
    inputs: list[dict]
    metrics: list[str]
    #: named extra figures per unit (card columns of kind `info`); never used for progress
    info: pd.DataFrame = field(default_factory=pd.DataFrame)
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(TZ))
    commit: str = field(default_factory=git_commit)

    @classmethod
    def load(cls, plan_id: str, period: str, unit: str | None = None, lang: str = "vi"):
        """Return the context of one report, from the plan's processed tables.

        The tables are read once per process and read again only when a file changes (mtime
        or size), so that the reports of one plan and period rendered in one kernel share them.
        """
        check_parameters({"plan_id": plan_id, "period": period, "unit": unit, "lang": lang})
        card = _load_card(plan_id)
        d = paths.processed_dir(plan_id)
        missing = [n for n in ("units", "targets", "actuals") if not (d / f"{n}.parquet").is_file()]
        if missing:
            progress.load_processed(plan_id)  # raises the DataError that says to clean first
        tables = ("units", "targets", "actuals")
        units, targets, actuals = (cached_read(d / f"{n}.parquet", pd.read_parquet) for n in tables)
        stored = d / f"progress_{period}.parquet"
        if stored.is_file():
            prog = cached_read(stored, pd.read_parquet)
        else:
            prog = progress.compute_progress(card, units, targets, actuals, period)
        quality = cached_read(
            d / "quality.csv", lambda f: csv_unescape_frame(pd.read_csv(f, dtype=QUALITY_DTYPES))
        )
        manifest = cached_read(d / "inputs.json", lambda f: json.loads(f.read_text("utf-8")))
        info_file = d / "info.parquet"
        if info_file.is_file():  # read here: progress.load_info imports the schemas (pandera)
            info = cached_read(info_file, pd.read_parquet)
        else:
            info = progress.load_info(plan_id)
        unit_id = resolve_unit(unit, units, plan_id)
        return cls(
            card=card,
            cal=Calendar.from_card(card),
            period=period,
            unit_id=unit_id,
            lang=lang,
            units=units,
            targets=targets,
            actuals=actuals,
            progress=prog,
            quality=quality,
            inputs=manifest["inputs"],
            metrics=list(dict.fromkeys(prog["metric"])),
            info=info,
        )

    @property
    def large(self) -> bool:
        """Return whether this is a federation report over more than LARGE_REPORT_UNITS units."""
        return self.unit_id is None and len(self.units) > LARGE_REPORT_UNITS

    @property
    def unit_name(self) -> str | None:
        """Return the report's unit name (None for the federation report)."""
        if self.unit_id is None:
            return None
        return str(self.units.set_index("unit_id").at[self.unit_id, "unit_name"])

    def row(self, metric: str, unit_id: str | None = None) -> pd.Series:
        """Return the progress row of a unit (or the federation) for a metric."""
        p = self.progress[self.progress["metric"] == metric]
        if unit_id is None:
            return p[p["level"] == "federation"].iloc[0]
        return p[(p["level"] == "unit") & (p["unit_id"] == unit_id)].iloc[0]

    def trend(self, metric: str) -> pd.DataFrame:
        """Return the half-year trend of the report's unit (or the federation).

        A unit's trend is read from every unit's half-year progress tables, computed once for
        all the unit reports of the same plan, period and data in this process (each unit's
        alone cost 0.08 s a report); a trend once computed is kept for the next report.
        """
        d = paths.processed_dir(self.card.plan_id)
        stamps = tuple(
            _stamp(d / f"{n}.parquet") if (d / f"{n}.parquet").is_file() else None
            for n in ("units", "targets", "actuals")
        )
        key = (self.card.plan_id, self.period, metric, self.unit_id, stamps)
        hit = _TRENDS.get(key)
        if hit is not None:
            return hit.copy()
        if self.unit_id is None:
            args = (self.card, self.units, self.targets, self.actuals, self.period, metric)
            out = progress.trend(*args)
        else:  # every unit's half-years, computed once for the batch's next units
            every = (self.card.plan_id, self.period, stamps)
            per_half = _HALF_YEARS.get(every)
            if per_half is None:
                _HALF_YEARS.clear()  # one plan and period at a time: the batch's
                per_half = progress.half_year_progress(
                    self.card, self.units, self.targets, self.actuals, self.period
                )
                _HALF_YEARS[every] = per_half
            out = progress.trend_of(self.card, per_half, metric, self.unit_id)
        _TRENDS[key] = out
        return out.copy()


def info_label(name: str, period: object) -> str:
    """Return an extra figure's heading: its name, with its period when the card gives one."""
    return name if period is None or pd.isna(period) else f"{name} ({period})"


def info_of(info: pd.DataFrame, unit_id: str) -> dict[str, float]:
    """Return a unit's named extra figures (card columns of kind `info`), in table order."""
    if info.empty:
        return {}
    mine = info[info["unit_id"] == unit_id]
    return {
        info_label(n, p): v
        for n, p, v in zip(mine["name"], mine["period"], mine["value"], strict=True)
    }


def report_inputs(ctx: ReportContext) -> list[dict]:
    """Return the input files of a report: all of them, or for a unit its own forms only."""
    if ctx.unit_id is None:
        return ctx.inputs
    ids = set(ctx.units["unit_id"])
    folder = f"/{ctx.card.actuals.folder}/"

    def mine(path: str) -> bool:
        if folder not in path:
            return True
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return stem == ctx.unit_id or stem not in ids  # its form, or a consolidated sheet

    return [i for i in ctx.inputs if mine(i["path"])]


def provenance(ctx: ReportContext, params: dict) -> dict:
    """Return the provenance of a report as data (for run.json and the Excel file)."""
    return {
        "parameters": params,
        "git_commit": ctx.commit,
        "ptdv_version": __version__,
        "generated": ctx.generated.isoformat(timespec="seconds"),
        "inputs": ctx.inputs,
    }
