"""Quality checks: each returns findings, rows of the data-quality log. No check changes a figure.

Severities: `error` (a figure or table is wrong and must be corrected at the source),
`warning` (something to look at: a stated rule that does not hold, an incomplete table),
`info` (a cleaning decision, recorded so that nothing happens silently).

A finding keeps a machine form beside its English `message`: where it was found (`file`,
`sheet`, `column` as well as the log's `source`, `row` and `unit`), its sentence as a
`template` with `{placeholders}` (an English gettext message id, marked with `N_` where the
finding is made) and the `params` that fill it. `finding_text` renders that sentence in a
report's language; `message` is its English rendering, made when the finding is.

What a parameter's value is decides how it is shown: a float is a figure (1,487,307 and 12.5
in English, 1.487.307 and 12,5 in Vietnamese; a placeholder with a format spec such as
`{share:.1%}` keeps its spec), an int is a count, a row or a position (printed as it is),
None is a blank figure ('blank', 'trống'), and a str is shown as it is, except the words of
the keys in `WORD_KEYS` (metric names, kinds of figure, ...), which are translated.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ptdv.base.i18n import N_, translations, translator
from ptdv.plan.config import ColumnMap, DeclaredTotal, Rule
from ptdv.plan.metrics import METRICS
from ptdv.plan.periods import Calendar
from ptdv.tables.ingest import Grid, Row, Table, cell_text, text_key
from ptdv.tables.numbers import ParsedNumber, format_number

SEVERITIES = ("error", "warning", "info")
#: The quality log's columns: the six a reader sees first, then the finding's machine form.
QUALITY_COLUMNS = [
    "severity",
    "check",
    "source",
    "row",
    "unit",
    "message",
    "file",
    "sheet",
    "column",
    "template",
    "params",
]

#: Parameters whose values are words to translate, by key: (prefix, is a list). The gettext
#: id of a value `v` is `<prefix>:<v>` (its English side is `v` itself); a list holds several
#: values joined by ", ". A value without an entry (a period id such as 2025-H1, whose only
#: entry is `period:term`) is shown as it is.
WORD_KEYS: dict[str, tuple[str, bool]] = {
    "metric": ("metric", False),
    "metrics": ("metric", True),
    "kind": ("kind", False),
    "period": ("period", False),
    "frame": ("frame", False),
    "changes": ("name change", True),
}
#: The ids of those words (so that pybabel extracts them), and of a blank figure.
WORDS = (
    N_("metric:members_net"),
    N_("metric:members_admitted"),
    N_("metric:members_lost"),
    N_("metric:unions_founded"),
    N_("metric:members_total"),
    N_("metric:nonmember_workers"),
    N_("metric:workers"),
    N_("kind:target"),
    N_("kind:actual"),
    N_("kind:cumulative"),
    N_("kind:baseline"),
    N_("kind:derived"),
    N_("kind:info"),
    N_("period:term"),
    N_("frame:units"),
    N_("frame:figures"),
    N_("name change:decomposed Unicode (NFD) recomposed"),
    N_("name change:non-breaking or zero-width spaces replaced"),
    N_("name change:extra spaces removed"),
    N_("name change:spaces around hyphens removed"),
    N_("name change:markup removed"),
)
BLANK = N_("figure:blank")


@dataclass(frozen=True)
class Where:
    """Where a finding was made: the log's `source` ('file, sheet') and its parts."""

    source: str
    file: str | None = None
    sheet: str | None = None
    column: str | None = None

    @classmethod
    def of(cls, source: str) -> Where:
        """Return the place of a file or folder with no sheet (a plan card, a forms folder)."""
        return cls(source, source)

    @classmethod
    def grid(cls, grid: Grid) -> Where:
        """Return the place of a read table: its file name and sheet."""
        return cls(grid.source, grid.file.name, grid.sheet)

    def col(self, column: str | None) -> Where:
        """Return the same place narrowed to one column (its letter)."""
        return replace(self, column=column)


