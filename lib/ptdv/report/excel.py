"""The Excel table of a six-month report: progress per metric, the data-quality log, provenance.

One workbook, three sheets:

1. `Tổng hợp` / `Summary`: a title block (issuer, plan, document, period and its days, the
   share of the term elapsed, a red line when the figures are demo data), then one table per
   metric: the federation row first, then the units in their official order.
2. `Chất lượng số liệu` / `Data quality`: the quality log, errors first, each finding in the
   workbook's language.
3. `Nguồn gốc` / `Provenance`: parameters, version, time, and every input with its SHA-256.

Every word is an English gettext message id translated through the catalogue of the
workbook's language (`ptdv.base.i18n`): vi or en.

Figures are written as numbers, never as text, so that the reader can sum, sort and filter
them in Excel; the number formats (`#,##0`, `0.00%`) let Excel show them with the reader's
own separators. A missing figure (no target, no report, no rank) is an empty cell, never 0.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import textwrap
from collections.abc import Iterable, Mapping
from copy import copy
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ptdv.base.atomic import atomic_file
from ptdv.base.errors import ConfigError
from ptdv.base.i18n import LANGS, N_, translator
from ptdv.base.safety import guard_workbook
from ptdv.plan.config import PlanCard
from ptdv.plan.periods import Calendar
from ptdv.report import texts
from ptdv.tables.checks import SEVERITIES, quality_text

#: The progress columns of each metric's table, in order.
SUMMARY_COLUMNS = [
    "order", "unit_name", "period_target", "period_actual", "period_pct", "term_target",
    "cum_actual", "cum_pct", "expected_cum", "gap", "status", "needed_per_half",
    "forecast_term_end", "rank", "missing_periods",
]  # fmt: skip
#: Columns holding counts (members, unions), shown with a thousands separator.
COUNT_COLUMNS = {
    "period_target", "period_actual", "term_target", "cum_actual", "expected_cum", "gap",
    "needed_per_half", "forecast_term_end",
}  # fmt: skip
#: Columns holding ratios (0.0986 is 9.86%).
SHARE_COLUMNS = {"period_pct", "cum_pct"}
#: Columns holding small whole numbers (row number, rank).
INTEGER_COLUMNS = {"order", "rank"}

COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.00%"
INTEGER_FORMAT = "0"

QUALITY_COLUMNS = ["severity", "check", "source", "row", "unit", "message"]

#: Headings of the quality log's columns (English message ids, translated when written).
QUALITY_HEADINGS = {
    "severity": N_("Severity"),
    "check": N_("Check"),
    "source": N_("Source"),
    "row": N_("Row"),
    "unit": N_("Unit"),
    "message": N_("Message"),
}

#: Headings of the provenance keys ptdv itself writes; any other key is shown as it is.
PROVENANCE_LABELS = {
    "plan_id": N_("Plan id"),
    "period": N_("Period"),
    "lang": N_("Language"),
    "unit_id": N_("Recipient unit"),
    "unit": N_("Recipient unit"),  # the report notebook's parameter
    "parameters": N_("Parameters"),
    "git_commit": N_("Source code version (git commit)"),
    "commit": N_("Source code version (git commit)"),
    "ptdv_version": N_("ptdv version"),
    "version": N_("ptdv version"),
    "generated_at": N_("Generated at"),
    "generated": N_("Generated at"),
}

#: Severity cells use the shared status palette: errors red, warnings amber, info grey.
SEVERITY_FILLS = {
    "error": texts.STATUS_FILLS["behind"],
    "warning": texts.STATUS_FILLS["no_report"],
    "info": texts.STATUS_FILLS["no_target"],
}
HEADER_FILL = "#d9d9d9"
HIGHLIGHT_FILL = "#fff2b3"
DEMO_COLOR = "#c00000"

_THIN = Side(style="thin", color="FF999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_MIN_WIDTH, _MAX_WIDTH = 6, 50


def _argb(hex_color: str) -> str:
    return "FF" + hex_color.lstrip("#").upper()


def _fill(hex_color: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=_argb(hex_color), end_color=_argb(hex_color))


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any, whole: bool = False) -> int | float | None:
    """Return a plain Python number for a cell, None for a missing one."""
    if _missing(value):
        return None
    x = float(value)
    if math.isinf(x):
        return None
    if whole or x.is_integer():
        return int(round(x))
    return x


def _shown(value: Any, number_format: str) -> str:
    """Return roughly what Excel shows for a value, to size the column."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if number_format == SHARE_FORMAT:
            return f"{value:.2%}"
        if number_format == COUNT_FORMAT:
            return f"{round(value):,}"
        return str(value)
    return str(value)


