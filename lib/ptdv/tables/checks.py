"""Quality checks: each returns findings, rows of the data-quality log. No check changes a figure.

Severities: `error` (a figure or table is wrong and must be corrected at the source),
`warning` (something to look at: a stated rule that does not hold, an incomplete table),
`info` (a cleaning decision, recorded so that nothing happens silently).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from ptdv.plan.config import ColumnMap, DeclaredTotal, Rule
from ptdv.plan.metrics import METRICS
from ptdv.plan.periods import Calendar
from ptdv.tables.ingest import Row, Table, text_key
from ptdv.tables.numbers import ParsedNumber

SEVERITIES = ("error", "warning", "info")
QUALITY_COLUMNS = ["severity", "check", "source", "row", "unit", "message"]


@dataclass(frozen=True)
class Finding:
    """One row of the data-quality log."""

    severity: str
    check: str
    source: str
    row: int | None
    unit: str | None
    message: str


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Return findings as the quality-log frame, errors first, then by source and row."""
    df = pd.DataFrame([asdict(f) for f in findings], columns=QUALITY_COLUMNS)
    df["row"] = df["row"].astype("Int64")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    df = df.assign(_o=df["severity"].map(order)).sort_values(
        ["_o", "source", "row"], kind="stable", na_position="first"
    )
    return df.drop(columns="_o").reset_index(drop=True)