@dataclass(frozen=True)
class Finding:
    """One row of the data-quality log.

    Two findings are equal when their six log columns are: the machine form (file, sheet,
    column, template, params) says the same thing in another shape.
    """

    severity: str
    check: str
    source: str
    row: int | None
    unit: str | None
    message: str
    file: str | None = field(default=None, compare=False)
    sheet: str | None = field(default=None, compare=False)
    column: str | None = field(default=None, compare=False)
    template: str = field(default="", compare=False)
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def _param(key: str, value: object) -> str | int | float | None:
    """Return a parameter as plain JSON data: NaN and pandas' NA become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        raise TypeError(f"finding parameter {key!r}: a bool is not a figure, count or text")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        return int(value)  # type: ignore[call-overload]
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        number = float(value)  # type: ignore[arg-type]
        return None if math.isnan(number) else number
    raise TypeError(f"finding parameter {key!r}: unsupported type {type(value).__name__}")


def finding(
    severity: str,
    check: str,
    where: Where | str,
    row: int | None,
    unit: str | None,
    template: str,
    /,
    **params: object,
) -> Finding:
    """Return a finding made from its sentence's template (marked `N_`) and parameters.

    `where` is a `Where` or a plain source (a file or folder with no sheet). The message is
    the template's English rendering, so the quality log reads as it always has.
    """
    place = Where.of(where) if isinstance(where, str) else where
    plain = {k: _param(k, v) for k, v in params.items()}
    return Finding(
        severity,
        check,
        place.source,
        None if row is None else int(row),
        unit,
        _render(template, plain, "en", translate=False),
        place.file,
        place.sheet,
        place.column,
        template,
        plain,
    )


class _Formatter(string.Formatter):
    """Fill a template's placeholders with figures, counts and words in one language."""

    def __init__(self, lang: str, translate: bool) -> None:
        super().__init__()
        self.lang = lang
        self.gettext = translations(lang).gettext if translate else None

    def word(self, word_id: str, plain: str) -> str:
        """Return a word's translation, or `plain` when the catalogue does not have it."""
        if self.gettext is None:
            return plain
        text = self.gettext(word_id)
        return plain if text == word_id else text

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:  # noqa: ANN401
        """Return the placeholder's key with its value, so that format_field knows both."""
        return (key, kwargs[key])

    def format_field(self, value: Any, format_spec: str) -> str:  # noqa: ANN401
        """Return one parameter shown in the language."""
        key, v = value
        if v is None:
            return self.word(BLANK, "blank")
        if isinstance(v, str):
            if key not in WORD_KEYS:
                return v
            prefix, many = WORD_KEYS[key]
            items = v.split(", ") if many else [v]
            return ", ".join(self.word(f"{prefix}:{item}", item) for item in items)
        if format_spec:
            text = format(v, format_spec)
            return text.translate(_VI_MARKS) if self.lang == "vi" else text
        if isinstance(v, int):
            return str(v)
        return figure(v, self.lang)


_VI_MARKS = str.maketrans({",": ".", ".": ","})


def figure(value: float | None, lang: str = "en") -> str:
    """Return a figure of a finding as `fmt` shows it, with the language's separators."""
    text = fmt(value)
    if lang == "en" or value is None or not math.isfinite(float(value)) or text == "blank":
        return text
    number = Decimal(text.replace(",", ""))
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(number, lang, decimals)


def _render(template: str, params: Mapping[str, Any], lang: str, *, translate: bool) -> str:
    """Return the template (translated if asked) with its placeholders filled."""
    text = translator(lang)(template) if translate and template else template
    return _Formatter(lang, translate).vformat(text, (), dict(params))


def finding_text(template: str, params: Mapping[str, Any], lang: str) -> str:
    """Return a finding's sentence in `lang` (vi or en) from its template and parameters.

    For `en` this is the finding's `message`. Figures take the language's separators
    (12.884 and 12,5 in Vietnamese) and word parameters (WORD_KEYS) its words.
    """
    return _render(template, params, lang, translate=True)


