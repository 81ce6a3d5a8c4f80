"""Look at an unseen table: find its header, guess what each column holds, draft a plan card.

This backs `ptdv inspect`. Guesses are guesses: the draft card is meant to be saved,
read and corrected by the analyst before `ptdv clean` uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import DataError
from .ingest import Column, Table, find_header, read_grid, read_table, text_key


@dataclass
class Guess:
    """What a column seems to hold."""

    kind: str
    metric: str
    period: str
    rule: dict | None = None
    why: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """Return the column's metric@period name."""
        return f"{self.metric}@{self.period}"


def guess_column(path: list[str], titles: str = "") -> Guess:
    """Return the likely kind, metric and period of a column from its header texts."""
    full = text_key(" ".join(path))
    # a parenthesised remark ("bằng 20% số CNLĐ chưa là đoàn viên") states a rule; it does
    # not say what the column itself counts
    key = text_key(re.sub(r"\([^)]*\)", " ", " ".join(path)))
    leaf = text_key(path[-1]) if path else ""
    why = []
    # metric
    if "chuala" in key and ("dv" in key or "doanvien" in key):
        metric = "nonmember_workers"
    elif "ketnap" in key or (leaf in ("dv", "doanvien") and "ketnap" in text_key(titles)):
        metric = "members_admitted"
    elif "giam" in key and "doanvien" in key or leaf == "dvgiam":
        metric = "members_lost"
    elif "cdcs" in key or "congdoancoso" in key or "thanhlap" in key:
        metric = "unions_founded"
    elif re.search(r"(sodoanvien|sodv|tongsodoanvien)den", key):
        metric = "members_total"
    else:
        metric = "members_net"
        if "tangthem" not in key:
            why.append("metric guessed as members_net: check it")
    # period
    m_h = re.search(r"6thang(dau|cuoi)nam(\d{4})", key)
    m_month = re.search(r"denthang(\d{1,2})(\d{4})", key)
    m_year = re.search(r"nam(\d{4})", key)
    if m_h:
        period = f"{m_h.group(2)}-H{1 if m_h.group(1) == 'dau' else 2}"
    elif m_month:
        period = f"{m_month.group(2)}-H{1 if int(m_month.group(1)) <= 6 else 2}"
    elif "giaidoan" in leaf or "tongso" in key or "nhiemky" in key or "giaidoan" in key:
        period = "term"
    elif m_year:
        period = m_year.group(1)
    else:
        period = "term"
        why.append("period not recognised: set it")
    # kind
    if metric in ("members_total", "nonmember_workers") and "den" in key:
        kind = "baseline"
    elif "thuchien" in key or (
        m_h and "tangthem" in key and "giao" not in key and "bang" not in key
    ):
        kind = "actual"
    elif "tyle" in key or "%" in re.sub(r"\([^)]*\)", " ", path[-1]):
        kind = "derived"
    else:
        kind = "target"
    rule = None
    m_share = re.search(r"bang(\d+)so", full)
    if m_share:
        of = "nonmember_workers" if "chuala" in full[m_share.end() :] else "?"
        rule = {"share": int(m_share.group(1)) / 100, "of": of}
        why.append(f"header states a rule ({m_share.group(1)}% of another column): check 'of'")
    return Guess(kind, metric, period, rule, why)


@dataclass
class Inspection:
    """What `ptdv inspect` found in a file."""

    file: Path
    sheet: str | None
    sheets: list[str]
    table: Table
    guesses: dict[int, Guess]
    text_columns: list[tuple[Column, str]]


