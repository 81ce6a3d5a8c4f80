"""The pieces of a progress report, as HTML fragments the report notebook displays.

`ReportContext` (`ptdv.report.context`) holds what one report shows. The functions below
prepare its figures (numbers through Babel: `1.487.307`, `9,86%`; dates dd/mm/yyyy; units in
the official table's order) and the Jinja2 templates of `lib/ptdv/templates/report/` place
them, autoescaped, with their words from the gettext catalogue of the report's language. The
notebook only calls these and shows the charts from `ptdv.report.charts`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ptdv import __version__, progress
from ptdv.base.i18n import translations, translator
from ptdv.report import context
from ptdv.report.context import (
    REPORT_PARAMETERS,
    TZ,
    ReportContext,
    check_parameters,
    git_commit,
    info_label,
    info_of,
    num,
    pct,
    provenance,
    report_inputs,
    resolve_unit,
)
from ptdv.report.texts import (
    STATUS_FILLS,
    check_name,
    check_text,
    column_label,
    method_text,
    metric_label,
    severity_label,
    status_label,
)
from ptdv.tables.numbers import format_number

__all__ = [
    "REPORT_PARAMETERS", "TZ", "ReportContext", "appendix_heading", "check_parameters",
    "demo_banner", "esc", "figure_html", "footer", "git_commit", "group_progress",
    "groups_table", "headline", "headline_sentences", "info_label", "info_of", "lists", "num",
    "pace_ahead", "pace_html", "pace_rows", "pct", "provenance", "quality_appendix", "render",
    "report_inputs", "resolve_unit", "title_block", "top_bottom", "unit_summary", "units_table",
    "write_drawn_ahead",
]  # fmt: skip

TEMPLATES = Path(__file__).parents[1] / "templates" / "report"


def format_count(value: int, lang: str) -> str:
    """Return a count of units with the language's thousands separator (5.000 units)."""
    return format_number(value, lang)


def esc(value: object) -> str:
    """Return text escaped for HTML."""
    return html.escape("" if value is None else str(value))


@cache
def environment(lang: str) -> Environment:
    """Return the Jinja2 environment of the report's templates in one language.

    Autoescaped (a unit called `<b>&` shows as text); gettext installed new-style, so that
    `_('... %(x)s', x=...)` and `{% trans x=... %}` fill escaped values into the translation.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


def render(name: str, lang: str, **values: Any) -> str:
    """Return report template `name` (templates/report/<name>.html.j2) filled with `values`."""
    return environment(lang).get_template(f"{name}.html.j2").render(lang=lang, **values)


def demo_banner(ctx: ReportContext) -> str:
    """Return the demo-data mark, or '' when the figures are real."""
    if not (ctx.card.actuals.demo or ctx.card.demo):
        return ""
    return render("demo", ctx.lang)


def _date(value: dt.date | str) -> str:
    """Return a date (or an ISO date text) as dd/mm/yyyy."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "/".join(reversed(value.split("-")))


def title_block(ctx: ReportContext) -> str:
    """Return the report's title block: issuer, subject, plan, document, period."""
    card, cal, lang = ctx.card, ctx.cal, ctx.lang
    return render(
        "title",
        lang,
        issuer=card.issuer.upper(),
        unit_name=ctx.unit_name,
        plan_title=card.title,
        document=card.document.number,
        document_date=_date(card.document.date),
        period_label=cal.label(ctx.period, lang),
        period_dates=cal.date_range(ctx.period),
        elapsed=pct(float(cal.elapsed_share(ctx.period)), lang),
        term_dates=cal.date_range("term"),
    )


def _lower_first(text: str) -> str:
    """Return text with its first letter in lower case (abbreviations such as CĐCS kept)."""
    return text[:1].lower() + text[1:]