def quality_text(row: Mapping[str, Any], lang: str) -> str:
    """Return the sentence of one quality-log row (as read from quality.csv) in `lang`.

    The row's `params` may be the JSON text of quality.csv or a dict; a row without a
    template (a log written before templates existed) gives its English `message`.
    """
    template = row.get("template")
    if not isinstance(template, str) or not template:
        return str(row.get("message", ""))
    params = row.get("params")
    if isinstance(params, str):
        params = json.loads(params)
    return finding_text(template, params or {}, lang)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Return findings as the quality-log frame, errors first, then by source and row.

    `params` is written as JSON text (sorted keys, UTF-8 as is).
    """
    rows = [
        {
            "severity": f.severity,
            "check": f.check,
            "source": f.source,
            "row": f.row,
            "unit": f.unit,
            "message": f.message,
            "file": f.file,
            "sheet": f.sheet,
            "column": f.column,
            "template": f.template,
            "params": json.dumps(f.params, ensure_ascii=False, sort_keys=True),
        }
        for f in findings
    ]
    df = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
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


def _why_unreadable(table: Table, row: Row, ref: str) -> tuple[str, dict[str, str]]:
    """Return why a totals row's cell could not be read: 'formula' or 'text', and its params."""
    col = next(c for c in table.columns if c.ref == ref)
    grid = table.grid
    cell = f"{col.letter}{grid.row_numbers[row.index]}"
    formula = grid.formulas.get((row.index, col.index))
    if formula is not None and grid.cell(row.index, col.index) is None:
        return "formula", {"formula": formula, "cell": cell}
    return "text", {"text": cell_text(grid.cell(row.index, col.index)), "cell": cell}


#: A totals or group row's column that is not checked: (row kind, why) -> template.
_UNCHECKED = {
    ("group", "formula"): N_(
        "group row '{name}', column {column}: the formula {formula} in cell {cell} has no "
        "computed value; that column is not checked against the unit rows"
    ),
    ("group", "text"): N_(
        "group row '{name}', column {column}: the text '{text}' in cell {cell} is not a "
        "number; that column is not checked against the unit rows"
    ),
    ("total", "formula"): N_(
        "totals row '{name}', column {column}: the formula {formula} in cell {cell} has no "
        "computed value; that column is not checked against the unit rows"
    ),
    ("total", "text"): N_(
        "totals row '{name}', column {column}: the text '{text}' in cell {cell} is not a "
        "number; that column is not checked against the unit rows"
    ),
    ("total", "blank"): N_(
        "totals row '{name}', column {column}: blank, while {rows} unit row(s) have figures "
        "adding up to {sum}; that column is not checked against the unit rows"
    ),
}
#: A totals or group row that agrees with, or differs from, the unit rows it totals:
#: (row kind, scope) -> template; the scope is a group or the whole table.
_AGREES = {
    ("group", "group"): N_(
        "group row '{name}' agrees with the sum of the {rows} unit rows of group '{group}' in "
        "all {columns} columns; it is used as a check, not loaded as a unit"
    ),
    ("total", "group"): N_(
        "totals row '{name}' agrees with the sum of the {rows} unit rows of group '{group}' in "
        "all {columns} columns; it is used as a check, not loaded as a unit"
    ),
    ("total", "table"): N_(
        "totals row '{name}' agrees with the sum of the {rows} unit rows of the table in all "
        "{columns} columns; it is used as a check, not loaded as a unit"
    ),
}
_DIFFERS = {
    ("group", "group"): N_(
        "group row '{name}', column {column}: states {stated} but the {rows} unit rows of "
        "group '{group}' add up to {sum} (difference {difference})"
    ),
    ("total", "group"): N_(
        "totals row '{name}', column {column}: states {stated} but the {rows} unit rows of "
        "group '{group}' add up to {sum} (difference {difference})"
    ),
    ("total", "table"): N_(
        "totals row '{name}', column {column}: states {stated} but the {rows} unit rows of the "
        "table add up to {sum} (difference {difference})"
    ),
}


