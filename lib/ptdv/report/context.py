"""What one progress report shows, as data: `ReportContext` and the checks of its parameters.

`ReportContext.load` gathers everything one report needs (plan card, calendar, processed
tables, progress, quality log, provenance); `ptdv.report.pieces` turns it into HTML. Numbers
go through Babel (`1.487.307`, `9,86%`).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from ptdv import __version__, progress
from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.base.i18n import LANGS
from ptdv.plan import config
from ptdv.plan.config import PlanCard
from ptdv.plan.periods import ALIASES, Calendar
from ptdv.tables.numbers import format_number, format_percent
from ptdv.tables.units import unit_key

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPORT_PARAMETERS = ("plan_id", "period", "unit", "lang", "charts_dir")
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


def git_commit() -> str:
    """Return the project's git commit (with '+changes' when the tree differs), or 'unknown'."""
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
    card = config.load_card(params["plan_id"])
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
            resolve_unit(params["unit"], pd.read_parquet(units_file), card.plan_id)


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
        """Return the context of one report, from the plan's processed tables."""
        check_parameters({"plan_id": plan_id, "period": period, "unit": unit, "lang": lang})
        card = config.load_card(plan_id)
        data = progress.load_processed(plan_id)
        d = paths.processed_dir(plan_id)
        stored = d / f"progress_{period}.parquet"
        if stored.is_file():
            prog = pd.read_parquet(stored)
        else:
            prog = progress.compute_progress(card, data.units, data.targets, data.actuals, period)
        quality = pd.read_csv(d / "quality.csv", dtype=QUALITY_DTYPES)
        manifest = json.loads((d / "inputs.json").read_text("utf-8"))
        unit_id = resolve_unit(unit, data.units, plan_id)
        return cls(
            card=card,
            cal=Calendar.from_card(card),
            period=period,
            unit_id=unit_id,
            lang=lang,
            units=data.units,
            targets=data.targets,
            actuals=data.actuals,
            progress=prog,
            quality=quality,
            inputs=manifest["inputs"],
            metrics=list(dict.fromkeys(prog["metric"])),
            info=progress.load_info(plan_id),
        )

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
        """Return the half-year trend of the report's unit (or the federation)."""
        return progress.trend(
            self.card, self.units, self.targets, self.actuals, self.period, metric, self.unit_id
        )


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