def headline_sentences(ctx: ReportContext, metric: str) -> list[str]:
    """Return the paragraph written from the data for a metric, sentence by sentence."""
    lang = ctx.lang
    _ = translator(lang)
    r = ctx.row(metric, ctx.unit_id)
    p = ctx.cal.period(ctx.period)
    figures = {
        "dates": ctx.cal.date_range(ctx.period),
        "who": ctx.unit_name if ctx.unit_id else _("the federation as a whole"),
        "actual": num(r["cum_actual"], lang),
        "metric": _lower_first(metric_label(metric, lang)),
        "pct": pct(r["cum_pct"], lang),
        "target": num(r["term_target"], lang),
        "elapsed": pct(r["elapsed_share"], lang),
        "status": status_label(r["status"], lang).lower(),
    }
    end = f"{p.end:%d/%m/%Y}"
    if p.kind == "span" and p.id == "mid-term":
        first = _(
            "Mid-term review: from the start of the term to {end} ({dates}), {who} reached "
            "{actual} ({metric}), {pct} of the term target ({target}), with {elapsed} of the "
            "term elapsed: {status}.",
            end=end,
            **figures,
        )
    elif p.kind == "span":  # from the term's start to a half-year's end
        first = _(
            "From the start of the term to {end} ({dates}), {who} reached {actual} ({metric}), "
            "{pct} of the term target ({target}), with {elapsed} of the term elapsed: {status}.",
            end=end,
            **figures,
        )
    else:
        first = _(
            "By the end of the {period} ({dates}), {who} reached {actual} ({metric}), {pct} of "
            "the term target ({target}), with {elapsed} of the term elapsed: {status}.",
            period=ctx.cal.label(ctx.period, lang).lower(),
            **figures,
        )
    out = [first]
    if p.kind == "span" and not pd.isna(r["period_target"]):
        out.append(
            _(
                "Against the targets of the half-years so far ({target}), that is {pct}.",
                target=num(r["period_target"], lang),
                pct=pct(r["period_pct"], lang),
            )
        )
    elif not pd.isna(r["period_actual"]) and not pd.isna(r["period_target"]):
        out.append(
            _(
                "In this period alone: {actual}, {pct} of the period target ({target}).",
                actual=num(r["period_actual"], lang),
                pct=pct(r["period_pct"], lang),
                target=num(r["period_target"], lang),
            )
        )
    if ctx.unit_id is None:
        out.append(_status_counts(ctx, metric))
    if not pd.isna(r["needed_per_half"]) and r["halves_remaining"]:
        out.append(
            _(
                "To reach the term target, each remaining half-year needs {needed} on average.",
                needed=num(r["needed_per_half"], lang),
            )
        )
    return out


def _status_counts(ctx: ReportContext, metric: str) -> str:
    """Return the sentence counting the units by status (federation report)."""
    _ = translator(ctx.lang)
    p = ctx.progress
    units = p[(p["metric"] == metric) & (p["level"] == "unit")]
    counts = units["status"].value_counts()
    n = {s: int(counts.get(s, 0)) for s in progress.STATUSES}
    n["n"] = len(units)
    if n["no_report"] and n["no_target"]:
        return _(
            "{behind} of {n} units are behind, {on_track} on track, {ahead} ahead, "
            "{no_report} sent no report, {no_target} have no target.",
            **n,
        )
    if n["no_report"]:
        return _(
            "{behind} of {n} units are behind, {on_track} on track, {ahead} ahead, "
            "{no_report} sent no report.",
            **n,
        )
    if n["no_target"]:
        return _(
            "{behind} of {n} units are behind, {on_track} on track, {ahead} ahead, "
            "{no_target} have no target.",
            **n,
        )
    return _("{behind} of {n} units are behind, {on_track} on track, {ahead} ahead.", **n)


def headline(ctx: ReportContext) -> str:
    """Return the headline figures and a paragraph written from the data, per metric."""
    lang = ctx.lang
    metrics = []
    for metric in ctx.metrics:
        r = ctx.row(metric, ctx.unit_id)
        metrics.append(
            {
                "label": metric_label(metric, lang),
                "cum_actual": num(r["cum_actual"], lang),
                "term_target": num(r["term_target"], lang),
                "cum_pct": pct(r["cum_pct"], lang),
                "elapsed": pct(r["elapsed_share"], lang),
                "status": status_label(r["status"], lang),
                "fill": STATUS_FILLS[r["status"]],
                "sentences": headline_sentences(ctx, metric),
            }
        )
    return render("headline", lang, metrics=metrics)