def check_totals_rows(
    table: Table, labels: dict[str, str], non_additive: set[str] | None = None
) -> list[Finding]:
    """Compare every totals row, and every group row with figures, with its unit rows' sum.

    A totals row under a group ("Cộng") may total that group or the whole table; it passes
    if it equals either. Non-additive columns (percentages) are left to the rule checks.
    """
    src = Where.grid(table.grid)
    letters = {c.ref: c.letter for c in table.columns if c.ref}
    units = table.units
    skip = non_additive or set()
    subtotal_groups = [r for r in table.rows if r.kind == "group" and r.values]
    if not table.totals and not subtotal_groups:
        return [
            finding(
                "info",
                "totals_row",
                src,
                None,
                None,
                N_("the table has no totals row; its column sums are reported as computed"),
            )
        ]
    out = []
    groups = {r.group for r in units}
    # unit rows by group, as positions in `units`, and the columns as arrays (cached)
    members: dict[str | None, list[int]] = {}
    for k, r in enumerate(units):
        members.setdefault(r.group, []).append(k)
    all_rows = np.arange(len(units))
    columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def column(ref: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (value or 0.0, has a figure) of a column over the unit rows."""
        if ref not in columns:
            values, decimals, _ = table.unit_figures(ref)
            present = decimals >= 0
            columns[ref] = (np.where(present, values, 0.0), present)
        return columns[ref]

    def total_of(ref: str, at: np.ndarray) -> float:
        """Return the sum of a column over some unit rows, added in row order (as sum())."""
        if not len(at):
            return 0
        return float(np.cumsum(column(ref)[0][at])[-1])

    for total in table.totals + subtotal_groups:
        # scopes: (group name or None for the whole table, its unit rows as positions)
        scopes: list[tuple[str | None, np.ndarray]] = []
        if total.kind == "group":
            scopes.append((total.name, np.asarray(members.get(total.name, []), dtype=np.int64)))
        else:
            before = [r for r in units if r.index < total.index]
            group = before[-1].group if before else None
            in_group = (
                np.asarray(members.get(group, []), dtype=np.int64)
                if group is not None
                else np.zeros(0, dtype=np.int64)
            )
            whole = (None, all_rows)
            part = (group, in_group)
            if len(in_group) and len(groups) > 1:
                plain_cong = text_key(total.name) == "cong"
                scopes = [part, whole] if plain_cong else [whole, part]
            else:
                scopes = [whole]
        kind = "group" if total.kind == "group" else "total"
        unchecked: dict[str, tuple[str, dict[str, Any]]] = {
            k: _why_unreadable(table, total, k) for k in total.unreadable
        }  # formulas without values, text
        for k, v in total.values.items():
            if v is None and k not in skip | set(unchecked) and total.kind == "total":
                present = column(k)[1]
                if present.any():
                    summed = total_of(k, np.flatnonzero(present))
                    unchecked[k] = ("blank", {"rows": int(present.sum()), "sum": float(summed)})
        for k, (why, params) in unchecked.items():
            out.append(
                finding(
                    "warning",
                    "totals_row",
                    src.col(letters.get(k)),
                    total.number,
                    None,
                    _UNCHECKED[kind, why],
                    name=total.name,
                    column=labels[k],
                    **params,
                )
            )
        refs = [k for k, v in total.values.items() if v is not None and k not in skip]
        sums = [{k: total_of(k, rows) for k in refs} for _, rows in scopes]

        ok = [i for i, _ in enumerate(scopes) if not _disagreeing(total, refs, sums[i])]
        if ok and not refs:
            continue  # nothing readable to compare: said above
        if ok:
            group, rows = scopes[ok[0]]
            out.append(
                finding(
                    "info",
                    "totals_row",
                    src,
                    total.number,
                    None,
                    _AGREES[kind, "table" if group is None else "group"],
                    name=total.name,
                    rows=len(rows),
                    group=group,
                    columns=len(refs),
                )
            )
            continue
        group, rows = scopes[0]
        for k in _disagreeing(total, refs, sums[0]):
            stated = total.values[k].value
            out.append(
                finding(
                    "error",
                    "totals_row",
                    src.col(letters.get(k)),
                    total.number,
                    None,
                    _DIFFERS[kind, "table" if group is None else "group"],
                    name=total.name,
                    column=labels[k],
                    stated=float(stated),
                    rows=len(rows),
                    group=group,
                    sum=float(sums[0][k]),
                    difference=float(stated - sums[0][k]),
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


#: A derived column's figure that its rule does not give, by the rule's form.
_RULE_BROKEN = {
    "share": N_(
        "column {column} states {stated} but its rule ({share:.0%} of {of} = {of_value}) "
        "gives {computed}; the source figure is kept as stated"
    ),
    "sum": N_(
        "column {column} states {stated} but its rule (the sum of {columns}) gives {computed}; "
        "the source figure is kept as stated"
    ),
    "difference": N_(
        "column {column} states {stated} but its rule ({a} = {a_value} minus {b} = {b_value}) "
        "gives {computed}; the source figure is kept as stated"
    ),
    "percent": N_(
        "column {column} states {stated} but its rule ({a} = {a_value} as a percentage of "
        "{b} = {b_value}) gives {computed}; the source figure is kept as stated"
    ),
}


def _rule_params(rule: Rule, labels: dict[str, str], row: Row) -> tuple[str, dict[str, Any]]:
    """Return the form of a rule ('share', 'sum', ...) and the parameters describing it."""
    if rule.share is not None:
        return "share", {
            "share": float(rule.share),
            "of": labels[rule.of],
            "of_value": _value(row.values.get(rule.of)),
        }
    if rule.sum:
        return "sum", {"columns": ", ".join(labels[r] for r in rule.sum)}
    a, b = rule.difference or rule.percent
    params = {
        "a": labels[a],
        "a_value": _value(row.values.get(a)),
        "b": labels[b],
        "b_value": _value(row.values.get(b)),
    }
    return ("difference" if rule.difference else "percent"), params


def check_rules(table: Table, columns: list[ColumnMap], labels: dict[str, str]) -> list[Finding]:
    """Check every declared derived-column rule on every unit and totals row.

    The stated figure passes when it differs from the computed one by less than one unit of
    its last printed digit, so a truncated and a rounded last digit both pass.
    """
    src = Where.grid(table.grid)
    letters = {c.ref: c.letter for c in table.columns if c.ref}
    out = []
    for col in columns:
        if col.rule is None:
            continue
        here = src.col(letters.get(col.ref))
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
                form, params = _rule_params(col.rule, labels, row)
                out.append(
                    finding(
                        "warning",
                        "derived_rule",
                        here,
                        row.number,
                        row.name if row.kind == "unit" else None,
                        _RULE_BROKEN[form],
                        column=labels[col.ref],
                        stated=float(stated.value),
                        computed=float(computed),
                        **params,
                    )
                )
        if checked and not bad:
            out.append(
                finding(
                    "info",
                    "derived_rule",
                    here,
                    None,
                    None,
                    N_(
                        "column {column}: its rule holds on all {rows} rows (within the printed "
                        "precision)"
                    ),
                    column=labels[col.ref],
                    rows=checked,
                )
            )
        if floored:
            out.append(
                finding(
                    "info",
                    "derived_rule",
                    here,
                    floored[0].number,
                    None,
                    N_(
                        "column {column}: {rows} row(s) print 0% where the figure is negative "
                        "(the tables' convention); the negative figure is kept and achievement "
                        "counts as 0%"
                    ),
                    column=labels[col.ref],
                    rows=len(floored),
                )
            )
    return out


#: The units' targets against a total the plan's text declares, with and without where.
_DECLARED = {
    ("agree", False): N_(
        "the {units} units' {metric} {period} targets add up to the declared {declared}"
    ),
    ("agree", True): N_(
        "the {units} units' {metric} {period} targets add up to the declared {declared} ({where})"
    ),
    ("short", False): N_(
        "the {units} units' {metric} {period} targets add up to {total}, short of the "
        "declared {declared} by {gap} ({share:.1%} of it): the table may be incomplete"
    ),
    ("short", True): N_(
        "the {units} units' {metric} {period} targets add up to {total}, short of the "
        "declared {declared} ({where}) by {gap} ({share:.1%} of it): the table may be "
        "incomplete"
    ),
    ("over", False): N_(
        "the {units} units' {metric} {period} targets add up to {total}, over the declared "
        "{declared} by {gap} ({share:.1%} of it): the table may be incomplete"
    ),
    ("over", True): N_(
        "the {units} units' {metric} {period} targets add up to {total}, over the declared "
        "{declared} ({where}) by {gap} ({share:.1%} of it): the table may be incomplete"
    ),
}


def check_declared_totals(
    declared: list[DeclaredTotal], figures: pd.DataFrame, card_source: str
) -> list[Finding]:
    """Compare the totals the plan's text declares with the unit table's sums."""
    out = []
    src = Where.of(card_source)
    if not declared:
        return out
    is_target = (figures["level"] == "unit") & (figures["kind"] == "target")
    units = figures.loc[is_target, ["metric", "period", "unit_id", "value"]]
    for d in declared:
        part = units[(units["metric"] == d.metric) & (units["period"] == d.period)]
        what = {"metric": d.metric, "period": d.period, "declared": float(d.value)}
        if part.empty:
            out.append(
                finding(
                    "info",
                    "declared_total",
                    src,
                    None,
                    None,
                    N_(
                        "declared {metric} {period} = {declared} has no unit table to check against"
                    ),
                    **what,
                )
            )
            continue
        total = float(part["value"].sum())
        what |= {"units": int(part["unit_id"].nunique())}
        if d.where:
            what["where"] = d.where
        if math.isclose(total, d.value, abs_tol=0.5):
            template = _DECLARED["agree", bool(d.where)]
            out.append(finding("info", "declared_total", src, None, None, template, **what))
        else:
            gap = d.value - total
            share = total / d.value if d.value else float("nan")
            template = _DECLARED["short" if gap > 0 else "over", bool(d.where)]
            what |= {"total": total, "gap": float(abs(gap)), "share": share}
            out.append(finding("warning", "declared_total", src, None, None, template, **what))
    return out


#: Why a hidden sheet was read: the plan card names it, or it is a unit's report form.
_HIDDEN_SHEET = {
    "card": N_(
        "the sheet is hidden in the workbook; it was read because the plan card names it "
        "(visible sheets: {sheets})"
    ),
    "form": N_(
        "the sheet is hidden in the workbook; it was read because it is the report form's "
        "sheet, '{sheet}' (visible sheets: {sheets})"
    ),
}


def hidden_findings(table: Table, src: Where, *, sheet: str = "card") -> list[Finding]:
    """Return warnings for a hidden sheet read and for hidden unit, totals or group rows read.

    `sheet` says why the sheet was read: "card" (the plan card names it) or "form" (a unit's
    report form, read by its sheet's name even when hidden).
    """
    grid = table.grid
    out = []
    if grid.hidden_sheet:
        where = {"sheet": grid.sheet} if sheet == "form" else {}
        sheets = ", ".join(grid.visible_sheets) or "-"
        out.append(
            finding(
                "warning", "hidden", src, None, None, _HIDDEN_SHEET[sheet], **where, sheets=sheets
            )
        )
    hidden = set(grid.hidden_rows)
    for r in table.rows:
        if r.number in hidden and r.kind in ("unit", "total", "group"):
            out.append(
                finding(
                    "warning",
                    "hidden",
                    src,
                    r.number,
                    r.name if r.kind == "unit" else None,
                    N_(
                        "row {row} is hidden in Excel; its figures are read and counted like "
                        "the others (delete the row if they should not count)"
                    ),
                    row=r.number,
                )
            )
    return out


def check_zero_targets(figures: pd.DataFrame) -> list[Finding]:
    """Log each unit whose targets for a metric are all zero (achievement is undefined)."""
    t = figures[(figures["level"] == "unit") & (figures["kind"] == "target")]
    out: list[Finding] = []
    if t.empty:
        return out
    # per unit and metric, in order of first appearance: any figure, and any that is not 0
    # (integer codes, not text keys: a national table has 270,000 targets; a blank unit or
    # metric forms no group, as in pandas' groupby)
    codes = [pd.factorize(t[k])[0] for k in ("unit_id", "unit_name", "metric")]
    keep = np.flatnonzero((codes[0] >= 0) & (codes[1] >= 0) & (codes[2] >= 0))
    unit = codes[0][keep] * np.int64(codes[1].max() + 1) + codes[1][keep]
    group, pairs = pd.factorize(unit * np.int64(codes[2].max() + 1) + codes[2][keep])
    value = t["value"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    known = np.bincount(group, weights=~np.isnan(value), minlength=len(pairs)) > 0
    nonzero = np.bincount(group, weights=np.nan_to_num(value) != 0, minlength=len(pairs)) > 0
    zero = np.flatnonzero(known & ~nonzero)  # the groups, in order of first appearance
    if not len(zero):
        return out
    first_of_group = _first_index(group)
    unit_code = pd.factorize(unit)[0]
    first_of_unit = keep[_first_index(unit_code)]  # a unit's first target row
    metric = t["metric"].to_numpy(dtype=object)
    zeros: dict[int, list[str]] = {}  # unit code -> its all-zero metrics
    for g in zero:
        zeros.setdefault(unit_code[first_of_group[g]], []).append(metric[keep[first_of_group[g]]])
    order = sorted(zeros, key=lambda u: first_of_unit[u])  # units in order of first target
    firsts = t.iloc[[first_of_unit[u] for u in order]]
    rows = firsts[["unit_name", "row", "source_file", "sheet", "column"]].to_dict("records")
    for u, row in zip(order, rows, strict=True):
        name = row["unit_name"]
        out.append(
            finding(
                "info",
                "zero_target",
                _where(row, column=False),
                int(row["row"]),
                name,
                N_(
                    "all targets are 0 for {metrics}: achievement will be shown as "
                    "undefined (no percentage), not 0% and not infinite"
                ),
                metrics=", ".join(zeros[u]),
            )
        )
    return out


def _first_index(codes: np.ndarray) -> np.ndarray:
    """Return, for each code 0, 1, ... of a factorisation, where it first occurs in `codes`."""
    return np.unique(codes, return_index=True)[1]


def check_negatives(figures: pd.DataFrame) -> list[Finding]:
    """Report negative figures for metrics that cannot be negative."""
    out = []
    negative = figures[figures["value"] < 0]
    signed = {m: METRICS[m].can_be_negative for m in negative["metric"].unique()}
    for _, r in negative[~negative["metric"].map(signed).astype(bool)].iterrows():
        out.append(
            finding(
                "error",
                "negative_value",
                _where(r),
                _int(r["row"]),
                r["unit_name"],
                N_(
                    "{kind} {metric} {period} is {value} (column {column}): this metric cannot "
                    "be negative"
                ),
                kind=r["kind"],
                metric=r["metric"],
                period=r["period"],
                value=float(r["value"]),
                column=r["column"],
            )
        )
    return out


def check_duplicate_units(
    rows: list[Row], ids: list[str], keys: list[str], src: Where | str
) -> list[Finding]:
    """Report unit rows whose names are the same unit: an error to correct, never a merge."""
    out = []
    seen: dict[str, Row] = {}
    for row, uid, key in zip(rows, ids, keys, strict=True):
        if key in seen:
            first = seen[key]
            out.append(
                finding(
                    "error",
                    "duplicate_unit",
                    src,
                    row.number,
                    row.name,
                    N_(
                        "unit '{name}' appears twice: rows {first_row} (TT {first_tt}) and "
                        "{row} (TT {tt}); kept apart as '{key}' and '{unit_id}', not merged: "
                        "correct the name in the source"
                    ),
                    name=row.name,
                    first_row=first.number,
                    first_tt=first.tt,
                    row=row.number,
                    tt=row.tt,
                    key=key,
                    unit_id=uid,
                )
            )
        else:
            seen[key] = row
    return out


def _sheet(r: pd.Series) -> str | None:
    """Return a tidy figure's sheet, None for a text file's (None, NaN or empty)."""
    return r["sheet"] if isinstance(r["sheet"], str) and r["sheet"] else None


def _source(r: pd.Series) -> str:
    sheet = _sheet(r)
    return f"{r['source_file']}, {sheet}" if sheet else str(r["source_file"])


def _where(r: pd.Series, *, column: bool = True) -> Where:
    """Return where a tidy figure came from (its column too, unless column=False)."""
    col = str(r["column"]) if column else None
    return Where(_source(r), str(r["source_file"]), _sheet(r), col)


def _int(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


_RUNNING_DIFFERS = {
    False: N_(
        "running total of {metric} to {end} (column {column}) is {value}, but the half-year "
        "figures {first} … {last} add up to {sum} (difference {difference}); progress uses "
        "the running total"
    ),
    True: N_(
        "running total of {metric} to {end} (column {column}) is {value} less the running "
        "total to {previous_end} ({previous}), but the half-year figures {first} … {last} add "
        "up to {sum} (difference {difference}); progress uses the running total"
    ),
}
_RUNNING_SUMMARY = {
    "agree": N_(
        "running totals of {metric} to {end} (column {column}) equal the sum of the half-year "
        "figures for all {units} unit(s) that have both"
    ),
    "partial": N_(
        "running totals of {metric} to {end} (column {column}): {units} unit(s) reported only "
        "some of the half-years it spans, so it could not be checked against them"
    ),
}


def check_running_totals(figures: pd.DataFrame, cal: Calendar) -> list[Finding]:
    """Check each running total (kind `cumulative`) against the half-year figures it spans.

    A running total to half-year c, less the previous running total (or 0 at the term's
    start), must equal the unit's half-year figures in between when all of them are known.
    A disagreement is a warning naming both; agreement is logged once per column.
    """
    known = (figures["level"] == "unit") & figures["value"].notna()
    is_cum = known & (figures["kind"] == "cumulative")
    if not is_cum.any():  # the usual case: no copy of the long table (a second at 135k units)
        return []
    cums = figures[is_cum]
    flows = figures.loc[
        known & (figures["kind"] == "actual"), ["unit_id", "metric", "period", "value"]
    ]
    ids = [h.id for h in cal.halves()]
    out: list[Finding] = []
    # (where, metric, end) -> number of units
    agree: dict[tuple[Where, str, str], int] = {}
    partial: dict[tuple[Where, str, str], int] = {}
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
            key = (_where(r), str(metric), end)
            if span and all(h in by_half for h in span):
                stated = float(r["value"]) - prev_value
                summed = float(sum(by_half[h] for h in span))
                if math.isclose(stated, summed, abs_tol=1e-6):
                    agree[key] = agree.get(key, 0) + 1
                else:
                    since = {"previous_end": prev_end, "previous": prev_value} if prev_end else {}
                    out.append(
                        finding(
                            "warning",
                            "running_total",
                            _where(r),
                            _int(r["row"]),
                            r["unit_name"],
                            _RUNNING_DIFFERS[bool(prev_end)],
                            metric=metric,
                            end=end,
                            column=str(r["column"]),
                            value=float(r["value"]),
                            first=span[0],
                            last=span[-1],
                            sum=summed,
                            difference=stated - summed,
                            **since,
                        )
                    )
            elif any(h in by_half for h in span):
                partial[key] = partial.get(key, 0) + 1
            prev_end, prev_value = end, float(r["value"])
    for how, counts in (("agree", agree), ("partial", partial)):
        for (where, metric, end), n in counts.items():
            out.append(
                finding(
                    "info",
                    "running_total",
                    where,
                    None,
                    None,
                    _RUNNING_SUMMARY[how],
                    metric=metric,
                    end=end,
                    column=where.column,
                    units=n,
                )
            )
    return out
