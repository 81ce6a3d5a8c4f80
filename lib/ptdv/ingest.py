"""Read a raw table (xlsx, csv, tab-separated text) into a grid, then find its header and rows.

A grid is the cells as the analyst sees them, with the row numbers they see (Excel rows,
or text lines). `read_table` finds the header (over one or more rows, merged cells filled),
the columns a plan card maps, and classifies every row below: unit rows, totals rows,
group labels, repeated headers, blank rows and the notes below the table.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .errors import DataError
from .numbers import NumberParseError, ParsedNumber, parse_number_detail

_TAG_RE = re.compile(r"<[^>]+>")
ROW_NUMBER_KEYS = {"tt", "stt", "sott", "no"}
UNIT_NAME_KEYS = {"donvi", "tendonvi", "unit"}
TOTAL_KEYS = {"tong", "tongcong", "cong", "tongso", "total", "toanbo", "cacnuoc", "toantinh"}


def text_key(value: Any) -> str:
    """Return a comparison key for header text: no markup, accents, case, spaces or punctuation."""
    if value is None:
        return ""
    text = _TAG_RE.sub("", str(value)).replace("**", "")
    text = unicodedata.normalize("NFD", text).casefold().replace("đ", "d")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", "", text)


def cell_text(value: Any) -> str:
    """Return a cell's text as the analyst reads it (markup dropped, spaces collapsed, NFC)."""
    if value is None:
        return ""
    if isinstance(value, ParsedNumber):
        return f"{value.value:g}%"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _TAG_RE.sub("", str(value)).replace("**", "")
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Grid:
    """The cells of one sheet or text file, with the row numbers the analyst sees."""

    file: Path
    sheet: str | None
    rows: list[list[Any]]
    row_numbers: list[int]
    bold: list[bool]
    #: merged ranges as (first row index, first col, last row index, last col), 0-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def source(self) -> str:
        """Return 'file' or 'file, sheet' for messages and the quality log."""
        return f"{self.file.name}, {self.sheet}" if self.sheet else self.file.name

    def cell(self, i: int, j: int) -> Any:
        """Return cell (row index i, column j), or None beyond the row's end."""
        row = self.rows[i]
        return row[j] if j < len(row) else None

    def error(self, message: str, i: int | None = None, j: int | None = None, label: str = ""):
        """Return a DataError located at row index i and column j of this grid."""
        column = None
        if j is not None:
            column = get_column_letter(j + 1) + (f" ({label})" if label else "")
        return DataError(
            message,
            file=str(self.file),
            sheet=self.sheet,
            row=self.row_numbers[i] if i is not None else None,
            column=column,
        )


def read_grid(path: str | Path, sheet: str | None = None) -> Grid:
    """Return the grid of an .xlsx sheet, or of a .csv/.tsv/.txt file (tab-separated)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".csv", ".tsv", ".txt"):
        if sheet:
            raise DataError(f"a {suffix} file has no sheets (asked for {sheet!r})", file=str(path))
        return _read_text(path)
    raise DataError(
        f"unsupported file type {suffix!r}: expected .xlsx, .csv, .tsv or .txt", file=str(path)
    )


def _read_xlsx(path: Path, sheet: str | None) -> Grid:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise DataError(f"cannot open as an Excel workbook ({err})", file=str(path)) from None
    names = wb.sheetnames
    if sheet is None:
        if len(names) > 1:
            raise DataError(
                f"the workbook has {len(names)} sheets; say which one: {', '.join(names)}",
                file=str(path),
            )
        sheet = names[0]
    if sheet not in names:
        wanted = unicodedata.normalize("NFC", sheet)
        match = [n for n in names if unicodedata.normalize("NFC", n) == wanted]
        if not match:
            raise DataError(
                f"no sheet {sheet!r}; the workbook has: {', '.join(names)}", file=str(path)
            )
        sheet = match[0]
    ws = wb[sheet]
    rows, numbers, bold = [], [], []
    for r, row in enumerate(ws.iter_rows(), start=1):
        values = [_xlsx_value(c) for c in row]
        while values and values[-1] in (None, ""):
            values.pop()
        rows.append(values)
        numbers.append(r)
        bold.append(any(c.value not in (None, "") and c.font is not None and c.font.b for c in row))
    merged = [
        (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges
    ]
    return Grid(path, sheet, rows, numbers, bold, merged)


def _xlsx_value(cell: Any) -> Any:
    """Return a cell's value; a number formatted as a percentage comes back in percent units."""
    value = cell.value
    fmt = cell.number_format or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt:
        decimals = len(fmt.split(".")[1].split("%")[0]) if "." in fmt else 0
        return ParsedNumber(round(value * 100, 10), decimals, True)
    return value