TABLE_COLUMNS = [
    "order", "unit_name", "period_target", "period_actual", "period_pct", "term_target",
    "cum_actual", "cum_pct", "status", "needed_per_half", "rank",
]  # fmt: skip


def _cell(col: str, value: object, lang: str) -> str:
    """Return one figure of a table as text (escaped by the template that places it)."""
    if col in ("period_pct", "cum_pct"):
        return pct(value, lang)
    if col in ("order", "rank"):
        return "" if value is None or pd.isna(value) or value == 0 else str(int(value))
    if col == "status":
        return status_label(str(value), lang)
    if col in ("unit_name", "group"):
        return "" if value is None or pd.isna(value) else str(value)
    return num(value, lang)


def _kind(col: str) -> str:
    """Return the CSS class of a table cell: text, a status or a number."""
    return {"unit_name": "txt", "group": "txt", "status": "status"}.get(col, "num")


def units_table(ctx: ReportContext, metric: str) -> str:
    """Return the table of units (official order) with the federation total, status colours."""
    lang = ctx.lang
    p = ctx.progress[ctx.progress["metric"] == metric]
    units = p[p["level"] == "unit"].sort_values("order")
    fed = p[p["level"] == "federation"]
    methods = sorted(set(units["target_method"]))
    if ctx.unit_id is not None:  # a unit's report: its row against the federation's
        units = units[units["unit_id"] == ctx.unit_id]
    rows = []
    for r in pd.concat([units, fed]).to_dict("records"):
        is_fed = r["level"] == "federation"
        cls = ["fed"] if is_fed else []
        if ctx.unit_id and r["unit_id"] == ctx.unit_id and not is_fed:
            cls.append("me")
        cells = [
            {
                "text": _cell(c, r[c], lang),
                "kind": _kind(c),
                "fill": STATUS_FILLS[r["status"]] if c == "status" else None,
                "total": is_fed and c == "unit_name",
            }
            for c in TABLE_COLUMNS
        ]
        rows.append({"cls": " ".join(cls), "cells": cells})
    return render(
        "units_table",
        lang,
        label=metric_label(metric, lang),
        heads=[column_label(c, lang) for c in TABLE_COLUMNS],
        rows=rows,
        methods="; ".join(method_text(m, lang) for m in methods),
    )


LIST_COLUMNS = ["order", "unit_name", "period_actual", "period_target", "period_pct", "cum_pct"]


def _list_table(df: pd.DataFrame, cols: list[str], lang: str, cap: int | None = None) -> dict:
    """Return a list's headings and cells; with `cap`, its first `cap` rows and how many more."""
    shown = df if cap is None else df.head(cap)
    return {
        "heads": [column_label(c, lang) for c in cols],
        "rows": [
            [{"text": _cell(c, r[c], lang), "kind": _kind(c)} for c in cols]
            for r in shown.to_dict("records")
        ],
        "more": format_count(len(df) - len(shown), lang) if len(df) > len(shown) else "",
    }


def lists(ctx: ReportContext, metric: str) -> str:
    """Return the units to commend and the units behind, with what each still needs.

    A large federation report (`ctx.large`) names the first LIST_MAX of each list and says
    how many more the Excel file holds.
    """
    lang = ctx.lang
    cap = context.LIST_MAX if ctx.large else None
    return render(
        "lists",
        lang,
        label=metric_label(metric, lang),
        commend=_list_table(progress.commend(ctx.progress, metric), LIST_COLUMNS, lang, cap),
        behind=_list_table(
            progress.behind(ctx.progress, metric), [*LIST_COLUMNS, "needed_per_half"], lang, cap
        ),
    )


RANK_COLUMNS = ["rank", "unit_name", "group", "term_target", "cum_actual", "cum_pct", "status"]


def _unit_rows(ctx: ReportContext, metric: str) -> pd.DataFrame:
    """Return the unit rows of a metric with each unit's group (official order)."""
    p = ctx.progress
    units = p[(p["metric"] == metric) & (p["level"] == "unit")].sort_values("order", kind="stable")
    groups = ctx.units.set_index("unit_id")["group"] if "group" in ctx.units else None
    group = units["unit_id"].map(groups) if groups is not None else None
    return units.assign(group=group if group is not None else pd.NA)