def fmt(value: float | None) -> str:
    """Return a figure for an English log message (1,487,307; 12.5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "blank"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _value(p: ParsedNumber | None) -> float | None:
    return None if p is None else p.value


def check_totals_rows(
    table: Table, labels: dict[str, str], non_additive: set[str] | None = None
) -> list[Finding]:
    """Compare every totals row, and every group row with figures, with its unit rows' sum.

    A totals row under a group ("Cộng") may total that group or the whole table; it passes
    if it equals either. Non-additive columns (percentages) are left to the rule checks.
    """
    src = table.grid.source
    units = table.units
    skip = non_additive or set()
    subtotal_groups = [r for r in table.rows if r.kind == "group" and r.values]
    if not table.totals and not subtotal_groups:
        return [
            Finding(
                "info",
                "totals_row",
                src,
                None,
                None,
                "the table has no totals row; its column sums are reported as computed",
            )
        ]
    out = []
    groups = {r.group for r in units}
    for total in table.totals + subtotal_groups:
        scopes: list[tuple[str, list[Row]]] = []
        if total.kind == "group":
            scopes.append((f"group '{total.name}'", [r for r in units if r.group == total.name]))
        else:
            before = [r for r in units if r.index < total.index]
            group = before[-1].group if before else None
            in_group = [r for r in units if r.group == group] if group is not None else []
            whole = ("the table", units)
            part = (f"group '{group}'", in_group)
            if in_group and len(groups) > 1:
                plain_cong = text_key(total.name) == "cong"
                scopes = [part, whole] if plain_cong else [whole, part]
            else:
                scopes = [whole]
        label = "group row" if total.kind == "group" else "totals row"
        unchecked = dict(total.unreadable)  # formulas without values, text
        for k, v in total.values.items():
            rows = [r for r in units if r.values.get(k) is not None]
            if v is None and k not in skip | set(unchecked) and rows and total.kind == "total":
                summed = sum(_value(r.values.get(k)) or 0.0 for r in rows)
                unchecked[k] = (
                    f"blank, while {len(rows)} unit row(s) have figures adding up to {fmt(summed)}"
                )
        for k, why in unchecked.items():
            out.append(
                Finding(
                    "warning",
                    "totals_row",
                    src,
                    total.number,
                    None,
                    f"{label} '{total.name}', column {labels[k]}: {why}; that column is not "
                    "checked against the unit rows",
                )
            )
        refs = [k for k, v in total.values.items() if v is not None and k not in skip]
        sums = {
            name: {k: sum(_value(r.values.get(k)) or 0.0 for r in rows) for k in refs}
            for name, rows in scopes
        }

        ok = [name for name, _ in scopes if not _disagreeing(total, refs, sums[name])]
        if ok and not refs:
            continue  # nothing readable to compare: said above
        if ok:
            n = len(dict(scopes)[ok[0]])
            out.append(
                Finding(
                    "info",
                    "totals_row",
                    src,
                    total.number,
                    None,
                    f"{label} '{total.name}' agrees with the sum of the {n} unit rows of "
                    f"{ok[0]} in all {len(refs)} columns; it is used as a check, not loaded "
                    "as a unit",
                )
            )
            continue
        name, rows = scopes[0]
        for k in _disagreeing(total, refs, sums[name]):
            stated = total.values[k].value
            out.append(
                Finding(
                    "error",
                    "totals_row",
                    src,
                    total.number,
                    None,
                    f"{label} '{total.name}', column {labels[k]}: states {fmt(stated)} but "
                    f"the {len(rows)} unit rows of {name} add up to {fmt(sums[name][k])} "
                    f"(difference {fmt(stated - sums[name][k])})",
                )
            )
    return out


def _disagreeing(total: Row, refs: list[str], sums: dict[str, float]) -> list[str]:
    """Return the columns where a totals row differs from the sums beyond its precision."""
    bad = []
    for k in refs:
        stated = total.values[k]
        if not math.isclose(sums[k], stated.value, abs_tol=10**-stated.decimals / 2):
            bad.append(k)
    return bad


def _rule_value(rule: Rule, row: Row) -> float | None:
    """Return what the rule computes for one row, or None if an input is blank."""
    refs = rule.refs()
    vals = [_value(row.values.get(r)) for r in refs]
    if any(v is None for v in vals):
        return None
    if rule.share is not None:
        return rule.share * vals[0]
    if rule.sum:
        return float(sum(vals))
    if rule.difference:
        return vals[0] - vals[1]
    if rule.percent:
        return None if vals[1] == 0 else 100.0 * vals[0] / vals[1]
    return None


def _describe_rule(rule: Rule, labels: dict[str, str], row: Row) -> str:
    def v(ref: str) -> str:
        return f"{labels[ref]} = {fmt(_value(row.values.get(ref)))}"

    if rule.share is not None:
        return f"{rule.share:.0%} of {v(rule.of)}"
    if rule.sum:
        return "the sum of " + ", ".join(labels[r] for r in rule.sum)
    if rule.difference:
        a, b = rule.difference
        return f"{v(a)} minus {v(b)}"
    a, b = rule.percent
    return f"{v(a)} as a percentage of {v(b)}"


def check_rules(table: Table, columns: list[ColumnMap], labels: dict[str, str]) -> list[Finding]:
    """Check every declared derived-column rule on every unit and totals row.

    The stated figure passes when it differs from the computed one by less than one unit of
    its last printed digit, so a truncated and a rounded last digit both pass.
    """
    src = table.grid.source
    out = []
    for col in columns:
        if col.rule is None:
            continue
        checked = bad = 0
        floored: list[Row] = []
        for row in table.units + table.totals:
            stated = row.values.get(col.ref)
            computed = _rule_value(col.rule, row)
            if stated is None or computed is None:
                continue
            checked += 1
            if col.rule.percent and computed < 0 and stated.value == 0:
                floored.append(row)  # the tables' convention: a negative result prints 0 %
                continue
            tol = 10.0**-stated.decimals
            if abs(stated.value - computed) >= tol - 1e-9:
                bad += 1
                out.append(
                    Finding(
                        "warning",
                        "derived_rule",
                        src,
                        row.number,
                        row.name if row.kind == "unit" else None,
                        f"column {labels[col.ref]} states {fmt(stated.value)} but its rule "
                        f"({_describe_rule(col.rule, labels, row)}) gives {fmt(computed)}; "
                        "the source figure is kept as stated",
                    )
                )
        if checked and not bad:
            out.append(
                Finding(
                    "info",
                    "derived_rule",
                    src,
                    None,
                    None,
                    f"column {labels[col.ref]}: its rule holds on all {checked} rows "
                    f"(within the printed precision)",
                )
            )
        if floored:
            out.append(
                Finding(
                    "info",
                    "derived_rule",
                    src,
                    floored[0].number,
                    None,
                    f"column {labels[col.ref]}: {len(floored)} row(s) print 0% where the "
                    "figure is negative (the tables' convention); the negative figure is kept "
                    "and achievement counts as 0%",
                )
            )
    return out


def check_declared_totals(
    declared: list[DeclaredTotal], figures: pd.DataFrame, card_source: str
) -> list[Finding]:
    """Compare the totals the plan's text declares with the unit table's sums."""
    out = []
    units = figures[(figures["level"] == "unit") & (figures["kind"] == "target")]
    for d in declared:
        part = units[(units["metric"] == d.metric) & (units["period"] == d.period)]
        if part.empty:
            out.append(
                Finding(
                    "info",
                    "declared_total",
                    card_source,
                    None,
                    None,
                    f"declared {d.metric} {d.period} = {fmt(d.value)} "
                    "has no unit table to check against",
                )
            )
            continue
        total = float(part["value"].sum())
        n = part["unit_id"].nunique()
        where = f" ({d.where})" if d.where else ""
        if math.isclose(total, d.value, abs_tol=0.5):
            out.append(
                Finding(
                    "info",
                    "declared_total",
                    card_source,
                    None,
                    None,
                    f"the {n} units' {d.metric} {d.period} targets add up to the declared "
                    f"{fmt(d.value)}{where}",
                )
            )
        else:
            gap = d.value - total
            share = total / d.value if d.value else float("nan")
            verb = "short of" if gap > 0 else "over"
            out.append(
                Finding(
                    "warning",
                    "declared_total",
                    card_source,
                    None,
                    None,
                    f"the {n} units' {d.metric} {d.period} targets add up to {fmt(total)}, "
                    f"{verb} the declared {fmt(d.value)}{where} by {fmt(abs(gap))} "
                    f"({share:.1%} of it): the table may be incomplete",
                )
            )
    return out


def check_zero_targets(figures: pd.DataFrame) -> list[Finding]:
    """Log each unit whose targets for a metric are all zero (achievement is undefined)."""
    t = figures[(figures["level"] == "unit") & (figures["kind"] == "target")]
    out = []
    for (_unit_id, name), part in t.groupby(["unit_id", "unit_name"], sort=False):
        zero = [
            m
            for m, p in part.groupby("metric", sort=False)
            if p["value"].notna().any() and (p["value"].fillna(0) == 0).all()
        ]
        if zero:
            first = part.iloc[0]
            out.append(
                Finding(
                    "info",
                    "zero_target",
                    _source(first),
                    int(first["row"]),
                    name,
                    f"all targets are 0 for {', '.join(zero)}: achievement will be shown as "
                    "undefined (no percentage), not 0% and not infinite",
                )
            )
    return out


def check_negatives(figures: pd.DataFrame) -> list[Finding]:
    """Report negative figures for metrics that cannot be negative."""
    out = []
    for _, r in figures[figures["value"] < 0].iterrows():
        if METRICS[r["metric"]].can_be_negative:
            continue
        out.append(
            Finding(
                "error",
                "negative_value",
                _source(r),
                _int(r["row"]),
                r["unit_name"],
                f"{r['kind']} {r['metric']} {r['period']} is {fmt(r['value'])} (column "
                f"{r['column']}): this metric cannot be negative",
            )
        )
    return out


def check_duplicate_units(
    rows: list[Row], ids: list[str], keys: list[str], src: str
) -> list[Finding]:
    """Report unit rows whose names are the same unit: an error to correct, never a merge."""
    out = []
    seen: dict[str, Row] = {}
    for row, uid, key in zip(rows, ids, keys, strict=True):
        if key in seen:
            first = seen[key]
            out.append(
                Finding(
                    "error",
                    "duplicate_unit",
                    src,
                    row.number,
                    row.name,
                    f"unit '{row.name}' appears twice: rows {first.number} (TT {first.tt}) and "
                    f"{row.number} (TT {row.tt}); kept apart as '{key}' and '{uid}', not merged: "
                    "correct the name in the source",
                )
            )
        else:
            seen[key] = row
    return out


def _source(r: pd.Series) -> str:
    return f"{r['source_file']}, {r['sheet']}" if r["sheet"] else str(r["source_file"])


def _int(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def check_running_totals(figures: pd.DataFrame, cal: Calendar) -> list[Finding]:
    """Check each running total (kind `cumulative`) against the half-year figures it spans.

    A running total to half-year c, less the previous running total (or 0 at the term's
    start), must equal the unit's half-year figures in between when all of them are known.
    A disagreement is a warning naming both; agreement is logged once per column.
    """
    f = figures[(figures["level"] == "unit") & figures["value"].notna()]
    cums = f[f["kind"] == "cumulative"]
    if cums.empty:
        return []
    flows = f[f["kind"] == "actual"]
    ids = [h.id for h in cal.halves()]
    out: list[Finding] = []
    agree: dict[tuple[str, str, str], int] = {}
    partial: dict[tuple[str, str, str], int] = {}
    for (uid, metric), part in cums.groupby(["unit_id", "metric"], sort=False):
        mine = flows[(flows["unit_id"] == uid) & (flows["metric"] == metric)]
        by_half = dict(zip(mine["period"], mine["value"], strict=True))
        ends = sorted(
            ((cal.halves_in(str(r["period"]))[-1].id, r) for _, r in part.iterrows()),
            key=lambda e: ids.index(e[0]),
        )
        prev_end, prev_value = None, 0.0
        for end, r in ends:
            first = ids.index(prev_end) + 1 if prev_end else 0
            span = ids[first : ids.index(end) + 1]
            key = (_source(r), str(r["column"]), f"{metric} to {end}")
            if span and all(h in by_half for h in span):
                stated = float(r["value"]) - prev_value
                summed = float(sum(by_half[h] for h in span))
                if math.isclose(stated, summed, abs_tol=1e-6):
                    agree[key] = agree.get(key, 0) + 1
                else:
                    since = f" less the running total to {prev_end} ({fmt(prev_value)})"
                    out.append(
                        Finding(
                            "warning",
                            "running_total",
                            _source(r),
                            _int(r["row"]),
                            r["unit_name"],
                            f"running total of {metric} to {end} (column {r['column']}) is "
                            f"{fmt(r['value'])}{since if prev_end else ''}, but the half-year "
                            f"figures {span[0]} … {span[-1]} add up to {fmt(summed)} "
                            f"(difference {fmt(stated - summed)}); progress uses the running "
                            "total",
                        )
                    )
            elif any(h in by_half for h in span):
                partial[key] = partial.get(key, 0) + 1
            prev_end, prev_value = end, float(r["value"])
    said = {
        "agree": "equal the sum of the half-year figures for all {n} unit(s) that have both",
        "partial": "{n} unit(s) reported only some of the half-years it spans, so it could "
        "not be checked against them",
    }
    for how, counts in (("agree", agree), ("partial", partial)):
        for (src, column, what), n in counts.items():
            text = said[how].format(n=n)
            sep = " " if how == "agree" else ": "
            out.append(
                Finding(
                    "info",
                    "running_total",
                    src,
                    None,
                    None,
                    f"running totals of {what} (column {column}){sep}{text}",
                )
            )
    return out