class _Widths:
    """Column widths that fit the widest content seen, within bounds."""

    def __init__(self) -> None:
        self.width: dict[int, float] = {}

    def see(self, column: int, text: str, heading: bool = False) -> None:
        if heading:  # headings wrap over two lines or so; the longest word must fit
            n = max([len(w) for w in text.split()] + [math.ceil(len(text) / 2)])
        else:
            n = max((len(line) for line in text.splitlines()), default=0)
        self.width[column] = max(self.width.get(column, 0), n)

    def apply(self, ws: Worksheet, maximum: dict[int, int] | None = None) -> None:
        for column, n in self.width.items():
            top = (maximum or {}).get(column, _MAX_WIDTH)
            ws.column_dimensions[get_column_letter(column)].width = min(max(n + 2, _MIN_WIDTH), top)


class _CellStyles:
    """Bordered cell styles by (number format, fill, bold), each built once and then copied.

    Setting a Font, Border and PatternFill on every cell makes openpyxl look each one up in
    the workbook's style lists; copying a finished cell's style array is much cheaper (a
    table of 5,000 units writes in a few seconds instead of half a minute).
    """

    def __init__(self) -> None:
        self.done: dict[tuple[str | None, str | None, bool], Any] = {}

    def apply(self, cell: Any, fmt: str | None, fill: str | None, bold: bool) -> None:
        key = (fmt, fill, bold)
        style = self.done.get(key)
        if style is not None:
            cell._style = copy(style)
            return
        cell.border = _BORDER
        if fmt:
            cell.number_format = fmt
        if fill:
            cell.fill = _fill(fill)
        if bold:
            cell.font = Font(bold=True)
        self.done[key] = copy(cell._style)


def _header_row(
    ws: Worksheet, row: int, headings: list[str], widths: _Widths, col_widths: list[int] | None
) -> None:
    """Write a table's heading row: bold, wrapped, grey, bordered."""
    for c, text in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=c, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.fill = _fill(HEADER_FILL)
        cell.border = _BORDER
        widths.see(c, text, heading=True)
    # Excel does not grow a row for wrapped text written by a program: size it by hand
    if col_widths:
        lines = max(
            len(textwrap.wrap(h, width=max(w - 1, 1)))
            for h, w in zip(headings, col_widths, strict=True)
        )
        ws.row_dimensions[row].height = 15 * max(lines, 1) + 2


def _document_date(card: PlanCard, lang: str) -> str:
    _ = translator(lang)
    d = card.document.date
    if isinstance(d, dt.date):
        return _("dated {date}", date=d.strftime("%d/%m/%Y"))
    year, month, *day = str(d).split("-")
    if day:
        return _("dated {date}", date=f"{day[0]}/{month}/{year}")
    return _("dated {month}", month=f"{int(month)}/{year}")


def _metrics_in(card: PlanCard, df: pd.DataFrame) -> list[str]:
    """Return the metrics of the progress frame, in the card's order."""
    present = list(dict.fromkeys(df["metric"]))
    return [m for m in card.metrics if m in present] + [m for m in present if m not in card.metrics]


