"""Progress: actual against target per unit and metric for one period, and against the pace
the elapsed term demands. Pure functions over the processed tables.

Rules (DOMAIN.md): a negative figure against a positive target counts as 0% and is shown as
the negative figure it is; a zero target gives no percentage (not 0, not infinite); a unit
that did not report is "no report", never zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ptdv.base import frames
from ptdv.base.errors import ConfigError, DataError
from ptdv.base.i18n import N_
from ptdv.base.memory import gc_paused
from ptdv.plan.config import PlanCard
from ptdv.plan.periods import Calendar

STATUSES = ("ahead", "on_track", "behind", "no_target", "no_report")
#: Each status in words: English message ids, translated where they are shown
#: (`ptdv.report.texts.status_label`).
STATUS_LABELS = {
    "ahead": N_("Ahead"),
    "on_track": N_("On track"),
    "behind": N_("Behind"),
    "no_target": N_("No target"),
    "no_report": N_("No report"),
}
#: How a period's target was obtained (a column of the progress table, never silent).
#: English message ids, translated where they are shown (`ptdv.report.texts.method_text`).
TARGET_METHODS = {
    "table": N_("as allocated in the table for this period"),
    "half_of_year": N_("half of the year's target"),
    "sum_of_halves": N_("sum of the half-year targets"),
    "sum_of_years": N_("sum of the yearly targets"),
    "sum_to_date": N_("sum of the half-years' targets from the term's start"),
    "pro_rata_term": N_("the term target pro rata (half-years in the period / in the term)"),
    "none": N_("no target for this period"),
}

PROGRESS_COLUMNS = [
    "plan_id", "period", "level", "unit_id", "unit_name", "order", "metric",
    "target_method", "period_target", "period_actual", "period_pct",
    "term_target", "cum_actual", "cum_pct", "elapsed_share", "expected_cum", "gap",
    "pace_ratio", "status", "halves_remaining", "needed_per_half", "forecast_term_end",
    "rank", "halves_reported", "missing_periods", "cum_basis", "reported", "demo",
]  # fmt: skip
#: What a unit's cumulative actual is made of (column `cum_basis`).
#: English message ids (N_), translated where they are shown.
CUM_BASES = {
    "half_years": N_("the sum of its half-year figures"),
    "running_total": N_("a running total (lũy kế) stated to the period's end"),
    "running_total+half_years": N_("a running total, plus the half-year figures reported after it"),
    "": N_("no figure"),
}


def achievement(actual: float, target: float) -> float:
    """Return actual / target as a ratio: NaN without a positive target, 0 for a negative actual."""
    if target is None or actual is None or pd.isna(target) or pd.isna(actual) or target <= 0:
        return math.nan
    return max(actual, 0.0) / target


def progress_metrics(card: PlanCard, targets: pd.DataFrame) -> list[str]:
    """Return the plan's targeted metrics that have unit targets, in the card's order."""
    have = set(targets.loc[targets["level"] == "unit", "metric"].unique())
    return [m for m in card.metrics if m in have]


def _period_target(
    cal: Calendar, by_period: dict[str, float], period: str, split_year: bool
) -> tuple[float, str]:
    """Return a unit's target for `period` and how it was obtained."""
    p = cal.period(period)
    n = len(cal.halves())
    term = by_period.get("term", math.nan)
    years = cal.years()
    if math.isnan(term) and years and all(y in by_period for y in years):
        term = sum(by_period[y] for y in years)
    if period in by_period:
        return by_period[period], "table"
    if p.kind == "half":
        year = period[:4]
        if split_year and year in by_period:
            return by_period[year] / 2, "half_of_year"
    if p.kind == "year":
        halves = [h.id for h in cal.halves_in(period)]
        if all(h in by_period for h in halves):
            return sum(by_period[h] for h in halves), "sum_of_halves"
    if p.kind == "term" and not math.isnan(term):
        return term, "sum_of_years"
    if p.kind == "span":
        parts = [_period_target(cal, by_period, h.id, split_year) for h in cal.halves_in(period)]
        if parts and all(m in ("table", "half_of_year") for _, m in parts):
            return sum(v for v, _ in parts), "sum_to_date"
    if not math.isnan(term):
        return term * len(cal.halves_in(period)) / n, "pro_rata_term"
    return math.nan, "none"


#: The columns of the targets and actuals that progress reads.
_FIGURE_COLUMNS = ["unit_id", "metric", "period", "value"]


