"""Turn a plan's raw tables into tidy tables and a data-quality log (pure apart from reading).

Tidy ("long") form: one row per unit x metric x period, with the file, sheet, row and column
every figure came from. `write_outputs` writes them to data/processed/<plan-id>/ atomically.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow

from ptdv import __version__
from ptdv.base import frames, paths
from ptdv.base.atomic import raise_if_no_space, replace_dir, staging_dir
from ptdv.base.errors import DataError
from ptdv.base.i18n import N_
from ptdv.base.memory import gc_paused
from ptdv.base.safety import csv_escape_frame, unique_stem
from ptdv.base.steps import file_sha256
from ptdv.plan.config import PlanCard, Source
from ptdv.plan.periods import Calendar
from ptdv.tables import checks, forms, schemas
from ptdv.tables.checks import Finding, Where, finding
from ptdv.tables.ingest import Table, read_table
from ptdv.tables.schemas import FIGURE_COLUMNS, INFO_COLUMNS, UNIT_COLUMNS
from ptdv.tables.units import clean_name, clean_names_and_keys, unit_key

#: Columns that say where a figure came from; two copies of a table differ only in these.
PROVENANCE = ["source_file", "sheet", "row", "column"]


#: The tidy kinds of the targets table; every other kind goes to the actuals.
TARGET_KINDS = ("target",)


@dataclass
class SourceResult:
    """What one file of a source cleaned into.

    Its figures come as two frames, the targets and the rest (actuals, running totals,
    baselines), each in the table's order (unit by unit, column by column): the processed
    tables are these two, and a national table's figures (3 M rows at 135,000 units) are
    never held whole and split in a second copy.
    """

    file: Path
    table: Table
    units: pd.DataFrame
    targets: pd.DataFrame
    actuals: pd.DataFrame
    findings: list[Finding]
    info: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INFO_COLUMNS))

    @property
    def figures(self) -> pd.DataFrame:
        """Return all the figures as one frame, in the table's order (to compare a copy)."""
        both = pd.concat([self.targets, self.actuals], ignore_index=True)
        return _in_table_order(both, self.table)

    @figures.setter
    def figures(self, df: pd.DataFrame) -> None:
        self.targets, self.actuals = _split(df)