def _read_text(path: Path) -> Grid:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"not UTF-8 text (byte {err.start}); save it as UTF-8 or as .xlsx", file=str(path)
        ) from None
    lines = text.splitlines()
    if path.suffix.lower() == ".csv":
        dialect = csv.excel
        rows = [list(r) for r in csv.reader(lines, dialect)]
    else:
        rows = [line.split("\t") for line in lines]
    bold = []
    for i, row in enumerate(rows):
        while row and row[-1].strip() == "":
            row.pop()
        rows[i] = [c if c.strip() != "" else None for c in row]
        bold.append(any(c and ("<b>" in c.lower() or c.strip().startswith("**")) for c in row))
    return Grid(path, None, rows, list(range(1, len(rows) + 1)), bold)


# --- header -----------------------------------------------------------------------------


@dataclass
class Column:
    """One column of the table: its position, header path and (if mapped) what it holds."""

    index: int
    letter: str
    path: list[str]
    ref: str | None = None  # the plan card's metric@period, when mapped

    @property
    def label(self) -> str:
        """Return the header as one readable text."""
        return " › ".join(self.path)


@dataclass
class Row:
    """One row below the header, classified."""

    index: int  # position in the grid
    number: int  # row number as the analyst sees it
    kind: str  # unit | total | group | repeat_header | column_numbers | blank | text
    tt: int | None = None
    name: str = ""
    raw_name: str = ""
    values: dict[str, ParsedNumber | None] = field(default_factory=dict)
    bold: bool = False
    group: str | None = None


@dataclass
class Table:
    """A table found in a grid: its header, columns and classified rows."""

    grid: Grid
    header_rows: list[int]  # grid indexes
    tt_col: int
    name_col: int
    columns: list[Column]
    rows: list[Row]
    #: (row number, header texts) of each repeated header, with whether its spelling drifted
    repeats: list[tuple[int, bool]] = field(default_factory=list)

    @property
    def units(self) -> list[Row]:
        """Return the unit rows."""
        return [r for r in self.rows if r.kind == "unit"]

    @property
    def totals(self) -> list[Row]:
        """Return the totals rows."""
        return [r for r in self.rows if r.kind == "total"]

    @property
    def trailer(self) -> list[Row]:
        """Return the text rows below the last unit or totals row (notes, signatures)."""
        last = max((r.index for r in self.rows if r.kind in ("unit", "total")), default=-1)
        return [r for r in self.rows if r.kind == "text" and r.index > last]

    @property
    def header_row_numbers(self) -> list[int]:
        """Return the header's row numbers as the analyst sees them."""
        return [self.grid.row_numbers[i] for i in self.header_rows]


def _is_int_like(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value).rstrip(".")
    return int(text) if re.fullmatch(r"\d{1,4}", text) else None


def find_header(grid: Grid, row_number: str = "TT", unit_name: str = "Đơn vị") -> tuple[int, int]:
    """Return (row index, TT column) of the header's first row, or raise DataError."""
    tt_keys = ROW_NUMBER_KEYS | {text_key(row_number)}
    name_keys = UNIT_NAME_KEYS | {text_key(unit_name)}
    for i, row in enumerate(grid.rows):
        keys = [text_key(v) for v in row]
        tt = [j for j, k in enumerate(keys) if k in tt_keys]
        names = [j for j, k in enumerate(keys) if k in name_keys]
        if tt and names:
            return i, tt[0]
    raise grid.error(
        f"header not found: expected a row with a {row_number!r} column and a {unit_name!r} "
        "column above the figures"
    )


def _header_block(grid: Grid, first: int, tt_col: int, name_col: int) -> list[int]:
    """Return the grid indexes of the header rows starting at `first`."""
    block = [first]
    i = first + 1
    while i < len(grid.rows):
        row = grid.rows[i]
        if _is_int_like(grid.cell(i, tt_col)) is not None or is_column_numbers(row):
            break
        beyond = [v for j, v in enumerate(row) if j > name_col and cell_text(v)]
        if not beyond:
            break
        # a row with a name and figures is the table's first row; without a name, numbers
        # are header texts (a row of years under a spanning "Chỉ tiêu giao")
        if cell_text(grid.cell(i, name_col)) and any(
            _number_or_none(v) is not None for v in beyond
        ):
            break
        block.append(i)
        i += 1
    return block