def _summary_sheet(
    ws: Worksheet,
    card: PlanCard,
    period: str,
    progress_df: pd.DataFrame,
    lang: str,
    unit_id: str | None,
    info_df: pd.DataFrame | None = None,
) -> None:
    from ptdv.report.pieces import info_label

    _ = translator(lang)
    cal = Calendar.from_card(card)
    label = cal.label(period, lang)
    extras: dict[str, dict[str, float]] = {}  # heading -> unit_id -> value
    if info_df is not None:
        for n, p, uid, v in info_df[["name", "period", "unit_id", "value"]].itertuples(index=False):
            extras.setdefault(info_label(n, p), {})[uid] = v
    ncols = len(SUMMARY_COLUMNS) + len(extras)

    row = 1
    ws.cell(row=row, column=1, value=card.issuer).font = Font(bold=True)
    row += 1
    ws.cell(
        row=row, column=1, value=_("PROGRESS AGAINST UNION-MEMBERSHIP DEVELOPMENT TARGETS")
    ).font = Font(bold=True, size=14)
    row += 1
    ws.cell(row=row, column=1, value=card.title).font = Font(italic=True)
    row += 1
    doc = _(
        "Document No. {number}, {date}",
        number=card.document.number,
        date=_document_date(card, lang),
    )
    ws.cell(row=row, column=1, value=doc)
    row += 1
    dates = cal.date_range(period)
    ws.cell(
        row=row, column=1, value=_("Reporting period: {label} ({dates})", label=label, dates=dates)
    )
    row += 1
    ws.cell(row=row, column=1, value=_("Term: {dates}", dates=cal.date_range("term")))
    row += 1
    elapsed = cal.elapsed_share(period)
    ws.cell(row=row, column=1, value=_("Share of the term elapsed"))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    share = ws.cell(row=row, column=3, value=float(elapsed))
    share.number_format = SHARE_FORMAT
    share.font = Font(bold=True)
    note = _(
        "{n} of {total} half-years", n=len(cal.halves_through(period)), total=len(cal.halves())
    )
    ws.cell(row=row, column=4, value=note)
    row += 1
    if card.actuals.demo:
        cell = ws.cell(row=row, column=1, value=_("DEMO DATA — not real figures"))
        cell.font = Font(bold=True, color=_argb(DEMO_COLOR), size=12)
        row += 1
    blank_note = _(
        "Empty cell: no target, no report or no rank (not zero). Negative figures are shown as "
        "they are; their achievement counts as 0%."
    )
    ws.cell(row=row, column=1, value=blank_note).font = Font(italic=True, size=9)
    row += 2

    headings = [texts.column_label(c, lang) for c in SUMMARY_COLUMNS] + list(extras)
    widths = _Widths()
    first_header: int | None = None
    first_last: int | None = None
    header_rows: list[int] = []
    styles = _CellStyles()
    for metric in _metrics_in(card, progress_df):
        part = progress_df[progress_df["metric"] == metric]
        ws.cell(row=row, column=1, value=texts.metric_label(metric, lang)).font = Font(
            bold=True, size=12
        )
        row += 1
        header_rows.append(row)
        _header_row(ws, row, headings, widths, None)
        if first_header is None:
            first_header = row
        row += 1
        fed = part[part["level"] == "federation"]
        units = part[part["level"] == "unit"].sort_values("order", kind="stable")
        for is_fed, frame in ((True, fed), (False, units)):
            for rec in frame.to_dict("records"):
                mine = unit_id is not None and rec["unit_id"] == unit_id
                for c, col in enumerate(SUMMARY_COLUMNS, start=1):
                    value, fmt = _summary_value(rec, col, is_fed, lang)
                    cell = ws.cell(row=row, column=c, value=value)
                    fill = None
                    if col == "status" and not _missing(rec["status"]):
                        fill = texts.STATUS_FILLS[rec["status"]]
                    elif mine:
                        fill = HIGHLIGHT_FILL
                    styles.apply(cell, fmt, fill, is_fed or mine)
                    widths.see(c, _shown(value, fmt or ""))
                for c, by_unit in enumerate(extras.values(), start=len(SUMMARY_COLUMNS) + 1):
                    value = None if is_fed else _number(by_unit.get(rec["unit_id"]))
                    cell = ws.cell(row=row, column=c, value=value)
                    styles.apply(cell, COUNT_FORMAT, HIGHLIGHT_FILL if mine else None, mine)
                    widths.see(c, _shown(value, COUNT_FORMAT))
                row += 1
        if first_last is None:
            first_last = row - 1
        row += 1  # a blank row between metrics

    widths.apply(ws)
    col_widths = [
        int(ws.column_dimensions[get_column_letter(c)].width or _MIN_WIDTH)
        for c in range(1, ncols + 1)
    ]
    for r in header_rows:
        _header_row(ws, r, headings, _Widths(), col_widths)
    if first_header is not None:
        ws.freeze_panes = ws.cell(row=first_header + 1, column=3).coordinate
        last_col = get_column_letter(ncols)
        ws.auto_filter.ref = f"A{first_header}:{last_col}{first_last}"
        ws.print_title_rows = f"{first_header}:{first_header}"
    _print_setup(ws, landscape=True)