def _in_table_order(figures: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return figures of one table row by row, then column by column (as `_long` makes them)."""
    if figures.empty:
        return figures
    column_pos = {c.letter: c.index for c in table.columns}
    at = np.lexsort((figures["column"].map(column_pos).to_numpy(), figures["row"].to_numpy()))
    return figures.iloc[at].reset_index(drop=True)


def _split(figures: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the targets and the other figures of a frame, each in its order."""
    is_target = figures["kind"].isin(TARGET_KINDS)
    return (
        figures[is_target].reset_index(drop=True),
        figures[~is_target].reset_index(drop=True),
    )


@dataclass
class CleanResult:
    """A cleaned plan: tidy frames, the quality log, and the files read."""

    card: PlanCard
    units: pd.DataFrame
    targets: pd.DataFrame
    actuals: pd.DataFrame
    quality: pd.DataFrame
    inputs: list[Path] = field(default_factory=list)
    info: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INFO_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """Return the unit-level sums per kind, metric and period, in table order."""
        keys = ["kind", "metric", "period"]
        parts = [  # each table on its own: the two are never copied into one
            f.loc[f["level"] == "unit", [*keys, "value"]]
            .groupby(keys, sort=False)["value"]
            .agg(["count", "sum"])
            for f in (self.targets, self.actuals)
        ]
        return pd.concat(parts).rename(columns={"count": "units", "sum": "total"}).reset_index()


def _labels(table: Table) -> dict[str, str]:
    return {c.ref: f"{c.letter} ({c.label})" for c in table.columns if c.ref}


#: how a text file was decoded, when not UTF-8 (Grid.encoding), for the quality log
_READ_AS = {
    "utf-16": N_('read as UTF-16 text (Excel\'s "Unicode text")'),
    "windows-1258": N_(
        "read as Windows-1258 text (an old Vietnamese code page); its separate tone marks "
        "were joined to their letters (NFC)"
    ),
}


def clean_file(card: PlanCard, source: Source, file: str) -> SourceResult:
    """Clean one file of a source (the source's own file or one of its copies)."""
    path = card.raw_path(file)
    spec = [(c.ref, c.header_path) for c in source.columns]
    sheet = source.sheet if path.suffix.lower() in (".xlsx", ".xlsm") else None
    table = read_table(path, sheet, spec, row_number=source.row_number, unit_name=source.unit_name)
    src = Where.grid(table.grid)
    labels = _labels(table)
    findings: list[Finding] = []

    # layout decisions, so that nothing is dropped silently
    rows_h = table.header_row_numbers
    if len(rows_h) > 1:
        findings.append(
            finding(
                "info",
                "layout",
                src,
                rows_h[0],
                None,
                N_(
                    "header found on rows {first}-{last}; {titles} line(s) above it skipped as "
                    "titles"
                ),
                first=rows_h[0],
                last=rows_h[-1],
                titles=table.header_rows[0],
            )
        )
    else:
        findings.append(
            finding(
                "info",
                "layout",
                src,
                rows_h[0],
                None,
                N_("header found on row {row}"),
                row=rows_h[0],
            )
        )
    encoding = getattr(table.grid, "encoding", None)
    if encoding in _READ_AS:
        findings.append(finding("info", "layout", src, None, None, _READ_AS[encoding]))
    findings += checks.hidden_findings(table, src)
    for number, drift in table.repeats:
        template = (
            N_(
                "header repeated after a page break (worded or spelled differently, e.g. CNLD "
                "for CNLĐ; same columns): skipped"
            )
            if drift
            else N_("header repeated after a page break: skipped")
        )
        findings.append(finding("info", "layout", src, number, None, template))
    n_colnum = [r.number for r in table.rows if r.kind == "column_numbers"]
    if n_colnum:
        findings.append(
            finding("info", "layout", src, n_colnum[0], None, N_("row of column numbers skipped"))
        )
    for r in table.rows:
        if r.kind == "group":
            findings.append(
                finding(
                    "info",
                    "layout",
                    src,
                    r.number,
                    None,
                    N_("group label '{name}' recorded as the units' group"),
                    name=r.name,
                )
            )
    trailer = table.trailer
    if trailer:
        findings.append(
            finding(
                "info",
                "layout",
                src,
                trailer[0].number,
                None,
                N_("{lines} line(s) of notes below the table ignored, from '{text}'"),
                lines=len(trailer),
                text=trailer[0].name[:60],
            )
        )
    mapped = {c.ref for c in source.columns}
    for col in table.columns:
        if col.index > table.name_col and col.ref is None and col.path:
            findings.append(
                finding(
                    "warning",
                    "unmapped_column",
                    src.col(col.letter),
                    rows_h[0],
                    None,
                    N_("column {letter} ({label}) is not in the plan card: not loaded"),
                    letter=col.letter,
                    label=col.label,
                )
            )
    assert mapped == {c.ref for c in table.columns if c.ref}

    # units: ids from normalised names; a repeated name is an error, never a merge
    aliases = {unit_key(k): v for k, v in source.aliases.items()}
    units = table.units
    keys, ids = [], []
    taken: set[str] = set()  # ids name files: a repeated name gets -2, -3... never a taken one
    raws = [r.raw_name or r.name for r in units]
    cleaned, changes, plains = clean_names_and_keys(raws)
    for r, name, changed, plain in zip(units, cleaned, changes, plains, strict=True):
        key = unit_key(aliases[plain]) if plain in aliases else plain
        keys.append(key)
        ids.append(unique_stem(key, taken))
        if changed and r.raw_name:
            findings.append(
                finding(
                    "info",
                    "unit_name",
                    src,
                    r.number,
                    name,
                    N_("name cleaned: {changes}"),
                    changes=", ".join(changed),
                )
            )
    findings += checks.check_duplicate_units(units, ids, keys, src)

    # the display names (the cell's text, cleaned): mostly the raw names cleaned above
    names = [
        name if r.name == raw else clean_name(r.name)
        for r, raw, name in zip(units, raws, cleaned, strict=True)
    ]
    n_units = len(units)
    unit_columns = {  # column by column: a national table has 135,000 units
        "plan_id": [card.plan_id] * n_units,
        "unit_id": ids,
        "unit_name": names,
        "order": list(range(1, n_units + 1)),
        "tt": [r.tt for r in units],
        "group": [r.group for r in units],
        "source_file": [path.name] * n_units,
        "sheet": [table.grid.sheet] * n_units,
        "row": [r.number for r in units],
    }
    by_ref = {c.ref: c for c in source.columns}
    letters = {c.ref: c.letter for c in table.columns if c.ref}
    # the mapped columns in the order of Row.values (the table's column order)
    refs = [c.ref for c in table.columns if c.ref]
    figure_refs = [r for r in refs if by_ref[r].kind not in ("derived", "info")]
    info_refs = [r for r in refs if by_ref[r].kind == "info"]  # derived: check-only columns
    where = {"source_file": path.name, "sheet": table.grid.sheet}

    def figures_of(these: list[str]) -> pd.DataFrame:
        return _long(
            table,
            these,
            ids,
            names,
            {"plan_id": card.plan_id, "level": "unit"},
            {
                "metric": [by_ref[r].metric for r in these],
                "period": [by_ref[r].period for r in these],
                "kind": [by_ref[r].tidy_kind for r in these],
            },
            where,
            letters,
            FIGURE_COLUMNS,
        )

    targets = figures_of([r for r in figure_refs if by_ref[r].tidy_kind in TARGET_KINDS])
    actuals = figures_of([r for r in figure_refs if by_ref[r].tidy_kind not in TARGET_KINDS])
    info = _long(
        table,
        info_refs,
        ids,
        names,
        {"plan_id": card.plan_id},
        {
            "name": [by_ref[r].name for r in info_refs],
            "period": [by_ref[r].period for r in info_refs],
        },
        where,
        letters,
        INFO_COLUMNS,
    )
    units_df = pd.DataFrame(unit_columns, columns=UNIT_COLUMNS)

    non_additive = (
        {c.ref for c in source.columns if c.rule and c.rule.percent}
        | {ref for ref in refs if units and table.unit_figures(ref)[2].any()}
        | {ref for r in table.totals for ref, v in r.values.items() if v and v.percent}
    )
    findings += checks.check_totals_rows(table, labels, non_additive)
    findings += checks.check_rules(table, source.columns, labels)
    # negative figures in the table's order: row by row, then column by column
    negative = pd.concat([f[f["value"] < 0] for f in (targets, actuals)], ignore_index=True)
    findings += checks.check_negatives(_in_table_order(negative, table))
    return SourceResult(path, table, units_df, targets, actuals, findings, info)


def _long(
    table: Table,
    refs: list[str],
    ids: list[str],
    names: list[str],
    constant: dict[str, str],
    per_column: dict[str, list],
    where: dict[str, str | None],
    letters: dict[str, str],
    columns: list[str],
) -> pd.DataFrame:
    """Return the figures of some mapped columns in long form: unit by unit, column by column.

    One row per unit row and column (`refs`, in Row.values' order): the constant fields, the
    unit's id and name, the column's own fields (`per_column`, one value per ref), the value
    (NaN where the cell holds no figure), the file, sheet, row and column letter.
    """
    units = table.units
    n, m = len(units), len(refs)
    if not n or not m:
        df = pd.DataFrame([], columns=columns)
        df["row"] = df["row"].astype("Int64")
        df["value"] = df["value"].astype("float64")
        return df
    values = np.column_stack([table.unit_figures(ref)[0] for ref in refs]).ravel()

    def across(items: list[str]) -> object:  # one text per unit, repeated over the columns
        return frames.texts(items, np.repeat(np.arange(n, dtype=np.int64), m))

    def down(items: list) -> object:  # one item per column, the same for every unit
        if all(type(v) is str for v in items):
            return _tiled(items, n)
        return np.asarray(items, dtype=object)[np.tile(np.arange(m, dtype=np.int64), n)]

    def everywhere(item: str | None) -> object:  # the same item on every row
        if item is not None and type(item) is not str:
            return np.full(n * m, item, dtype=object)
        # a fifth of the time _tiled takes; None (a text table's sheet): a text column
        # missing throughout, which pandera need not convert (2.8 M rows: 0.18 s)
        return frames.repeated(item, n * m)

    data: dict[str, object] = {k: everywhere(v) for k, v in constant.items()}
    data["unit_id"] = across(ids)
    data["unit_name"] = across(names)
    data.update({k: down(v) for k, v in per_column.items()})
    data["value"] = values.astype("float64")
    data["source_file"] = everywhere(where["source_file"])
    data["sheet"] = everywhere(where["sheet"])
    data["row"] = pd.array(np.repeat([r.number for r in units], m), dtype="Int64")
    data["column"] = down([letters[r] for r in refs])
    df = pd.DataFrame({k: data[k] for k in columns})
    return df


def _tiled(texts: list[str], times: int) -> pd.api.extensions.ExtensionArray:
    """Return `texts` one after another, `times` over, as a pandas text column.

    Made from the bytes at once (the texts' UTF-8 tiled, with their offsets), not by taking
    n * m items one by one: a national table's long tables have 2.8 M rows.
    """
    encoded = [text.encode("utf-8") for text in texts]
    starts = np.cumsum([0] + [len(e) for e in encoded], dtype=np.int64)  # within one round
    offsets = np.empty(len(texts) * times + 1, dtype=np.int64)
    offsets[:-1] = np.add.outer(np.arange(times, dtype=np.int64) * starts[-1], starts[:-1]).ravel()
    offsets[-1] = starts[-1] * times
    data = b"".join(encoded) * times  # bytes repeat by doubling copies
    column = pyarrow.LargeStringArray.from_buffers(
        len(texts) * times, pyarrow.py_buffer(offsets), pyarrow.py_buffer(data)
    )
    return pd.array(column, dtype=frames.TEXT)


def _compare_copy(primary: SourceResult, copy: SourceResult) -> list[Finding]:
    """Check that a copy of a table cleans to the same units and figures as the primary.

    Every field of the units frame but provenance (unit_name, order, tt, group) and every
    figure (present, blank or absent on either side) is compared; each difference is one
    finding, and a difference no specific check names still gives one warning.
    """
    src = Where.grid(copy.table.grid)
    keys = ["unit_id", "metric", "period", "kind"]
    unit_prov = ["source_file", "sheet", "row"]

    def figs(r: SourceResult) -> pd.DataFrame:
        # the order of the figures within a unit follows the column order: not compared
        f = r.figures.drop(columns=PROVENANCE)
        return f.sort_values(keys, kind="stable").reset_index(drop=True)

    a, b = figs(primary), figs(copy)
    ua = primary.units.drop(columns=unit_prov).reset_index(drop=True)
    ub = copy.units.drop(columns=unit_prov).reset_index(drop=True)
    other = primary.file.name
    if a.equals(b) and ua.equals(ub):
        return [
            finding(
                "info",
                "copy_agrees",
                src,
                None,
                None,
                N_("this copy cleans to the same {units} units and {figures} figures as {other}"),
                units=len(ub),
                figures=len(b),
                other=other,
            )
        ]
    out = []
    pu = primary.units.set_index("unit_id")
    cu = copy.units.set_index("unit_id")

    def same(x: object, y: object) -> bool:
        """Return True if two cells hold the same value (blank equals blank; 3 equals 3.0)."""
        if pd.isna(x) or pd.isna(y):
            return bool(pd.isna(x) and pd.isna(y))
        return bool(x == y)

    def plain(v: object) -> object:
        """Return a unit field as a parameter: None for blank, 3 for 3.0."""
        if pd.isna(v):
            return None
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    def differs(severity: str, uid: str, table: pd.DataFrame, template: str, **params) -> None:
        row = int(table.at[uid, "row"]) if table is cu else None
        unit = table.at[uid, "unit_name"]
        out.append(finding(severity, "copy_differs", src, row, unit, template, **params))

    for uid in pu.index.union(cu.index, sort=False):
        if uid not in cu.index:
            differs(
                "error", uid, pu,
                N_("unit '{name}' (row {primary_row} of {other}) is missing from this copy"),
                name=pu.at[uid, "unit_name"], primary_row=pu.at[uid, "row"], other=other,
            )  # fmt: skip
            continue
        if uid not in pu.index:
            differs(
                "error", uid, cu, N_("unit '{name}' is not in {other}"),
                name=cu.at[uid, "unit_name"], other=other,
            )  # fmt: skip
            continue
        if pu.at[uid, "unit_name"] != cu.at[uid, "unit_name"]:
            differs(
                "warning", uid, cu,
                N_("the unit is written '{here}' here and '{there}' in {other} (same unit id, "
                   "matched)"),
                here=cu.at[uid, "unit_name"], there=pu.at[uid, "unit_name"], other=other,
            )  # fmt: skip
        if not same(pu.at[uid, "order"], cu.at[uid, "order"]):
            differs(
                "warning", uid, cu,
                N_("the unit stands at position {here} here and {there} in {other}"),
                here=plain(cu.at[uid, "order"]), there=plain(pu.at[uid, "order"]), other=other,
            )  # fmt: skip
        here, there = cu.at[uid, "tt"], pu.at[uid, "tt"]
        if not same(here, there):
            differs(
                "warning", uid, cu, N_("tt: {here} here, {there} in {other}"),
                here=plain(here), there=plain(there), other=other,
            )  # fmt: skip
        here, there = cu.at[uid, "group"], pu.at[uid, "group"]
        if not same(here, there):
            if pd.isna(here):
                template = N_("group: blank here, '{there}' in {other}")
            elif pd.isna(there):
                template = N_("group: '{here}' here, blank in {other}")
            else:
                template = N_("group: '{here}' here, '{there}' in {other}")
            differs(
                "warning", uid, cu, template,
                here=plain(here), there=plain(there), other=other,
            )  # fmt: skip

    # figures: outer merge, so that a figure on one side only is never dropped unseen
    merged = primary.figures.merge(
        copy.figures, on=keys, how="outer", suffixes=("", "_copy"), indicator=True, sort=False
    )
    said = {
        "both": N_("{kind} {metric} {period}: {other} has {there}, this copy has {here}"),
        "left_only": N_("{kind} {metric} {period}: {other} has {there}, this copy has no figure"),
        "right_only": N_("{kind} {metric} {period}: {other} has no figure, this copy has {here}"),
    }
    for _, r in merged.iterrows():
        uid, side = r["unit_id"], r["_merge"]
        if uid not in pu.index or uid not in cu.index:
            continue  # the whole unit is missing on one side: one finding above, not one per figure
        if side == "both" and same(r["value"], r["value_copy"]):
            continue
        row = r["row_copy"] if side != "left_only" else cu.at[uid, "row"]
        figures = {}
        if side != "left_only":
            figures["here"] = float(r["value_copy"])
        if side != "right_only":
            figures["there"] = float(r["value"])
        out.append(
            finding(
                "error",
                "copy_differs",
                src.col(None if side == "left_only" else str(r["column_copy"])),
                None if pd.isna(row) else int(row),
                cu.at[uid, "unit_name"],
                said[str(side)],
                kind=r["kind"],
                metric=r["metric"],
                period=r["period"],
                other=other,
                **figures,
            )
        )

    if not out:
        # the frames differ, yet no unit or figure above: say where, never stay silent
        where = [("units", d) for d in _frame_differences(ua, ub, ["unit_id"])]
        where += [("figures", d) for d in _frame_differences(a, b, keys)]
        for frame, (template, params) in where or [("figures", (_ROW_ORDER, {}))]:
            out.append(
                finding(
                    "warning",
                    "copy_differs",
                    src,
                    None,
                    None,
                    template,
                    frame=frame,
                    other=other,
                    **params,
                )
            )
    return out


#: How two frames differ when no unit or figure does (a copy's last-resort warning).
_ROW_ORDER = N_(
    "this copy does not clean to the same frames as {other}, though no unit or figure "
    "differs: row order"
)
_FRAME_DIFFERS = {
    "only_here": N_(
        "this copy does not clean to the same frames as {other}, though no unit or figure "
        "differs: {frame} column {column} only here"
    ),
    "only_there": N_(
        "this copy does not clean to the same frames as {other}, though no unit or figure "
        "differs: {frame} column {column} only in {other}"
    ),
    "rows": N_(
        "this copy does not clean to the same frames as {other}, though no unit or figure "
        "differs: {frame} {rows_here} rows here, {rows_there} in {other}"
    ),
    "type": N_(
        "this copy does not clean to the same frames as {other}, though no unit or figure "
        "differs: {frame} column {column} (type {type_here} here, {type_there} in {other})"
    ),
    "values": N_(
        "this copy does not clean to the same frames as {other}, though no unit or figure "
        "differs: {frame} column {column}"
    ),
}


def _frame_differences(
    x: pd.DataFrame, y: pd.DataFrame, keys: list[str]
) -> list[tuple[str, dict[str, object]]]:
    """Return what differs between frame x (the primary's) and y (the copy's), by column.

    Each difference is a template of `_FRAME_DIFFERS` with its parameters.
    """
    if x.equals(y):
        return []
    out = [(_FRAME_DIFFERS["only_here"], {"column": c}) for c in y.columns if c not in x.columns]
    out += [(_FRAME_DIFFERS["only_there"], {"column": c}) for c in x.columns if c not in y.columns]
    if len(x) != len(y):
        out.append((_FRAME_DIFFERS["rows"], {"rows_here": len(y), "rows_there": len(x)}))
    common = [c for c in x.columns if c in y.columns]
    on = [k for k in keys if k in common]
    xs = x.sort_values(on, kind="stable").reset_index(drop=True) if on else x
    ys = y.sort_values(on, kind="stable").reset_index(drop=True) if on else y
    for c in common:
        if x[c].dtype != y[c].dtype:
            types = {"column": c, "type_here": str(y[c].dtype), "type_there": str(x[c].dtype)}
            out.append((_FRAME_DIFFERS["type"], types))
        elif len(x) == len(y) and not xs[c].equals(ys[c]):
            out.append((_FRAME_DIFFERS["values"], {"column": c}))
    return out


def _compare_info(primary: SourceResult, copy: SourceResult) -> list[Finding]:
    """Report each named extra figure (kind `info`) that a copy gives differently."""
    keys = ["unit_id", "name", "period"]
    a, b = (r.info.assign(period=r.info["period"].fillna("")) for r in (primary, copy))
    both = a.merge(b, on=keys, how="outer", suffixes=("", "_copy"), indicator=True)
    src = Where.grid(copy.table.grid)
    said = {
        "both": N_("info {name}: {other} has {there}, this copy has {here}"),
        "left_only": N_("info {name}: {other} has {there}, this copy has no figure"),
        "right_only": N_("info {name}: {other} has no figure, this copy has {here}"),
    }
    out = []
    for _, r in both.iterrows():
        x, y = r["value"], r["value_copy"]
        side = str(r["_merge"])
        if side == "both" and (x == y or (pd.isna(x) and pd.isna(y))):
            continue
        figures = {}
        if side != "left_only":
            figures["here"] = float(y)
        if side != "right_only":
            figures["there"] = float(x)
        row = r["row_copy"]
        out.append(
            finding(
                "error",
                "copy_differs",
                src.col(None if side == "left_only" else str(r["column_copy"])),
                None if pd.isna(row) else int(row),
                r["unit_name_copy"] if isinstance(r["unit_name_copy"], str) else r["unit_name"],
                said[side],
                name=r["name"],
                other=primary.file.name,
                **figures,
            )
        )
    return out


def _plan_figures(card: PlanCard) -> pd.DataFrame:
    """Return the totals the plan's text declares, as plan-level target rows."""
    rows = [
        {
            "plan_id": card.plan_id,
            "level": "plan",
            "unit_id": card.plan_id,
            "unit_name": card.issuer_short,
            "metric": d.metric,
            "period": d.period,
            "kind": "target",
            "value": float(d.value),
            "source_file": card.card_path.name,
            "sheet": None,
            "row": None,
            "column": f"declared_totals[{k}]",
        }
        for k, d in enumerate(card.declared_totals)
    ]
    df = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    df["row"] = df["row"].astype("Int64")
    df["value"] = df["value"].astype("float64")
    return df


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return frames of figures as one (a lone one as it is: not copied); never no columns."""
    full = [f for f in frames if not f.empty]
    if len(full) == 1:
        return full[0]
    return pd.concat(full or frames[-1:], ignore_index=True)


def _refuse_twice_given(table: pd.DataFrame, form_figs: pd.DataFrame, card: PlanCard) -> None:
    """Raise DataError if a form reports a figure the allocation table already holds."""
    keys = ["unit_id", "metric", "period", "kind"]
    both = table.merge(form_figs, on=keys, suffixes=("", "_form"))
    if not both.empty:
        r = both.iloc[0]
        raise DataError(
            f"{r['unit_name']} {r['metric']} {r['period']} is given twice: in "
            f"{r['source_file']} row {r['row']} and in {r['source_file_form']} row "
            f"{r['row_form']}; keep one of them",
            file=str(card.raw_path(str(r["source_file_form"]))),
        )


@dataclass
class _CopiesRead:
    """What reading a source's copies adds: their findings and files."""

    findings: list[Finding] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)