def top_bottom(ctx: ReportContext, metric: str) -> str:
    """Return the TOP_N units highest and lowest in their share of the term target."""
    lang = ctx.lang
    n = context.TOP_N
    ranked = _unit_rows(ctx, metric)
    ranked = ranked[ranked["rank"].notna()].sort_values(["rank", "order"], kind="stable")
    top = ranked.head(n)
    bottom = ranked.iloc[::-1].head(n) if len(ranked) > n else ranked.iloc[:0]
    return render(
        "top_bottom",
        lang,
        label=metric_label(metric, lang),
        n_top=len(top),
        n_bottom=len(bottom),
        top=_list_table(top, RANK_COLUMNS, lang),
        bottom=_list_table(bottom, RANK_COLUMNS, lang),
    )


GROUP_SUMS = ["period_target", "period_actual", "term_target", "cum_actual"]


def group_progress(ctx: ReportContext, metric: str) -> pd.DataFrame:
    """Return one row per group of units (official order): counts by status and totals.

    Columns: `group` (None for units in no group), `order` (its first unit's), `n`, one
    count per status, the sums of GROUP_SUMS (missing figures left out; none at all: NaN),
    `period_pct` and `cum_pct` of those sums, `pace_ratio` and `status` (as a unit's, from
    the sums). Empty when no unit has a group.
    """
    memo = ctx.__dict__.setdefault("_group_progress", {})
    if metric not in memo:
        memo[metric] = _group_progress(ctx, metric)
    return memo[metric]


def _group_progress(ctx: ReportContext, metric: str) -> pd.DataFrame:
    units = _unit_rows(ctx, metric)
    if units["group"].isna().all():
        return pd.DataFrame()
    units = units.assign(group=units["group"].astype(object).where(units["group"].notna(), ""))
    elapsed = float(units["elapsed_share"].iloc[0])
    rows = []
    for name, g in units.groupby("group", sort=False):
        counts = g["status"].value_counts()
        row = {"group": name or None, "order": int(g["order"].min()), "n": len(g)}
        row.update({s: int(counts.get(s, 0)) for s in progress.STATUSES})
        row.update({c: g[c].sum(min_count=1) for c in GROUP_SUMS})
        row["reported"] = bool(g["reported"].any())
        rows.append(row)
    out = pd.DataFrame(rows).sort_values("order", kind="stable").reset_index(drop=True)
    out["period_pct"] = [
        progress.achievement(a, t)
        for a, t in zip(out["period_actual"], out["period_target"], strict=True)
    ]
    out["cum_pct"] = [
        progress.achievement(a, t)
        for a, t in zip(out["cum_actual"], out["term_target"], strict=True)
    ]
    expected = out["term_target"] * elapsed
    out["pace_ratio"] = (out["cum_actual"] / expected).where(expected > 0)
    ratio = ctx.card.progress.on_track_ratio

    def status(r: pd.Series) -> str:
        if pd.isna(r["term_target"]) or r["term_target"] <= 0:
            return "no_target"
        if not r["reported"] or pd.isna(r["cum_actual"]) or pd.isna(r["pace_ratio"]):
            return "no_report"
        if r["pace_ratio"] > 1:
            return "ahead"
        return "on_track" if r["pace_ratio"] >= ratio else "behind"

    out["status"] = [status(r) for _, r in out.iterrows()]
    out["elapsed_share"] = elapsed
    return out