@gc_paused()
def compute_progress(
    card: PlanCard,
    units: pd.DataFrame,
    targets: pd.DataFrame,
    actuals: pd.DataFrame,
    period: str,
) -> pd.DataFrame:
    """Return the progress table of `period`: one row per unit and metric, plus federation rows."""
    cal = Calendar.from_card(card)
    try:
        cal.period(period)
    except ValueError as err:
        raise ConfigError(f"plan {card.plan_id}: {err}") from None
    if units.empty:
        raise DataError(
            f"plan {card.plan_id} has no unit table: progress needs units and their targets",
            file=str(card.card_path),
        )
    metrics = progress_metrics(card, targets)
    if not metrics:
        raise DataError(
            f"plan {card.plan_id}: none of its metrics ({', '.join(card.metrics)}) has unit "
            "targets",
            file=str(card.card_path),
        )
    split_year = card.progress.half_year_targets == "split_year"
    elapsed = cal.elapsed_share(period)
    remaining = cal.remaining_halves(period)
    # one mask per table, then a copy of just the columns the arithmetic reads: copying all
    # twelve columns of the long actuals table was most of the time at 100,000 units
    t = targets.loc[targets["level"] == "unit", _FIGURE_COLUMNS]
    known = (actuals["level"] == "unit") & actuals["value"].notna()
    flows_all = actuals.loc[known & (actuals["kind"] == "actual"), _FIGURE_COLUMNS]
    cums_all = actuals.loc[known & (actuals["kind"] == "cumulative"), _FIGURE_COLUMNS]
    demo = bool(card.actuals.demo)
    df = _unit_rows(card, cal, units, metrics, t, flows_all, cums_all, period, split_year)
    if df is None:
        df = _unit_rows_one_by_one(
            card, cal, units, metrics, t, flows_all, cums_all, period, split_year
        )
    df = _finish(card, df, metrics, period, elapsed, remaining, demo)
    check_federation(df)
    return df


def _unit_rows_one_by_one(
    card: PlanCard,
    cal: Calendar,
    units: pd.DataFrame,
    metrics: list[str],
    t: pd.DataFrame,
    flows_all: pd.DataFrame,
    cums_all: pd.DataFrame,
    period: str,
    split_year: bool,
) -> pd.DataFrame:
    """Return the unit rows of the progress table, one unit and metric at a time.

    The reference for `_unit_rows`, which gives the same rows at once; used when the flows
    hold a unit's metric twice for a half-year (summed here).
    """
    p = cal.period(period)
    through = [h.id for h in cal.halves_through(period)]
    within = [h.id for h in cal.halves_in(period)]
    rows = []
    for _, u in units.sort_values("order").iterrows():
        for metric in metrics:
            tv = t[(t["unit_id"] == u["unit_id"]) & (t["metric"] == metric)]
            by_period = dict(zip(tv["period"], tv["value"].astype(float), strict=True))
            by_period = {k: v for k, v in by_period.items() if not math.isnan(v)}
            p_target, method = _period_target(cal, by_period, period, split_year)
            term_target, _ = _period_target(cal, by_period, "term", split_year)
            sel = (flows_all["unit_id"] == u["unit_id"]) & (flows_all["metric"] == metric)
            got = flows_all[sel].groupby("period")["value"].sum()
            sel = (cums_all["unit_id"] == u["unit_id"]) & (cums_all["metric"] == metric)
            cums = running_totals(cal, cums_all[sel])
            actual = cumulate(through, within, dict(got), cums, spans=p.kind in ("span", "term"))
            rows.append(
                {
                    "plan_id": card.plan_id,
                    "period": period,
                    "level": "unit",
                    "unit_id": u["unit_id"],
                    "unit_name": u["unit_name"],
                    "order": int(u["order"]),
                    "metric": metric,
                    "target_method": method,
                    "period_target": p_target,
                    "period_actual": actual.period_actual,
                    "term_target": term_target,
                    "cum_actual": actual.cum_actual,
                    "halves_reported": len(actual.covered),
                    "missing_periods": ",".join(h for h in through if h not in actual.covered),
                    "cum_basis": actual.basis,
                    "reported": actual.reported,
                }
            )
    return pd.DataFrame(rows)


_UNIT_ROW_COLUMNS = [
    "plan_id", "period", "level", "unit_id", "unit_name", "order", "metric", "target_method",
    "period_target", "period_actual", "term_target", "cum_actual", "halves_reported",
    "missing_periods", "cum_basis", "reported",
]  # fmt: skip