def _clean_source(card: PlanCard, source: Source) -> tuple[SourceResult, _CopiesRead]:
    """Clean a source's file and compare each of its copies with it."""
    primary = clean_file(card, source, source.file)
    read = _CopiesRead()
    for copy_file in source.copies:
        copy = clean_file(card, source, copy_file)
        read.inputs.append(copy.file)
        # how the copy was read (its encoding, hidden rows) is worth knowing too
        read.findings += [
            f for f in copy.findings if f.check == "hidden" or f.template in _READ_AS.values()
        ]
        read.findings += _compare_copy(primary, copy)
        read.findings += _compare_info(primary, copy)
    return primary, read


@gc_paused()
def clean_plan(card: PlanCard) -> CleanResult:
    """Clean every source of a plan and run the checks; raise DataError on unreadable input."""
    # what each source cleaned into, without its grid of cells (freed once the source's
    # copies are compared: at 135,000 units the grid alone is some 500 MB)
    # and each source's figures only until they are joined into one frame
    results: list[tuple[pd.DataFrame, pd.DataFrame]] = []  # (units, info) of each source
    target_parts: list[pd.DataFrame] = []
    actual_parts: list[pd.DataFrame] = []
    findings: list[Finding] = []
    inputs: list[Path] = []
    for source in card.sources:
        primary, read = _clean_source(card, source)
        results.append((primary.units, primary.info))
        target_parts.append(primary.targets)
        actual_parts.append(primary.actuals)
        findings += primary.findings + read.findings
        inputs += [primary.file, *read.inputs]
        del primary, read

    units = pd.concat([u for u, _ in results]) if results else pd.DataFrame(columns=UNIT_COLUMNS)
    plan_targets, plan_actuals = _split(_plan_figures(card))
    targets = _joined([*target_parts, plan_targets])
    actuals = _joined([*actual_parts, plan_actuals])
    del target_parts, actual_parts
    if len(results) > 1 and units["unit_id"].duplicated().any():
        dup = ", ".join(sorted(units.loc[units["unit_id"].duplicated(), "unit_id"]))
        raise DataError(
            f"the plan's sources list the same units twice: {dup}", file=str(card.card_path)
        )

    card_src = (
        str(card.card_path.relative_to(paths.root()))
        if card.card_path.is_relative_to(paths.root())
        else str(card.card_path)
    )
    if not card.sources:
        findings.append(
            finding(
                "info",
                "no_table",
                card_src,
                None,
                None,
                N_("the plan has no unit allocation table: headline targets only"),
            )
        )
    findings += checks.check_declared_totals(card.declared_totals, targets, card_src)
    findings += checks.check_zero_targets(targets)

    units = units.reset_index(drop=True)
    units["tt"] = units["tt"].astype("Int64")
    units["order"] = units["order"].astype("int64")
    units["row"] = units["row"].astype("int64")

    # the units' half-year report forms, if any have arrived
    if not units.empty:
        form_figs, form_findings = forms.read_actuals(card, units)
        findings += form_findings
        inputs += forms.form_files(card)
        if not form_figs.empty:  # actuals and running totals only
            _refuse_twice_given(actuals, form_figs, card)
            actuals = pd.concat([actuals, form_figs], ignore_index=True)
            actuals["row"] = actuals["row"].astype("Int64")
            targets["row"] = targets["row"].astype("Int64")
    findings += checks.check_running_totals(actuals, Calendar.from_card(card))
    quality = checks.findings_frame(findings)
    targets = targets.reset_index(drop=True)
    actuals = actuals.reset_index(drop=True)
    info_parts = [i for _, i in results if not i.empty]
    del results
    info = (
        pd.concat(info_parts, ignore_index=True)
        if info_parts
        else pd.DataFrame(columns=INFO_COLUMNS).astype({"value": "float64", "row": "Int64"})
    )
    units = _validate(schemas.UNITS, units, "units", card)
    targets = _validate(schemas.FIGURES, targets, "targets", card)
    actuals = _validate(schemas.FIGURES, actuals, "actuals", card)
    info = _validate(schemas.INFO, info, "info", card)
    quality = _validate(schemas.QUALITY, quality, "quality", card)
    return CleanResult(card, units, targets, actuals, quality, inputs, info)