def _summary_value(
    rec: Mapping[str, Any], col: str, is_fed: bool, lang: str
) -> tuple[Any, str | None]:
    """Return one cell of a metric table and its number format."""
    value = rec[col]
    if col == "order":
        return (None if is_fed else _number(value, whole=True)), INTEGER_FORMAT
    if col == "rank":
        return _number(value, whole=True), INTEGER_FORMAT
    if col in COUNT_COLUMNS:
        return _number(value), COUNT_FORMAT
    if col in SHARE_COLUMNS:
        x = _number(value)
        return (None if x is None else float(x)), SHARE_FORMAT
    if col == "status":
        return (None if _missing(value) else texts.status_label(value, lang)), None
    if _missing(value) or value == "":
        return None, None
    return str(value), None


def _quality_message(rec: Mapping[str, Any], lang: str) -> Any:
    """Return a finding's sentence in `lang`; a finding logged without a template keeps its own."""
    template = rec.get("template")
    if isinstance(template, str) and template:
        return quality_text(rec, lang)
    return rec.get("message")


def _quality_sheet(ws: Worksheet, quality_df: pd.DataFrame, lang: str) -> None:
    _ = translator(lang)
    widths = _Widths()
    headings = [_(QUALITY_HEADINGS[c]) for c in QUALITY_COLUMNS]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    q = quality_df.reindex(columns=QUALITY_COLUMNS)
    q["message"] = [_quality_message(rec, lang) for rec in quality_df.to_dict("records")]
    q = q.assign(_o=q["severity"].map(order).fillna(len(order))).sort_values("_o", kind="stable")
    for i, rec in enumerate(q.drop(columns="_o").to_dict("records"), start=2):
        for c, col in enumerate(QUALITY_COLUMNS, start=1):
            value = rec[col]
            if col == "severity":
                value = None if _missing(value) else texts.severity_label(value, lang)
            elif col == "row":
                value = _number(value, whole=True)
            elif _missing(value) or value == "":
                value = None
            else:
                value = str(value)
            cell = ws.cell(row=i, column=c, value=value)
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=col == "message", vertical="top")
            if col == "severity" and rec["severity"] in SEVERITY_FILLS:
                cell.fill = _fill(SEVERITY_FILLS[rec["severity"]])
                cell.font = Font(bold=rec["severity"] == "error")
            if col == "row":
                cell.number_format = INTEGER_FORMAT
            widths.see(c, "" if value is None else str(value))
    last = len(q) + 1
    for c, text in enumerate(headings, start=1):
        widths.see(c, text, heading=True)
    message_col = QUALITY_COLUMNS.index("message") + 1
    widths.apply(ws, maximum={message_col: 90, QUALITY_COLUMNS.index("source") + 1: 45})
    col_widths = [
        int(ws.column_dimensions[get_column_letter(c)].width or _MIN_WIDTH)
        for c in range(1, len(headings) + 1)
    ]
    _header_row(ws, 1, headings, _Widths(), col_widths)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{last}"
    ws.print_title_rows = "1:1"
    _print_setup(ws, landscape=True)


def _flatten(key: str, value: Any, lang: str) -> Iterable[tuple[str, Any]]:
    """Yield (label, cell value) rows for one provenance entry; dicts become one row per key."""
    label = translator(lang)(PROVENANCE_LABELS[key]) if key in PROVENANCE_LABELS else key
    if isinstance(value, Mapping):
        if not value:
            yield label, None
        for k, v in value.items():
            for sub, x in _flatten(str(k), v, lang):
                yield f"{label} › {sub}", x
        return
    yield label, _cell_value(value)


def _cell_value(value: Any) -> Any:
    if not isinstance(value, list | tuple | set) and _missing(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def _provenance_sheet(ws: Worksheet, provenance: Mapping[str, Any], lang: str) -> None:
    _ = translator(lang)
    widths = _Widths()
    _header_row(ws, 1, [_("Item"), _("Value")], widths, None)
    row = 2
    for key, value in provenance.items():
        if key == "inputs":
            continue
        for label, x in _flatten(str(key), value, lang):
            ws.cell(row=row, column=1, value=label).font = Font(bold=True)
            ws.cell(row=row, column=2, value=x)
            widths.see(1, label)
            widths.see(2, "" if x is None else str(x))
            row += 1
    row += 1
    ws.cell(row=row, column=1, value=_("Input files")).font = Font(bold=True, size=12)
    row += 1
    headings = [_("Path"), "SHA-256", _("Size (bytes)")]
    _header_row(ws, row, headings, widths, None)
    row += 1
    inputs = list(provenance.get("inputs") or [])
    if not inputs:
        ws.cell(row=row, column=1, value=_("(none)"))
    for item in inputs:
        item = dict(item) if isinstance(item, Mapping) else {"path": str(item)}
        values = [
            _cell_value(item.get("path")),
            _cell_value(item.get("sha256")),
            _number(item.get("bytes"), whole=True),
        ]
        for c, x in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=x)
            cell.border = _BORDER
            if c == 2:
                cell.font = Font(name="Consolas")
            if c == 3:
                cell.number_format = COUNT_FORMAT
            widths.see(c, _shown(x, COUNT_FORMAT if c == 3 else ""))
        row += 1
    widths.apply(ws, maximum={1: 70, 2: 70})
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=False)