def groups_table(ctx: ReportContext, metric: str) -> str:
    """Return the large report's overview of a metric: what it shows, and a row per group."""
    lang = ctx.lang
    _ = translator(lang)
    groups = group_progress(ctx, metric)
    fed = ctx.row(metric)
    status_heads = [status_label(s, lang) for s in progress.STATUSES]
    rows = []
    for r in groups.to_dict("records"):
        rows.append(
            {
                "name": r["group"] or _("Not in a group"),
                "n": str(r["n"]),
                "counts": [str(r[s]) if r[s] else "–" for s in progress.STATUSES],
                "figures": [
                    num(r["term_target"], lang),
                    num(r["cum_actual"], lang),
                    pct(r["cum_pct"], lang),
                ],
                "fill": STATUS_FILLS[r["status"]],
            }
        )
    units = _unit_rows(ctx, metric)
    counts = units["status"].value_counts()
    total = {
        "name": str(fed["unit_name"]),
        "n": str(len(units)),
        "counts": [str(int(counts.get(s, 0))) for s in progress.STATUSES],
        "figures": [
            num(fed["term_target"], lang),
            num(fed["cum_actual"], lang),
            pct(fed["cum_pct"], lang),
        ],
        "fill": STATUS_FILLS[fed["status"]],
    }
    return render(
        "groups",
        lang,
        label=metric_label(metric, lang),
        issuer=ctx.card.issuer_short,
        n_units=format_count(len(units), lang),
        heads=[column_label("group", lang), _("Number of units"), *status_heads]
        + [column_label(c, lang) for c in ("term_target", "cum_actual", "cum_pct")],
        rows=rows,
        total=total,
    )


def pace_rows(ctx: ReportContext, metric: str) -> tuple[pd.DataFrame, str] | None:
    """Return the rows the pace chart draws and what they are ("unit" or "group"), or None.

    A federation report draws every unit, a large one every group (None if there are more
    groups than LARGE_REPORT_UNITS, or none); a unit's report draws the units of its
    federation, or in a large federation those of the unit's own group.
    """
    limit = context.LARGE_REPORT_UNITS
    p = ctx.progress[ctx.progress["metric"] == metric]
    if len(ctx.units) <= limit:
        return p, "unit"
    if ctx.unit_id is None:
        groups = group_progress(ctx, metric)
        if groups.empty or len(groups) > limit:
            return None
        rows = groups.assign(
            level="unit",
            metric=metric,
            unit_id=[f"group-{i}" for i in range(len(groups))],
            unit_name=[g or translator(ctx.lang)("Not in a group") for g in groups["group"]],
            period=ctx.period,
            demo=bool(p["demo"].any()) if "demo" in p else False,
        )
        return pd.concat([p[p["level"] == "federation"], rows], ignore_index=True), "group"
    units = _unit_rows(ctx, metric)
    mine = units.loc[units["unit_id"] == ctx.unit_id, "group"].iloc[0]
    if pd.isna(mine):
        return None
    peers = units[units["group"] == mine]
    if len(peers) > limit:
        return None
    return pd.concat([p[p["level"] == "federation"], peers.drop(columns="group")]), "unit"


UNIT_FIGURES = [
    "period_target", "period_actual", "period_pct", "term_target", "cum_actual", "cum_pct",
    "expected_cum", "gap", "needed_per_half", "forecast_term_end",
]  # fmt: skip


def unit_summary(ctx: ReportContext) -> str:
    """Return a unit's own figures, status and rank, metrics side by side (federation: '')."""
    if ctx.unit_id is None:
        return ""
    lang = ctx.lang
    rows = {m: ctx.row(m, ctx.unit_id) for m in ctx.metrics}
    metrics = []
    for m in ctx.metrics:
        r = rows[m]
        units = ctx.progress[(ctx.progress["metric"] == m) & (ctx.progress["level"] == "unit")]
        metrics.append(
            {
                "label": metric_label(m, lang),
                "status": status_label(r["status"], lang),
                "fill": STATUS_FILLS[r["status"]],
                "rank": None if pd.isna(r["rank"]) else int(r["rank"]),
                "ranked": int(units["rank"].notna().sum()),
            }
        )
    figures = [
        {
            "label": column_label(c, lang),
            "cells": [_cell(c, rows[m][c], lang) for m in ctx.metrics],
        }
        for c in UNIT_FIGURES
    ]
    missing = [h for h in str(rows[ctx.metrics[0]]["missing_periods"] or "").split(",") if h]
    return render(
        "unit_summary",
        lang,
        unit_name=ctx.unit_name,
        metrics=metrics,
        status_head=column_label("status", lang),
        rank_head=column_label("rank", lang),
        figures=figures,
        missing_head=column_label("missing_periods", lang),
        missing=", ".join(ctx.cal.label(h, lang) for h in missing) or "–",
        info=[(label, num(value, lang)) for label, value in info_of(ctx.info, ctx.unit_id).items()],
    )