def _targets_at(
    cal: Calendar, have: frozenset[str], value: dict[str, np.ndarray], period: str, split: bool
) -> tuple[np.ndarray | float, str]:
    """Return `_period_target` for many units whose targets are known for the same periods.

    `have` are those periods, `value` their targets (one array each); the arithmetic is
    `_period_target`'s, step by step, so the results are the same to the last bit.
    """
    p = cal.period(period)
    n = len(cal.halves())
    term: np.ndarray | float = value["term"] if "term" in have else math.nan
    years = cal.years()
    if "term" not in have and years and all(y in have for y in years):
        term = sum(value[y] for y in years)
    known_term = "term" in have or (bool(years) and all(y in have for y in years))
    if period in have:
        return value[period], "table"
    if p.kind == "half":
        year = period[:4]
        if split and year in have:
            return value[year] / 2, "half_of_year"
    if p.kind == "year":
        halves = [h.id for h in cal.halves_in(period)]
        if all(h in have for h in halves):
            return sum(value[h] for h in halves), "sum_of_halves"
    if p.kind == "term" and known_term:
        return term, "sum_of_years"
    if p.kind == "span":
        parts = [_targets_at(cal, have, value, h.id, split) for h in cal.halves_in(period)]
        if parts and all(m in ("table", "half_of_year") for _, m in parts):
            return sum(v for v, _ in parts), "sum_to_date"
    if known_term:
        return term * len(cal.halves_in(period)) / n, "pro_rata_term"
    return math.nan, "none"