def _validate(schema: pa.DataFrameSchema, df: pd.DataFrame, what: str, card: PlanCard):  # noqa: ANN202
    """Return `df` validated by `schema`, or raise DataError in one line (never pandera's dump)."""
    try:
        return schema.validate(df)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as errors:
        # a value that cannot be coerced (or a column too many) comes as SchemaErrors
        err = errors.schema_errors[0] if isinstance(errors, pa.errors.SchemaErrors) else errors
        cases = getattr(err, "failure_cases", None)
        sample, field_name, at = "", None, None
        if isinstance(cases, pd.DataFrame) and not cases.empty and "failure_case" in cases:
            sample = ", ".join(str(v) for v in cases["failure_case"].head(3))
            if "index" in cases and cases["index"].notna().any():
                at = cases["index"].dropna().iloc[-1]  # a repeated key: its later row
        elif cases is not None and not isinstance(cases, pd.DataFrame):
            sample = str(cases)  # a column missing or one too many
        if isinstance(err.schema, pa.Column):
            field_name = err.schema.name
        keys = (getattr(getattr(err, "check", None), "statistics", None) or {}).get("keys")
        if keys and at is not None and at in df.index:  # a key given twice: that key
            sample = ", ".join(str(df.at[at, k]) for k in keys)
        check = getattr(err, "check", "") or ""
        check = str(getattr(check, "error", None) or check).strip()
        where: dict = {"file": str(card.card_path)}
        if at is not None and at in df.index:  # the source file, sheet, row, column it came from
            bad = df.loc[at]
            for key, col in (("file", "source_file"), ("sheet", "sheet"), ("row", "row"),
                             ("column", "column")):  # fmt: skip
                if col not in df.columns or pd.isna(bad[col]):
                    continue
                try:  # the row itself may be the value that broke the schema
                    where[key] = int(bad[col]) if key == "row" else str(bad[col])
                except (TypeError, ValueError):
                    continue
        raise DataError(
            f"the cleaned {what} table breaks its schema "
            f"({(field_name + ': ') if field_name else ''}{check or 'schema'}"
            f"{': ' + sample if sample else ''}); check the plan card's columns",
            **where,
        ) from None