def finding_detail(row: dict, lang: str) -> str:
    """Return a quality finding's detail in the report's language.

    A finding with a machine form (quality.csv columns `template`, the English message id
    of its sentence, and `params`, a JSON object) is written by
    `ptdv.tables.checks.finding_text` in `lang`; one without keeps its logged `message`.
    """
    message = row.get("message")
    message = "" if message is None or pd.isna(message) else str(message)
    template = row.get("template")
    if not isinstance(template, str) or not template.strip():
        return message
    try:
        from ptdv.tables.checks import finding_text
    except ImportError:  # the log has a machine form the code cannot write yet
        return message
    params = row.get("params")
    values = json.loads(params) if isinstance(params, str) and params.strip() else {}
    return finding_text(template, values, lang)


def quality_appendix(ctx: ReportContext) -> str:
    """Return the data-quality log in words a reader understands (errors and warnings)."""
    lang = ctx.lang
    q = ctx.quality
    if ctx.unit_id is not None:
        q = q[(q["unit"] == ctx.unit_name) | q["unit"].isna()]
    main = q[q["severity"].isin(["error", "warning"])]
    rows = [
        {
            "severity": r["severity"],
            "level": severity_label(r["severity"], lang),
            "problem": check_text(r["check"], lang),
            "unit": "" if pd.isna(r["unit"]) else r["unit"],
            "source": r["source"],
            "row": None if pd.isna(r["row"]) else int(r["row"]),
            "detail": finding_detail(r, lang),
        }
        for r in main.to_dict("records")
    ]
    counts = q[q["severity"] == "info"]["check"].value_counts()
    info = [(check_name(k, lang), int(v)) for k, v in counts.items()]
    return render("quality", lang, rows=rows, info=info)


def appendix_heading(ctx: ReportContext) -> str:
    """Return the heading of the optional appendix: the complete table of units."""
    return render("appendix", ctx.lang)


def footer(ctx: ReportContext, params: dict) -> str:
    """Return the provenance footer: parameters, input hashes, commit, version, time."""
    prefix = f"data/raw/{ctx.card.plan_id}/"
    return render(
        "footer",
        ctx.lang,
        params=", ".join(f"{k}={v!r}" for k, v in params.items()),
        commit=ctx.commit,
        version=__version__,
        generated=ctx.generated.strftime("%d/%m/%Y %H:%M (%Z)"),
        prefix=prefix,
        inputs=[
            {"path": i["path"].removeprefix(prefix), "sha256": i["sha256"]}
            for i in report_inputs(ctx)
        ],
    )


def figure_html(fig, alt: str | None = None, stem=None, svg: bool = True) -> str:  # noqa: ANN001 - a Figure
    """Return a chart as an <img> with the PNG inline; also save it if `stem` is set.

    Saved as `<stem>.png` and, with `svg`, `<stem>.svg`. The image's text alternative is
    `alt`, or else the chart's title.
    """
    from ptdv.report import charts

    svg = svg and stem is not None
    images = charts.figure_images(fig, svg=svg)  # the page and the files share them
    if not alt:
        alt = charts.chart_title(fig)
    if stem is not None:
        charts.save(fig, stem, images=images, svg=svg)  # closes the figure
    return _figure_img(images["png"], alt)