def _same_rows(flags: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group the rows of a boolean matrix that are equal: (the row, its row numbers in order)."""
    if not len(flags):
        return []
    if not flags.shape[1]:  # no columns: every row is the same empty one
        return [(flags[0], np.arange(len(flags)))]
    if flags.shape[1] < 63:  # each row as the bits of one number: a 1-D unique, far quicker
        bits = flags.astype(np.int64) @ np.left_shift(1, np.arange(flags.shape[1], dtype=np.int64))
        _, first, inverse = np.unique(bits, return_index=True, return_inverse=True)
        patterns = flags[first]
    else:
        patterns, inverse = np.unique(flags, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(patterns) + 1))
    return [(patterns[g], order[starts[g] : starts[g + 1]]) for g in range(len(patterns))]


def _unit_rows(
    card: PlanCard,
    cal: Calendar,
    units: pd.DataFrame,
    metrics: list[str],
    t: pd.DataFrame,
    flows_all: pd.DataFrame,
    cums_all: pd.DataFrame,
    period: str,
    split_year: bool,
) -> pd.DataFrame | None:
    """Return the unit rows of the progress table for all units at once (arrays, no masks).

    The same rows as `_unit_rows_one_by_one`: units in their order, each with the plan's
    metrics. Targets are computed per set of periods a unit has targets for, half-year flows
    are summed in half-year order, and units with running totals go through `cumulate`.
    Returns None when a unit's metric has two flows for one half-year (left to the reference).
    """
    p = cal.period(period)
    spans = p.kind in ("span", "term")
    through = [h.id for h in cal.halves_through(period)]
    within = [h.id for h in cal.halves_in(period)]
    ordered = units.sort_values("order")
    uids = ordered["unit_id"].to_numpy(dtype=object)
    n_units, n_metrics = len(uids), len(metrics)
    n = n_units * n_metrics  # pair k = unit k // n_metrics, metric k % n_metrics
    unit_pos = pd.Index(uids)
    if not unit_pos.is_unique:
        return None

    def pairs(df: pd.DataFrame) -> np.ndarray:
        """Return each row's pair number (-1 for a unit or metric outside the table)."""
        u = unit_pos.get_indexer(df["unit_id"])
        m = pd.Index(metrics).get_indexer(df["metric"])
        return np.where((u >= 0) & (m >= 0), u * n_metrics + m, -1)

    # targets: each pair's {period: value} as `dict(zip(...))` makes it (the last one wins,
    # even NaN, which then leaves the period out), as a matrix: pair x period (NaN: none)
    tk = pairs(t)
    keep = tk >= 0
    codes, uniques = pd.factorize(t["period"].to_numpy(dtype=object)[keep])
    periods = pd.Index(uniques, dtype=object)
    cells = tk[keep] * len(periods) + codes
    last = len(cells) - 1 - np.unique(cells[::-1], return_index=True)[1]
    table = np.full((n, len(periods)), np.nan)
    table.ravel()[cells[last]] = t["value"].astype(float).to_numpy()[keep][last]
    # the pairs with targets for the same periods, each set with its pairs in pair order
    given = ~np.isnan(table)
    sets: dict[frozenset[str], np.ndarray] = {}
    for row, ks in _same_rows(given):
        sets[frozenset(periods[row].tolist())] = ks
    p_target = np.full(n, np.nan)
    t_target = np.full(n, np.nan)
    method = np.empty(n, dtype=object)
    for have, idx in sets.items():
        value = {q: table[idx, periods.get_loc(q)] for q in have}
        got, how = _targets_at(cal, have, value, period, split_year)
        p_target[idx] = got
        method[idx] = how
        t_target[idx] = _targets_at(cal, have, value, "term", split_year)[0]

    # half-year flows through the period, as a matrix: pair x half-year (NaN: none)
    flows_in = flows_all[flows_all["period"].isin(through)]
    fk = pairs(flows_in)
    fh = pd.Index(through).get_indexer(flows_in["period"])
    at = (fk >= 0) & (fh >= 0)
    cells = fk[at] * len(through) + fh[at]
    if len(cells) and np.bincount(cells, minlength=n * len(through)).max() > 1:
        return None
    flows = np.full((n, len(through)), np.nan)
    flows.ravel()[cells] = flows_in["value"].to_numpy(dtype=np.float64)[at]
    present = ~np.isnan(flows)

    cum = np.zeros(n)
    for j in range(len(through)):  # added in half-year order, as sum() does
        cum = np.where(present[:, j], cum + flows[:, j], cum)
    any_flow = present.any(axis=1)
    cum = np.where(any_flow, cum, np.nan)
    basis = np.where(any_flow, "half_years", "").astype(object)
    halves_reported = present.sum(axis=1)
    w = [through.index(h) for h in within]
    in_period = present[:, w].any(axis=1) if w else np.zeros(n, dtype=bool)
    if spans:
        period_actual = cum.copy()
        reported = any_flow.copy()
    else:
        period_actual = np.zeros(n)
        for j in w:
            period_actual = np.where(present[:, j], period_actual + flows[:, j], period_actual)
        period_actual = np.where(in_period, period_actual, np.nan)
        reported = in_period.copy()
    # the half-years not covered, as text: one join per pattern of gaps
    weights = np.left_shift(1, np.arange(len(through), dtype=np.int64))
    pattern = (~present).astype(np.int64) @ weights if len(through) else np.zeros(n, np.int64)
    codes, inverse = np.unique(pattern, return_inverse=True)
    texts = [",".join(h for j, h in enumerate(through) if c >> j & 1) for c in codes.tolist()]
    missing = np.asarray(texts, dtype=object)[inverse.ravel()]

    # units with running totals: their pairs through cumulate(), as the reference does
    if not cums_all.empty:
        ck = pairs(cums_all)
        for k, part in cums_all[ck >= 0].groupby(ck[ck >= 0], sort=True):
            k = int(k)
            own = {h: float(flows[k, j]) for j, h in enumerate(through) if present[k, j]}
            a = cumulate(through, within, own, running_totals(cal, part), spans=spans)
            period_actual[k], cum[k] = a.period_actual, a.cum_actual
            halves_reported[k] = len(a.covered)
            missing[k] = ",".join(h for h in through if h not in a.covered)
            basis[k], reported[k] = a.basis, a.reported

    names = ordered["unit_name"].to_numpy(dtype=object)
    orders = ordered["order"].to_numpy().astype(int)
    each_unit = np.repeat(np.arange(n_units, dtype=np.int64), n_metrics)
    df = pd.DataFrame(
        {
            "plan_id": frames.repeated(card.plan_id, n),
            "period": frames.repeated(period, n),
            "level": frames.repeated("unit", n),
            "unit_id": frames.texts(uids, each_unit),
            "unit_name": frames.texts(names, each_unit),
            "order": np.repeat(orders, n_metrics).astype(np.int64),
            "metric": frames.texts(metrics, np.tile(np.arange(n_metrics, dtype=np.int64), n_units)),
            "target_method": frames.texts(method),
            "period_target": p_target.astype(float),
            "period_actual": period_actual.astype(float),
            "term_target": t_target.astype(float),
            "cum_actual": cum.astype(float),
            "halves_reported": halves_reported.astype(np.int64),
            "missing_periods": frames.texts(missing),
            "cum_basis": frames.texts(basis),
            "reported": reported.astype(bool),
        },
        columns=_UNIT_ROW_COLUMNS,
    )
    return df


def _achievement(actual: pd.Series, target: pd.Series) -> np.ndarray:
    """Return `achievement` of each pair of figures at once (same values, bit for bit)."""
    a = actual.to_numpy(dtype=np.float64, na_value=np.nan)
    b = target.to_numpy(dtype=np.float64, na_value=np.nan)
    ok = ~np.isnan(a) & ~np.isnan(b) & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(0.0 > a, 0.0, a) / b  # max(actual, 0.0): the actual unless below 0
    return np.where(ok, ratio, np.nan)


def _statuses(df: pd.DataFrame, on_track_ratio: float) -> np.ndarray:
    """Return `_status` of every row at once."""
    term = df["term_target"].to_numpy(dtype=np.float64, na_value=np.nan)
    cum = df["cum_actual"].to_numpy(dtype=np.float64, na_value=np.nan)
    pace = df["pace_ratio"].to_numpy(dtype=np.float64, na_value=np.nan)
    reported = df["reported"].to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.select(
            [
                np.isnan(term) | (term <= 0),
                ~reported | np.isnan(cum),
                np.isnan(pace),
                pace > 1,
                pace >= on_track_ratio,
            ],
            ["no_target", "no_report", "no_target", "ahead", "on_track"],
            default="behind",
        ).astype(object)


def _finish(
    card: PlanCard,
    df: pd.DataFrame,
    metrics: list[str],
    period: str,
    elapsed: object,
    remaining: int,
    demo: bool,
) -> pd.DataFrame:
    """Add the federation rows and the derived columns to the unit rows."""
    fed = (
        df.groupby("metric", sort=False)
        .agg(
            period_target=("period_target", lambda s: s.sum(min_count=1)),
            period_actual=("period_actual", lambda s: s.sum(min_count=1)),
            term_target=("term_target", lambda s: s.sum(min_count=1)),
            cum_actual=("cum_actual", lambda s: s.sum(min_count=1)),
            halves_reported=("halves_reported", "sum"),
            reported=("reported", "any"),
            target_method=("target_method", lambda s: ",".join(sorted(set(s.unique())))),
        )
        .reset_index()
    )
    fed["missing_periods"] = ""
    fed["cum_basis"] = [
        ";".join(sorted({b for b in df.loc[df["metric"] == m, "cum_basis"].unique() if b}))
        for m in fed["metric"]
    ]
    fed = fed.assign(
        plan_id=card.plan_id,
        period=period,
        level="federation",
        unit_id=card.plan_id,
        unit_name=card.issuer_short,
        order=0,
    )
    df = pd.concat([fed, df], ignore_index=True)
    df["elapsed_share"] = float(elapsed)
    df["halves_remaining"] = remaining
    df["period_pct"] = _achievement(df["period_actual"], df["period_target"])
    df["cum_pct"] = _achievement(df["cum_actual"], df["term_target"])
    df["expected_cum"] = df["term_target"] * float(elapsed)
    df["gap"] = df["cum_actual"] - df["expected_cum"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = df["cum_actual"] / df["expected_cum"]
    df["pace_ratio"] = ratio.where(df["expected_cum"] > 0)
    df["status"] = _statuses(df, card.progress.on_track_ratio)
    left = (df["term_target"] - df["cum_actual"].fillna(0)).clip(lower=0)
    df["needed_per_half"] = (left / remaining) if remaining else math.nan
    df.loc[df["term_target"].isna() | (df["term_target"] <= 0), "needed_per_half"] = math.nan
    df["forecast_term_end"] = df["cum_actual"] / float(elapsed)
    df["rank"] = pd.arrays.IntegerArray(  # no rank yet
        np.zeros(len(df), dtype=np.int64), np.ones(len(df), dtype=bool)
    )
    for metric in metrics:
        m = (df["level"] == "unit") & (df["metric"] == metric)
        m &= df["status"].isin(["ahead", "on_track", "behind"])
        raw = df.loc[m, "cum_actual"] / df.loc[m, "term_target"]
        df.loc[m, "rank"] = raw.rank(ascending=False, method="min").astype("Int64")
    df["demo"] = demo
    df = df[PROGRESS_COLUMNS].sort_values(["metric", "order"], kind="stable")
    return df.reset_index(drop=True)


@dataclass
class Cumulated:
    """One unit's actual for a period and to its end, and what they were made of."""

    period_actual: float
    cum_actual: float
    covered: list[str]  # half-years through the period that the figures account for
    basis: str  # a key of CUM_BASES
    reported: bool  # figures for the period itself (a flow in it, or a running total to its end)


def running_totals(cal: Calendar, cums: pd.DataFrame) -> dict[str, float]:
    """Return running totals (kind `cumulative`) by the half-year they run to.

    A running total to a year runs to the end of its second half-year.
    """
    out: dict[str, float] = {}
    for period, value in zip(cums["period"], cums["value"], strict=True):
        halves = cal.halves_in(str(period))
        out[halves[-1].id] = float(value)
    return out


def cumulate(
    through: list[str],
    within: list[str],
    flows: dict[str, float],
    cums: dict[str, float],
    *,
    spans: bool = False,
) -> Cumulated:
    """Return a unit's period and cumulative actual from half-year flows and running totals.

    `through` are the half-years from the term's start to the period's end, `within` those
    of the period itself. The latest running total at or before the period's end counts as
    the cumulative actual at its half-year, plus any flows reported after it. The period's
    own actual is the sum of its flows; without any, the difference of two running totals
    around it (or the running total itself when the period starts with the term); otherwise
    unknown (NaN, shown "–"). A span from the term's start (`spans`) has the cumulative
    actual as its own.
    """
    known = [h for h in through if h in cums]
    last = known[-1] if known else None
    after = through[through.index(last) + 1 :] if last else through
    later = [h for h in after if h in flows]
    if last is None:
        cum = sum(flows[h] for h in later) if later else math.nan
        basis = "half_years" if later else ""
        covered = later
    else:
        cum = cums[last] + sum(flows[h] for h in later)
        basis = "running_total+half_years" if later else "running_total"
        covered = through[: through.index(last) + 1] + later
    in_period = [h for h in within if h in flows]
    if spans:
        period_actual = cum
        reported = bool(covered)
    elif in_period:
        period_actual = sum(flows[h] for h in in_period)
        reported = True
    else:
        end = within[-1] if within else None
        before = through[: through.index(within[0])] if within else []
        start = 0.0 if not before else cums.get(before[-1], math.nan)
        period_actual = cums[end] - start if end in cums else math.nan
        reported = end in cums
    return Cumulated(float(period_actual), float(cum), covered, basis, reported)


def _status(r: object, on_track_ratio: float) -> str:
    if pd.isna(r.term_target) or r.term_target <= 0:
        return "no_target"
    if not r.reported or pd.isna(r.cum_actual):
        return "no_report"
    if pd.isna(r.pace_ratio):
        return "no_target"
    if r.pace_ratio > 1:
        return "ahead"
    if r.pace_ratio >= on_track_ratio:
        return "on_track"
    return "behind"


def check_federation(df: pd.DataFrame) -> None:
    """Raise DataError unless each federation row equals the sum of its unit rows."""
    for metric, part in df.groupby("metric"):
        fed = part[part["level"] == "federation"]
        units = part[part["level"] == "unit"]
        if len(fed) != 1:
            raise DataError(f"progress: expected one federation row for {metric}")
        for col in ("period_target", "period_actual", "term_target", "cum_actual"):
            a = fed[col].iloc[0]
            b = units[col].sum(min_count=1)
            if not (pd.isna(a) and pd.isna(b)) and not math.isclose(a, b, abs_tol=1e-6):
                raise DataError(
                    f"progress: federation {col} for {metric} is {a} but its units add up to {b}"
                )


def _units_of(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    return df[(df["level"] == "unit") & (df["metric"] == metric)]


def _commended(u: pd.DataFrame) -> pd.Series:
    return u["period_pct"] >= 1


def _behind(u: pd.DataFrame) -> pd.Series:
    return u["status"] == "behind"


def commend(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Return the units that reached or exceeded their period target, best first."""
    u = _units_of(df, metric)
    return u[_commended(u)].sort_values(["period_pct", "order"], ascending=[False, True])


def behind(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Return the units behind the pace, furthest behind first."""
    u = _units_of(df, metric)
    return u[_behind(u)].sort_values(["pace_ratio", "order"])


def unit_counts(df: pd.DataFrame, metric: str) -> tuple[pd.Series, int, int]:
    """Return a metric's number of units by status, then how many to commend and behind.

    The last two are the lengths of `commend` and `behind`, counted without sorting them
    (`ptdv progress` prints them; a national table has 135,000 units a metric).
    """
    u = _units_of(df, metric)
    return u["status"].value_counts(), int(_commended(u).sum()), int(_behind(u).sum())


@dataclass
class ProgressInputs:
    """The processed tables progress is computed from."""

    units: pd.DataFrame
    targets: pd.DataFrame
    actuals: pd.DataFrame


#: The columns of the processed tables that compute_progress reads. At 135,000 units the
#: actuals hold 2.8 M rows; leaving out their file, sheet, cell and name columns halves the
#: time to read them and the memory they take.
INPUT_COLUMNS: dict[str, list[str]] = {
    "units": ["unit_id", "unit_name", "order"],
    "targets": ["level", "kind", *_FIGURE_COLUMNS],
    "actuals": ["level", "kind", *_FIGURE_COLUMNS],
}


def load_processed(plan_id: str, columns: dict[str, list[str]] | None = None) -> ProgressInputs:
    """Return a plan's processed tables, or raise DataError saying to clean it first.

    `columns`: for each table, the columns to read (default all; see INPUT_COLUMNS).
    """
    from ptdv.base import paths

    d = paths.processed_dir(plan_id)
    missing = [n for n in ("units", "targets", "actuals") if not (d / f"{n}.parquet").is_file()]
    if missing:
        raise DataError(
            f"{d}: no processed tables ({', '.join(missing)}); run `ptdv clean "
            f"--plan {plan_id}` first"
        )
    columns = columns or {}
    return ProgressInputs(
        *(_read(d / f"{n}.parquet", columns.get(n), n != "units") for n in _TABLES)
    )


_TABLES = ("units", "targets", "actuals")
#: Texts of the figures with few distinct values over many rows, read as categories when
#: only progress's columns are read (INPUT_COLUMNS): masks and copies then move small codes.
_CATEGORIES = ("level", "kind", "unit_id", "metric", "period")


def _read(path: Path, columns: list[str] | None, figures: bool) -> pd.DataFrame:
    """Return a processed table; with `columns`, those only (a table of figures: its texts
    as categories). A file that is not a Parquet table (damaged) raises DataError saying
    to clean the plan again."""
    try:
        return _read_parquet(path, columns, figures)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(
            f"{path}: cannot be read as a Parquet table (damaged? {err}); clean the plan "
            f"again to write it (`ptdv clean --plan {path.parent.name}`)"
        ) from None


def _read_parquet(path: Path, columns: list[str] | None, figures: bool) -> pd.DataFrame:
    if columns is None:
        return pd.read_parquet(path)
    import pyarrow.parquet as pq

    codes = [c for c in columns if c in _CATEGORIES] if figures else []
    # one chunk per row group (read_table's batches gave a national table's unit ids 22
    # dictionaries to unify, not 3: 0.6 s to read its actuals, against 0.43 s)
    names = pq.read_schema(path).names
    missing = [c for c in columns if c not in names]
    if missing:  # ParquetFile.read would leave them out without a word
        raise DataError(
            f"{path}: no column {', '.join(missing)}: written by another version of ptdv? "
            "Clean the plan again (`ptdv clean --plan ...`)"
        )
    return pq.ParquetFile(path, read_dictionary=codes).read(columns=columns).to_pandas()


def load_info(plan_id: str) -> pd.DataFrame:
    """Return a plan's named extra figures (processed `info.parquet`; empty if none)."""
    from ptdv.base import paths
    from ptdv.tables.schemas import INFO_COLUMNS

    f = paths.processed_dir(plan_id) / "info.parquet"
    return pd.read_parquet(f) if f.is_file() else pd.DataFrame(columns=INFO_COLUMNS)


def write_progress(df: pd.DataFrame, plan_id: str, period: str) -> str:
    """Write progress_<period>.parquet into the plan's processed folder (temp file, rename)."""
    from ptdv.base import paths
    from ptdv.base.atomic import atomic_file

    out = paths.processed_dir(plan_id) / f"progress_{period}.parquet"
    with atomic_file(out) as tmp:
        df.to_parquet(tmp, index=False)
    return str(out)


def trend(
    card: PlanCard,
    units: pd.DataFrame,
    targets: pd.DataFrame,
    actuals: pd.DataFrame,
    period: str,
    metric: str,
    unit_id: str | None = None,
) -> pd.DataFrame:
    """Return, half-year by half-year up to `period`, actual and cumulative against the plan.

    One row per half-year of the term up to the end of `period` (the federation, or one
    unit): `actual` (the half-year's own figure; NaN where nobody reported one),
    `cum_actual` (NaN where not known: nobody had figures for the half-year, neither a flow
    nor a running total to its end), `covered` (the half-year is accounted for, if only by a
    later running total), `target` (the half-year's target, by the card's method),
    `cum_target`, and `pace` (the term target times the elapsed share), with `reported`
    units counted.
    """
    chosen = units if unit_id is None else units[units["unit_id"] == unit_id]
    per_half = half_year_progress(card, chosen, targets, actuals, period)
    return trend_of(card, per_half, metric)


def half_year_progress(
    card: PlanCard,
    units: pd.DataFrame,
    targets: pd.DataFrame,
    actuals: pd.DataFrame,
    period: str,
) -> dict[str, pd.DataFrame]:
    """Return the progress table of each half-year of the term up to `period`, by its id."""
    cal = Calendar.from_card(card)
    return {
        h.id: compute_progress(card, units, targets, actuals, h.id)
        for h in cal.halves_through(period)
    }


def trend_of(
    card: PlanCard, per_half: dict[str, pd.DataFrame], metric: str, unit_id: str | None = None
) -> pd.DataFrame:
    """Return `trend`'s frame from the half-year progress tables (`half_year_progress`).

    Without `unit_id`, the tables' federation rows (so the trend of the units they were
    computed over); with it, that unit's own rows, the same figures as its trend computed
    over its rows alone: a batch of unit reports computes every unit's half-years once.
    """
    cal = Calendar.from_card(card)
    n = len(cal.halves())
    halves = list(per_half)

    def rows_of(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
        u = df[(df["level"] == "unit") & (df["metric"] == metric)]
        if unit_id is None:
            return df[(df["level"] == "federation") & (df["metric"] == metric)].iloc[0], u
        u = u[u["unit_id"] == unit_id]
        return u.iloc[0], u

    gaps = [set(str(m).split(",")) for m in rows_of(per_half[halves[-1]])[1]["missing_periods"]]
    rows = []
    for i, h in enumerate(halves, start=1):
        r, u = rows_of(per_half[h])
        rows.append(
            {
                "period": h,
                "label": cal.label(h),
                "actual": r["period_actual"],
                "cum_actual": r["cum_actual"] if r["reported"] else math.nan,
                "covered": any(h not in g for g in gaps),
                "target": r["period_target"],
                "pace": r["term_target"] * i / n,
                "reported": int(u["reported"].sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["cum_target"] = out["target"].cumsum()
    return out


def missing_units(
    actuals: pd.DataFrame, units: pd.DataFrame, period: str, cal: Calendar | None = None
) -> list[str]:
    """Return the ids of the units (official order) with no figure at all for half-year `period`.

    With the plan's calendar, a running total to `period`'s end or later covers it too.
    """
    got = actuals[(actuals["level"] == "unit") & actuals["value"].notna()]
    have = set(got.loc[got["period"] == period, "unit_id"])
    if cal is not None:
        ids = [h.id for h in cal.halves()]
        cums = got[got["kind"] == "cumulative"]
        for uid, p in zip(cums["unit_id"], cums["period"], strict=True):
            end = cal.halves_in(str(p))[-1].id
            if period in ids and ids.index(end) >= ids.index(period):
                have.add(uid)
    ordered = units.sort_values("order")["unit_id"].tolist()
    return [u for u in ordered if u not in have]


def halves_with_figures(cal: Calendar, actuals: pd.DataFrame) -> list[str]:
    """Return the half-years (in order) that some unit's actual or running total reaches."""
    a = actuals[
        (actuals["level"] == "unit")
        & actuals["kind"].isin(["actual", "cumulative"])
        & actuals["value"].notna()
    ]
    ids = [h.id for h in cal.halves()]
    reached: set[str] = set()
    pairs = a[["period", "kind"]].drop_duplicates()  # a few per half-year, not a row per figure
    for period, kind in zip(pairs["period"], pairs["kind"], strict=True):
        if str(period) == "term" and kind == "actual":
            continue  # a whole-term figure says nothing of when
        try:
            halves = cal.halves_in(str(period))
        except ValueError:
            continue
        reached.update(h.id for h in halves[-1:] if kind == "cumulative" or len(halves) <= 2)
    return [h for h in ids if h in reached]