#: Columns of the long tables whose Parquet statistics (each row group's min and max) are
#: not written: one text per unit, in the table's order, so every row group spans nearly
#: all of them and its min and max narrow no query down. Measured at 135,000 units (2.8 M
#: actuals): the file written in 0.83 s instead of 0.97 s.
_NO_STATISTICS = ("unit_id", "unit_name")


def _write_long(df: pd.DataFrame, path: Path) -> None:
    """Write a long table (targets, actuals, info) as Parquet; see _NO_STATISTICS."""
    df.to_parquet(
        path, index=False, write_statistics=[c for c in df.columns if c not in _NO_STATISTICS]
    )


def write_outputs(result: CleanResult, dest: Path | None = None) -> Path:
    """Write the tidy tables and quality log to dest (default data/processed/<plan-id>).

    Everything is written to a temporary folder beside dest, then swapped in with renames,
    so dest holds either the previous complete output or the new one, never a mix.
    """
    dest = Path(dest or paths.processed_dir(result.card.plan_id))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir(dest)  # .<name>.tmp-<pid>-…: a killed run's is removed on the next
    try:
        # the actuals, the largest table by far, on a thread of their own while the rest are
        # written: Arrow encodes Parquet without Python's lock (135,000 units: 1.0 s for the
        # actuals, 0.4 s for the rest, 1.4 s one after the other)
        with ThreadPoolExecutor(1) as pool:
            actuals = pool.submit(_write_long, result.actuals, tmp / "actuals.parquet")
            result.units.to_parquet(tmp / "units.parquet", index=False)
            for name in ("targets", "info"):
                _write_long(getattr(result, name), tmp / f"{name}.parquet")
            _write_rest(result, tmp, figures_given(result.actuals))
            actuals.result()
        replace_dir(tmp, dest)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise_if_no_space(err, f"{dest}/", "the previous cleaned tables are kept, nothing replaced")
        raise
    return dest