def pace_html(
    rows, metric: str, lang: str, unit_id=None, by: str = "unit", stem=None, svg: bool = True,  # noqa: ANN001
    ahead: Ahead | None = None,
) -> str:  # fmt: skip
    """Return the pace chart of `pace_rows` as figure_html does, `unit_id` highlighted.

    Drawn by charts.pace_images, which lays the chart out once for all the unit reports a
    kernel renders; the PNG and, with `svg`, the SVG are also saved if `stem` is set.
    `ahead` is the chart's drawing started by `pace_ahead`, with the same rows and options:
    its PNG is taken when it is done, and its SVG left to `write_drawn_ahead`.
    """
    from ptdv.report import charts

    svg = svg and stem is not None
    if ahead is not None:
        if svg != (ahead.svg is not None):
            raise ValueError(f"the pace chart drawn ahead for {metric!r} has svg={not svg}")
        images, alt = ahead.png.result()
        if ahead.svg is not None:  # so a stem too
            _SVG_AHEAD.append((ahead.svg, Path(stem)))
    else:
        images, alt = charts.pace_images(rows, metric, lang, unit_id=unit_id, by=by, svg=svg)
    if stem is not None:
        charts.write_images(stem, images)
    return _figure_img(images["png"], alt)


@dataclass(frozen=True)
class Ahead:
    """A pace chart being drawn in another process (`pace_ahead`).

    `png` and `svg` are futures of `charts.pace_images`: the PNG alone, then (unless no SVG
    is saved) the same chart again with its SVG, from the layout the process keeps.
    """

    png: Future
    svg: Future | None


#: The SVGs of the pace charts drawn ahead and shown, with the stem each is saved as: written
#: by `write_drawn_ahead`.
_SVG_AHEAD: list[tuple[Future, Path]] = []


def pace_ahead(ctx: ReportContext, svg: bool = True) -> dict[str, Ahead]:
    """Start drawing the report's pace charts in a process of their own; return them by metric.

    Each is an `Ahead`, to be given to `pace_html` as `ahead`. A federation's pace chart of 57
    units takes as long as its other charts together (1.5 s), and a report rendered alone
    leaves the machine's other core idle: forked from this kernel, with its modules, style
    and tables loaded already, a process draws the pace charts there while the kernel draws
    the rest. The same code draws the same bytes.

    The process draws every chart's PNG first, which the notebook waits for, and then the
    SVGs (0.3 s of a 57-unit chart's 1.5 s). `ptdv run` has them written once the notebook
    is done (`write_drawn_ahead`), while it makes the report's PDF. The process ends with its
    last chart.

    Only on Linux: elsewhere (macOS's system libraries are not safe in a forked process,
    Windows cannot fork) nothing is started and `{}` is returned, and the charts are drawn in
    the kernel as usual. `svg` as `pace_html`'s (False when no chart is saved).
    """
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    from ptdv.report import charts

    _SVG_AHEAD.clear()  # a report that failed before its SVGs were written leaves none
    jobs = {metric: pace_rows(ctx, metric) for metric in ctx.metrics}
    jobs = {metric: job for metric, job in jobs.items() if job is not None}
    if not jobs or not sys.platform.startswith("linux"):
        return {}
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))

    def draw(rows: pd.DataFrame, metric: str, by: str, with_svg: bool) -> Future:
        return pool.submit(
            charts.pace_images, rows, metric, ctx.lang, unit_id=ctx.unit_id, by=by, svg=with_svg
        )

    try:  # one process, in the order submitted: every PNG, then every SVG
        pngs = {metric: draw(rows, metric, by, False) for metric, (rows, by) in jobs.items()}
        return {
            metric: Ahead(pngs[metric], draw(rows, metric, by, True) if svg else None)
            for metric, (rows, by) in jobs.items()
        }
    finally:
        pool.shutdown(wait=False)  # the process ends once its charts are drawn


def write_drawn_ahead() -> list[Path]:
    """Write the SVGs of the pace charts drawn ahead and shown, once drawn; return their paths.

    `ptdv run` runs this in the report's kernel after the notebook, so that their drawing
    overlaps the PDF; a failure to draw one is raised here, and the report fails.
    """
    from ptdv.report import charts

    written: list[Path] = []
    while _SVG_AHEAD:
        future, stem = _SVG_AHEAD.pop(0)
        images, _alt = future.result()
        written += charts.write_images(stem, {"svg": images["svg"]})
    return written


def _figure_img(png: bytes, alt: str | None) -> str:
    import base64

    data = base64.b64encode(png).decode("ascii")
    # the template has no words: any language's environment places it
    return render("figure", "vi", alt=alt or "", src=f"data:image/png;base64,{data}")