def inspect_file(path: str | Path, sheet: str | None = None) -> Inspection:
    """Read a table whose layout is unknown and guess its columns."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    sheets: list[str] = []
    if path.suffix.lower() in (".xlsx", ".xlsm") and sheet is None:
        from openpyxl import load_workbook

        try:
            sheets = load_workbook(path, read_only=True).sheetnames
        except Exception as err:  # noqa: BLE001 - any unreadable workbook
            raise DataError(f"cannot open as an Excel workbook ({err})", file=str(path)) from None
        sheet = sheets[0]
    grid = read_grid(path, sheet)
    first, _ = find_header(grid)
    titles = " ".join(str(v) for row in grid.rows[:first] for v in row if v)
    # map every figure column, dropping those that hold text, until the table reads
    probe = read_table(path, sheet, [])
    candidates = [c for c in probe.columns if c.index > probe.name_col and c.path]
    text_columns: list[tuple[Column, str]] = []
    while True:
        spec = [(f"c{c.index}", c.path) for c in candidates]
        try:
            table = read_table(path, sheet, spec)
            break
        except DataError as err:
            bad = [c for c in candidates if err.column and err.column.startswith(c.letter + " ")]
            if not bad:
                raise
            candidates.remove(bad[0])
            text_columns.append((bad[0], err.detail))
    guesses = {c.index: guess_column(c.path, titles) for c in candidates}
    for g in guesses.values():
        # point a stated rule at the column that holds its metric
        if g.rule and "of" in g.rule:
            refs = [o.ref for o in guesses.values() if o.metric == g.rule["of"] and o is not g]
            g.rule["of"] = refs[0] if refs else "TODO: metric@period of the column"
    return Inspection(path, grid.sheet, sheets, table, guesses, text_columns)


def draft_card(ins: Inspection) -> str:
    """Return a draft plan card (YAML) for the inspected file, to be saved and corrected."""
    cols = []
    seen: set[str] = set()
    for col in ins.table.columns:
        g = ins.guesses.get(col.index)
        if g is None:
            continue
        entry: dict = {
            "header": col.path if len(col.path) > 1 else col.path[0],
            "kind": g.kind,
            "metric": g.metric,
            "period": g.period,
        }
        if g.ref in seen:
            entry["id"] = f"{g.ref}-{col.letter}"
        seen.add(g.ref)
        if g.rule:
            entry["rule"] = g.rule
        cols.append(entry)
    years = sorted({int(g.period[:4]) for g in ins.guesses.values() if g.period[:4].isdigit()}) or [
        2025
    ]
    card = {
        "plan_id": "new-plan",
        "title": "TODO: the plan's title",
        "issuer": "TODO: issuing federation",
        "issuer_short": "TODO",
        "level": "province",
        "document": {"number": "TODO/KH-LĐLĐ", "date": f"{years[0]}-01-01"},
        "term": {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"},
        "half_years": "calendar",
        "demo": False,
        "members_target": "admitted"
        if any(g.metric == "members_admitted" for g in ins.guesses.values())
        else "net",
        "metrics": sorted({g.metric for g in ins.guesses.values() if g.kind == "target"})
        or ["members_net"],
        "declared_totals": [],
        "sources": [
            {
                "file": ins.file.name,
                **({"sheet": ins.sheet} if ins.sheet else {}),
                "row_number": ins.table.columns[ins.table.tt_col].path[0],
                "unit_name": ins.table.columns[ins.table.name_col].path[0],
                "columns": cols,
            }
        ],
    }
    head = (
        "# Draft plan card written by `ptdv inspect`: every value is a guess.\n"
        "# Save it as config/plans/<plan-id>.yaml, set plan_id to the file's name, fill the\n"
        "# TODOs, check each column's kind/metric/period (and any rule's 'of'), then run\n"
        "# `ptdv clean --plan <plan-id>`.\n"
    )
    return head + yaml.safe_dump(card, allow_unicode=True, sort_keys=False, width=100)


def describe(ins: Inspection, rows: int = 5) -> str:
    """Return a readable account of what was found in the file."""
    t = ins.table
    out = [f"File: {ins.file}"]
    if ins.sheets:
        out.append(f"Sheets: {', '.join(ins.sheets)} (inspecting {ins.sheet!r}; use --sheet)")
    elif ins.sheet:
        out.append(f"Sheet: {ins.sheet}")
    hr = t.header_row_numbers
    out.append(f"Header: rows {hr[0]}-{hr[-1]}" if len(hr) > 1 else f"Header: row {hr[0]}")
    out.append(
        f"Row-number column: {t.columns[t.tt_col].letter}; "
        f"unit-name column: {t.columns[t.name_col].letter}"
    )
    out.append("Columns:")
    for col in t.columns:
        if col.index <= t.name_col or not col.path:
            continue
        g = ins.guesses.get(col.index)
        guess = (
            f"{g.kind} {g.metric} {g.period}" + (" (rule)" if g.rule else "")
            if g
            else "text: not a figure column"
        )
        note = f"  [{'; '.join(g.why)}]" if g and g.why else ""
        out.append(f"  {col.letter}  {col.label}\n      -> {guess}{note}")
    for col, why in ins.text_columns:
        out.append(f"  {col.letter} holds text: {why}")
    units = t.units
    out.append(
        f"Unit rows: {len(units)}"
        + (f" (rows {units[0].number}-{units[-1].number})" if units else "")
    )
    for r in units[:rows]:
        vals = ", ".join(
            f"{t.columns[int(k[1:])].letter}={'' if v is None else _num(v.value)}"
            for k, v in r.values.items()
        )
        out.append(f"  row {r.number}: {r.tt} {r.name}: {vals}")
    for r in t.totals:
        out.append(f"Totals row: row {r.number} ({r.name})")
    for r in t.rows:
        if r.kind == "group":
            out.append(f"Group label: row {r.number} ({r.name})")
    for number, drift in t.repeats:
        out.append(f"Header repeated: row {number}" + (" (spelling differs)" if drift else ""))
    if t.trailer:
        out.append(
            f"Notes below the table: {len(t.trailer)} line(s) from row {t.trailer[0].number}"
        )
    return "\n".join(out)


def _num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,}"