def figures_given(actuals: pd.DataFrame) -> list[list[str]]:
    """Return the [kind, period] pairs of which some unit has a figure, sorted.

    What tells which half-years have figures (`progress.halves_with_figures`). Kept in
    inputs.json, so that the run need not read the actuals again to know it (0.19 s at
    135,000 units); worked out while the actuals are written (see write_outputs).
    """
    import pyarrow.compute as pc

    t = pyarrow.Table.from_pandas(actuals[["level", "kind", "period", "value"]])
    t = t.filter(pc.and_(pc.equal(t["level"], "unit"), pc.is_valid(t["value"])))
    pairs = t.group_by(["kind", "period"]).aggregate([])
    kinds, periods = pairs["kind"].to_pylist(), pairs["period"].to_pylist()
    return sorted([k, p] for k, p in zip(kinds, periods, strict=True))


def _write_rest(result: CleanResult, tmp: Path, given: list[list[str]]) -> None:
    """Write the quality log and the manifest of the inputs (and of the figures given)."""
    # a unit named "=HYPERLINK(...)" is text for a spreadsheet too ('-prefixed; read back
    # with csv_unescape_frame)
    quality = csv_escape_frame(result.quality)
    quality.to_csv(tmp / "quality.csv", index=False, encoding="utf-8")
    root = paths.root()
    manifest = {
        "plan_id": result.card.plan_id,
        "ptdv_version": __version__,
        "inputs": [
            {
                "path": str(p.relative_to(root)) if p.is_relative_to(root) else str(p),
                "sha256": file_sha256(p),
                "bytes": p.stat().st_size,
            }
            for p in [result.card.card_path, *result.inputs]
        ],
        "figures_given": given,  # [kind, period] with some unit's figure (figures_given)
    }
    (tmp / "inputs.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