_GROUP_TT_RE = re.compile(r"^(?:[IVXL]+|[A-Z])\.?$")
_COLNUM_RE = re.compile(r"^\(?(\d{1,2}|[A-Z])\)?$")


def is_column_numbers(row: list[Any]) -> bool:
    """Return True for a row that only numbers the columns (A | B | 1 | 2 | 3 ...)."""
    cells = [cell_text(v) for v in row if cell_text(v)]
    if len(cells) < 3 or not all(_COLNUM_RE.match(c) for c in cells):
        return False
    nums = [int(c.strip("()")) for c in cells if c.strip("()").isdigit()]
    return len(nums) >= 3 and all(b == a + 1 for a, b in zip(nums, nums[1:], strict=False))


def parse_cell(value: Any) -> ParsedNumber | None:
    """Return a cell's figure: Excel percent cells arrive already parsed, the rest as read."""
    if isinstance(value, ParsedNumber):
        return value
    return parse_number_detail(value)


def _number_or_none(value: Any) -> ParsedNumber | None:
    try:
        return parse_cell(value)
    except NumberParseError:
        return None


def _header_paths(grid: Grid, block: list[int], name_col: int) -> list[list[str]]:
    """Return, for every column, the header texts from the top row down (merges filled)."""
    width = max(len(grid.rows[i]) for i in block)
    filled: dict[tuple[int, int], Any] = {}
    for r0, c0, r1, c1 in grid.merged:
        top = grid.cell(r0, c0) if r0 < len(grid.rows) else None
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                filled[(r, c)] = top
    texts = []
    for depth, i in enumerate(block):
        row = []
        last = ""
        for j in range(width):
            value = grid.cell(i, j)
            if value in (None, "") and (i, j) in filled:
                value = filled[(i, j)]
            text = cell_text(value)
            leaf = depth == len(block) - 1
            if not text and not leaf and j > name_col and not grid.merged:
                text = last  # a spanning header in text copies: fill rightwards
            row.append(text)
            last = text if j > name_col else ""
        texts.append(row)
    paths = []
    for j in range(width):
        path: list[str] = []
        for row in texts:
            if row[j] and (not path or text_key(path[-1]) != text_key(row[j])):
                path.append(row[j])
        paths.append(path)
    return paths


def _match(path: list[str], wanted: list[str]) -> bool:
    """Return True if `wanted` (texts) is the end of `path`, compared by text_key."""
    if len(wanted) > len(path):
        return False
    tail = path[len(path) - len(wanted) :]
    return [text_key(t) for t in tail] == [text_key(t) for t in wanted]


def read_table(
    path: str | Path,
    sheet: str | None,
    columns: list[tuple[str, list[str]]],
    *,
    row_number: str = "TT",
    unit_name: str = "Đơn vị",
) -> Table:
    """Return the table in a file: `columns` maps each ref to the header path it must match."""
    grid = read_grid(path, sheet)
    first, tt_col = find_header(grid, row_number, unit_name)
    name_keys = UNIT_NAME_KEYS | {text_key(unit_name)}
    name_col = next(j for j, v in enumerate(grid.rows[first]) if text_key(v) in name_keys)
    block = _header_block(grid, first, tt_col, name_col)
    paths = _header_paths(grid, block, name_col)
    cols = [Column(j, get_column_letter(j + 1), p) for j, p in enumerate(paths)]
    for ref, wanted in columns:
        hits = [c for c in cols if c.index > name_col and _match(c.path, wanted)]
        if not hits:
            found = "; ".join(f"{c.letter}: {c.label}" for c in cols if c.index > name_col)
            raise grid.error(
                f"required column {' › '.join(wanted)!r} not found in the header "
                f"(rows {grid.row_numbers[block[0]]}-{grid.row_numbers[block[-1]]}); "
                f"found: {found}",
                block[0],
            )
        if len(hits) > 1:
            letters = ", ".join(c.letter for c in hits)
            raise grid.error(
                f"header {' › '.join(wanted)!r} matches several columns ({letters}); "
                "give the plan card the full header path",
                block[0],
            )
        if hits[0].ref is not None:
            raise grid.error(
                f"column {hits[0].letter} is mapped twice ({hits[0].ref} and {ref})", block[0]
            )
        hits[0].ref = ref
    table = Table(grid, block, tt_col, name_col, cols, [])
    _classify_rows(table)
    return table