def _print_setup(ws: Worksheet, landscape: bool) -> None:
    """Print on A4, one page wide."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _check_arguments(
    card: PlanCard, period: str, progress_df: pd.DataFrame, lang: str, unit_id: str | None
) -> None:
    """Refuse a language, period, progress table or unit that does not fit, before writing."""
    if lang not in LANGS:
        raise ConfigError(f"unknown report language {lang!r}; known: {', '.join(LANGS)}")
    try:
        Calendar.from_card(card).period(period)
    except ValueError as err:
        raise ConfigError(f"plan {card.plan_id}: {err}") from None
    missing = [c for c in ["level", "unit_id", "metric", *SUMMARY_COLUMNS] if c not in progress_df]
    if missing:
        raise ConfigError(f"the progress table lacks column(s) {', '.join(missing)}")
    other = sorted(set(progress_df.get("period", pd.Series(dtype=str)).dropna()) - {period})
    if other:
        raise ConfigError(
            f"the progress table is for {', '.join(other)}, not {period}: compute it for {period}"
        )
    units = progress_df.loc[progress_df["level"] == "unit", "unit_id"]
    if unit_id is not None and unit_id not in set(units):
        known = ", ".join(dict.fromkeys(units))
        raise ConfigError(f"unit {unit_id!r} is not in the progress table; known: {known}")


def write_report_xlsx(
    path: str | os.PathLike[str],
    card: PlanCard,
    period: str,
    progress_df: pd.DataFrame,
    quality_df: pd.DataFrame,
    provenance: dict[str, Any],
    lang: str = "vi",
    unit_id: str | None = None,
    info_df: pd.DataFrame | None = None,
) -> Path:
    """Write the report's Excel table to `path` and return it.

    `progress_df` is `progress.compute_progress` of `period`; `quality_df` the plan's quality
    log; `provenance` a dict of parameters, versions and times, with `inputs` a list of
    {path, sha256, bytes}. With `unit_id`, that unit's rows are highlighted (the copy sent
    back to one unit). `info_df` (the plan's named extra figures) adds one column per figure
    to the unit rows. The file is written beside `path` under a temporary name and renamed
    over it, so `path` is either the old workbook or the complete new one.
    """
    _check_arguments(card, period, progress_df, lang, unit_id)
    path = Path(path)
    _ = translator(lang)
    wb = Workbook()
    summary = wb.active
    summary.title = _("Summary")
    _summary_sheet(summary, card, period, progress_df, lang, unit_id, info_df)
    _quality_sheet(wb.create_sheet(_("Data quality")), quality_df, lang)
    _provenance_sheet(wb.create_sheet(_("Provenance")), provenance, lang)
    wb.active = 0

    label = Calendar.from_card(card).label(period, lang)
    wb.properties.title = _("Progress report {plan} — {label}", plan=card.issuer_short, label=label)
    wb.properties.subject = card.title
    wb.properties.creator = "ptdv"
    wb.properties.lastModifiedBy = "ptdv"
    wb.properties.keywords = f"{card.plan_id} {period}"
    if card.actuals.demo:
        wb.properties.description = _("DEMO DATA — not real figures")
    wb.properties.language = lang

    guard_workbook(wb)  # text from the inputs (a unit called "=1+1") is shown as text
    with atomic_file(path) as tmp:
        wb.save(tmp)
    return path


def save_reproducible(
    wb: Workbook, path: Path, when: dt.datetime, creator: str, mode: int = 0o644
) -> None:
    """Save a workbook byte for byte the same on every run: fixed dates and zip timestamps.

    Used by the scripts that rebuild shipped .xlsx files, so a rerun changes nothing in git.
    """
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps properties.modified
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = mode << 16
            dst.writestr(fixed, src.read(info.filename))
    Path(path).write_bytes(out.getvalue())