def _classify_rows(table: Table) -> None:
    grid = table.grid
    header_texts = [[text_key(v) for v in grid.rows[i]] for i in table.header_rows]
    header_raw = [[cell_text(v) for v in grid.rows[i]] for i in table.header_rows]
    mapped = [c for c in table.columns if c.ref]
    tt_keys = {text_key(grid.cell(table.header_rows[0], table.tt_col))} | ROW_NUMBER_KEYS
    i = table.header_rows[-1] + 1
    group = None
    while i < len(grid.rows):
        number = grid.row_numbers[i]
        cells = grid.rows[i]
        tt_raw = grid.cell(i, table.tt_col)
        name_raw = grid.cell(i, table.name_col)
        figures = [grid.cell(i, c.index) for c in mapped]
        if not any(cell_text(v) for v in cells):
            table.rows.append(Row(i, number, "blank"))
            i += 1
            continue
        if is_column_numbers(cells):
            table.rows.append(Row(i, number, "column_numbers"))
            i += 1
            continue
        tt_key = text_key(tt_raw)
        if tt_key in tt_keys:
            # the header again, after a page break; its continuation rows follow it
            start = i
            rows_here = [i]
            j = i + 1
            while j < len(grid.rows) and len(rows_here) < len(table.header_rows):
                rows_here.append(j)
                j += 1
            raw = [[cell_text(v) for v in grid.rows[k]] for k in rows_here]
            keys = [[text_key(v) for v in grid.rows[k]] for k in rows_here]
            same_keys = keys == header_texts
            drift = same_keys and raw != header_raw
            if not same_keys and not _loosely_same(keys, header_texts):
                raise grid.error(
                    "the header is repeated here but differs from the first one "
                    f"(row {grid.row_numbers[table.header_rows[0]]}); a second table?",
                    start,
                )
            table.repeats.append((number, drift or not same_keys))
            for k in rows_here:
                table.rows.append(Row(k, grid.row_numbers[k], "repeat_header"))
            i = rows_here[-1] + 1
            continue
        name_text = cell_text(name_raw)
        label_key = text_key(name_raw) or tt_key
        if label_key in TOTAL_KEYS:
            values = _parse_figures(table, i, mapped)
            table.rows.append(
                Row(
                    i,
                    number,
                    "total",
                    name=name_text or cell_text(tt_raw),
                    values=values,
                    bold=grid.bold[i],
                )
            )
            i += 1
            continue
        tt = _is_int_like(tt_raw)
        has_figures = any(cell_text(v) for v in figures)
        if name_text and _GROUP_TT_RE.match(cell_text(tt_raw)):
            # "I | Khối huyện" or "A | Khối ngành": a group heading, maybe with its subtotals
            values = _parse_figures(table, i, mapped) if has_figures else {}
            table.rows.append(Row(i, number, "group", name=name_text, values=values))
            group = name_text
            i += 1
            continue
        if tt is not None or (name_text and has_figures and not _texty(figures)):
            if not name_text:
                raise grid.error("a row number without a unit name", i, table.name_col, "unit name")
            values = _parse_figures(table, i, mapped)
            table.rows.append(
                Row(
                    i,
                    number,
                    "unit",
                    tt=tt,
                    name=name_text,
                    raw_name=str(name_raw),
                    values=values,
                    bold=grid.bold[i],
                    group=group,
                )
            )
            i += 1
            continue
        # a line of text: a group label between unit rows, or notes below the table
        text = " ".join(cell_text(v) for v in cells if cell_text(v))
        table.rows.append(Row(i, number, "text", name=text))
        group = name_text or text
        i += 1
    # text rows above the first unit row and between unit rows are group labels
    last = max((r.index for r in table.rows if r.kind in ("unit", "total")), default=-1)
    for r in table.rows:
        if r.kind == "text" and r.index < last:
            r.kind = "group"


def _loosely_same(a: list[list[str]], b: list[list[str]]) -> bool:
    """Return True if two header blocks name the same columns, allowing spelling drift."""
    import difflib

    flat_a = "|".join(k for row in a for k in row if k)
    flat_b = "|".join(k for row in b for k in row if k)
    return difflib.SequenceMatcher(None, flat_a, flat_b).ratio() >= 0.85


def _texty(values: list[Any]) -> bool:
    """Return True if the non-empty cells are all text that is not a number."""
    filled = [v for v in values if cell_text(v)]
    return bool(filled) and all(_number_or_none(v) is None for v in filled)


def _parse_figures(table: Table, i: int, mapped: list[Column]) -> dict[str, ParsedNumber | None]:
    out: dict[str, ParsedNumber | None] = {}
    for col in mapped:
        value = table.grid.cell(i, col.index)
        try:
            out[col.ref] = parse_cell(value)
        except NumberParseError as err:
            raise table.grid.error(str(err), i, col.index, col.label) from None
    return out
