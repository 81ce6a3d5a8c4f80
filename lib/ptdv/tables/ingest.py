"""Read a raw table (xlsx, csv, tab-separated text) into a grid, then find its header and rows.

A grid is the cells as the analyst sees them, with the row numbers they see (Excel rows,
or text lines). `read_table` finds the header (over one or more rows, merged cells filled),
the columns a plan card maps, and classifies every row below: unit rows, totals rows,
group labels, repeated headers, blank rows and the notes below the table.

Text files may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark
(Excel's "Unicode text") or Windows-1258 (old Vietnamese files). In an .xlsx, a formula whose
file stores no computed value is recorded on the grid (`Grid.formulas`) so that it is
reported instead of read as an empty cell.

Every input is checked before a parser sees it (`check_input_file`, `open_workbook`): a
folder, an unreadable, empty or oversized file (over `PTDV_MAX_INPUT_MB`, default 50 MB),
and for an .xlsx what it really is (an old .xls, an .ods, a .docx, a password-protected
workbook or text renamed to .xlsx, a truncated download), a zip bomb (declared sizes and
compression ratios checked before anything is inflated) and XML with a DTD (entity
expansion: refused, and openpyxl parses with defusedxml besides). Each is one DataError
naming the file (relative to the project root) and what was expected.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ptdv.base import paths
from ptdv.base.errors import ConfigError, DataError
from ptdv.tables.numbers import (
    NumberParseError,
    ParsedColumn,
    ParsedNumber,
    parse_column,
    parse_number_detail,
)


def column_letter(n: int) -> str:
    """Return a spreadsheet column's letters from its 1-based number: 1 A, 27 AA, 16384 XFD.

    openpyxl's `get_column_letter`, without importing openpyxl for it (0.15 s, on the path
    of every text table's cleaning, where nothing else needs it); tested against it.
    """
    if not 1 <= n <= 18278:  # ZZZ, as openpyxl
        raise ValueError(f"invalid column index {n}")
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_TAG_RE = re.compile(r"<[^>]+>")
ROW_NUMBER_KEYS = {"tt", "stt", "sott", "no"}
UNIT_NAME_KEYS = {"donvi", "tendonvi", "unit"}
TOTAL_KEYS = {"tong", "tongcong", "cong", "tongso", "total", "toanbo", "cacnuoc", "toantinh"}
#: header words for the row-number column that a repeated header may use instead of "TT"
_ROW_NUMBER_WORDS = ROW_NUMBER_KEYS | {"sothutu"}

#: Vietnamese tone marks (grave, acute, tilde, hook above, dot below) as combining characters
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_VOWELS = "aăâeêioôơuưy"
#: every letter of the Vietnamese alphabet outside ASCII, composed (NFC)
_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", vowel + tone)
    for vowel in _VOWELS + _VOWELS.upper()
    for tone in ("", *_TONE_MARKS)
) - set("aeiouyAEIOUY") | {"đ", "Đ"}


def text_key(value: Any) -> str:
    """Return a comparison key for header text: no markup, accents, case, spaces or punctuation."""
    if value is None:
        return ""
    text = _TAG_RE.sub("", str(value)).replace("**", "")
    text = unicodedata.normalize("NFD", text).casefold().replace("đ", "d")
    # combining marks are outside [0-9a-z]: the substitution drops them with the rest
    return _NOT_KEY_RE.sub("", text)


_NOT_KEY_RE = re.compile(r"[^0-9a-z]+")


def cell_text(value: Any) -> str:
    """Return a cell's text as the analyst reads it (markup dropped, spaces collapsed, NFC)."""
    if value is None:
        return ""
    if isinstance(value, ParsedNumber):
        return f"{value.value:g}%"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (
        type(value) is str
        and "<" not in value
        and "**" not in value
        and value == " ".join(value.split())
        and unicodedata.is_normalized("NFC", value)
    ):
        return value  # nothing to drop, compose or collapse
    text = _TAG_RE.sub("", str(value)).replace("**", "")
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return _SPACES_RE.sub(" ", text).strip()


_SPACES_RE = re.compile(r"\s+")


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
    #: how a text file was decoded ("utf-8", "utf-16" or "windows-1258"); None for .xlsx
    encoding: str | None = None
    #: .xlsx formula cells with no computed value stored in the file (they read as empty):
    #: (row index, column index), 0-based -> the formula, e.g. "=SUM(C5:C9)"
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    #: .xlsx rows hidden in Excel, as the analyst numbers them (they are read all the same)
    hidden_rows: list[int] = field(default_factory=list)
    #: .xlsx: the sheet read is hidden in the workbook; these are the visible ones
    hidden_sheet: bool = False
    visible_sheets: list[str] = field(default_factory=list)

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
            column = column_letter(j + 1) + (f" ({label})" if label else "")
        return DataError(
            message,
            file=shown_path(self.file),
            sheet=self.sheet,
            row=self.row_numbers[i] if i is not None else None,
            column=column,
        )


def shown_path(path: str | Path) -> str:
    """Return a path as messages show it: relative to the project root when inside it."""
    path = Path(path)
    try:
        return Path(os.path.abspath(path)).relative_to(paths.root()).as_posix()
    except ValueError:
        return str(path)


#: the largest input file read by default, in MB (1 MB = 1,000,000 bytes)
DEFAULT_MAX_INPUT_MB = 50
#: the environment variable that changes it
MAX_INPUT_ENV = "PTDV_MAX_INPUT_MB"
#: an .xlsx member larger than this, inflated, may be at most MAX_ZIP_RATIO times its size
#: stored (real sheets compress 5-30 times; a zip bomb thousands of times)
ZIP_RATIO_FLOOR = 10_000_000
MAX_ZIP_RATIO = 100
#: an .xlsx may inflate to at most this many times the size limit in all
MAX_INFLATED_FACTOR = 20
#: how much of each XML member is searched for a DTD (a document type or entity declaration)
_DTD_SCAN_BYTES = 1 << 20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)"


def max_input_bytes() -> int:
    """Return the size limit of an input file in bytes (PTDV_MAX_INPUT_MB, default 50)."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * 1_000_000
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not mb > 0 or mb == float("inf"):
        raise ConfigError(f"{MAX_INPUT_ENV}={raw!r}: expected a positive number of megabytes")
    return max(1, int(mb * 1_000_000))


def _size_text(n: int) -> str:
    """Return a size for messages: '6,839 bytes'."""
    return f"{n:,} bytes"


def check_input_file(path: str | Path) -> bytes:
    """Raise DataError unless `path` is a readable, non-empty file within the size limit.

    Return its first 4096 bytes, for telling what it really is.
    """
    path = Path(path)
    shown = shown_path(path)
    if path.is_dir():
        raise DataError(
            f"a folder, not a file: expected the {path.suffix or 'table'} file itself here "
            "(an unzipped download? put the file in its place)",
            file=shown,
        )
    if not path.exists():
        raise DataError("file not found", file=shown)
    if not path.is_file():
        raise DataError(
            "not a regular file (a device or a pipe?): expected a table file", file=shown
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
            size = os.fstat(fh.fileno()).st_size
    except PermissionError:
        raise DataError(
            "permission denied: the user running ptdv may not read this file "
            "(give it read access, e.g. chmod a+r)",
            file=shown,
        ) from None
    except OSError as err:
        raise DataError(f"cannot read the file ({err.strerror or err})", file=shown) from None
    if size == 0:
        raise DataError(
            "the file is empty (0 bytes): a failed save or copy? get the file again", file=shown
        )
    limit = max_input_bytes()
    if size > limit:
        raise DataError(
            f"the file is {_size_text(size)}, over the limit of {_size_text(limit)} "
            f"({MAX_INPUT_ENV}={limit / 1_000_000:g}; default {DEFAULT_MAX_INPUT_MB}): is it the "
            f"right file? if so, set {MAX_INPUT_ENV} higher",
            file=shown,
        )
    return head


def _looks_like_text(head: bytes) -> bool:
    """Return True if the first bytes of a file read as text (a byte-order mark, or no NUL)."""
    if head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return b"\0" not in head and sum(b < 9 or 13 < b < 32 for b in head) * 100 <= len(head)


def _not_a_zip(path: Path, head: bytes) -> DataError:
    """Return the DataError for an .xlsx that is not a zip archive: say what it is instead."""
    shown = shown_path(path)
    if head.startswith(_OLE_MAGIC):
        data = path.read_bytes()  # within the size limit (check_input_file)
        if "EncryptedPackage".encode("utf-16-le") in data:
            return DataError(
                "the workbook is password-protected (encrypted), so it cannot be read: open it "
                "in Excel, remove the password (File › Info › Protect Workbook › Encrypt with "
                "Password) and save it again",
                file=shown,
            )
        if any(n.encode("utf-16-le") in data for n in ("Workbook", "Book")):
            return DataError(
                "an old Excel 97-2003 workbook (.xls) with an .xlsx name; " + _RESAVE,
                file=shown,
            )
        return DataError(
            "an old Office (OLE2) document, not an Excel workbook (.xlsx); " + _RESAVE,
            file=shown,
        )
    if head.startswith(b"PK"):
        return DataError(
            "the file is incomplete or damaged: an .xlsx is a zip archive and this one has no "
            "end (a download or copy cut short?); get the file again",
            file=shown,
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<")):
        return DataError(
            "an HTML or XML file with an .xlsx name (a web export?), not an Excel workbook; "
            + _RESAVE,
            file=shown,
        )
    if _looks_like_text(head):
        return DataError(
            "a text file (comma- or tab-separated?) with an .xlsx name, not an Excel workbook: "
            "rename it to .csv or .txt as its content is, or " + _RESAVE,
            file=shown,
        )
    return DataError(
        f"not an Excel workbook (.xlsx, a zip archive): it starts with bytes {head[:4].hex(' ')}; "
        + _RESAVE,
        file=shown,
    )


def _check_xlsx(path: Path, head: bytes) -> None:
    """Raise DataError unless `path` is a zip archive holding an Excel workbook, safe to open.

    Nothing is inflated before the archive's declared sizes are checked (zip bomb); then the
    first megabyte of each XML member is searched for a DTD (entity expansion).
    """
    shown = shown_path(path)
    if not head.startswith(b"PK\x03\x04"):
        raise _not_a_zip(path, head)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _not_a_zip(path, head) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "mimetype" in names:
            try:
                mime = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
            except Exception:  # noqa: BLE001 - only a hint for the message
                mime = ""
            if "opendocument.spreadsheet" in mime:
                raise DataError(
                    "an OpenDocument spreadsheet (.ods, from LibreOffice) with an .xlsx name; "
                    "open it in LibreOffice Calc and save it as Excel 2007-365 (.xlsx)",
                    file=shown,
                )
        if "xl/workbook.xml" not in names:
            kinds = {
                "word/document.xml": "a Word document (.docx)",
                "ppt/presentation.xml": "a PowerPoint presentation (.pptx)",
            }
            what = next((k for n, k in kinds.items() if n in names), "a zip archive")
            raise DataError(
                f"{what} with an .xlsx name, not an Excel workbook (no xl/workbook.xml inside); "
                "send the table itself as .xlsx",
                file=shown,
            )
        limit = max_input_bytes() * MAX_INFLATED_FACTOR
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > ZIP_RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
                raise DataError(
                    f"refused as a zip bomb: its part {info.filename} would inflate to "
                    f"{_size_text(info.file_size)}, more than {MAX_ZIP_RATIO} times its size in "
                    "the file (a real workbook compresses far less); nothing was read",
                    file=shown,
                )
            if total > limit:
                raise DataError(
                    f"refused: its parts would inflate to more than {_size_text(limit)} "
                    f"({MAX_INFLATED_FACTOR} times the {MAX_INPUT_ENV} limit); nothing was read",
                    file=shown,
                )
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with zf.open(info) as fh:
                    start = fh.read(_DTD_SCAN_BYTES)
            except Exception:  # noqa: BLE001 - openpyxl reports a damaged member below
                continue
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                raise DataError(
                    f"refused: its part {info.filename} declares a DTD (<!DOCTYPE or <!ENTITY), "
                    "which Excel never writes; XML entities could expand it enormously "
                    "(an entity-expansion attack or a file not made by a spreadsheet program); "
                    "nothing was read",
                    file=shown,
                )


def _defused_error(err: Exception) -> bool:
    """Return True for defusedxml's refusals (a DTD, an entity, an external reference)."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        return False
    seen: Exception | BaseException | None = err
    for _ in range(10):  # openpyxl wraps the parser's exception in its own
        if seen is None:
            return False
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def open_workbook(path: str | Path, **kwargs: Any) -> Any:
    """Return the openpyxl workbook of an .xlsx after check_input_file and the .xlsx checks.

    Whatever openpyxl raises on a damaged or hostile file becomes one DataError.
    """
    from openpyxl import load_workbook

    path = Path(path)
    head = check_input_file(path)
    _check_xlsx(path, head)
    try:
        return load_workbook(path, **kwargs)
    except Exception as err:  # noqa: BLE001 - any parser failure is a damaged file
        if _defused_error(err):
            raise DataError(
                "refused: the workbook's XML declares entities (an entity-expansion attack or "
                "a file not made by a spreadsheet program); nothing was read",
                file=shown_path(path),
            ) from None
        detail = " ".join(str(err).split()) or type(err).__name__  # one line
        raise DataError(
            f"cannot read the workbook, it is damaged ({detail}); "
            + _RESAVE.replace("open it", "open and repair it", 1),
            file=shown_path(path),
        ) from None


def sheet_list(names: list[str], hidden: set[str]) -> str:
    """Return the sheet names for a message, hidden ones marked: "Sheet1, Cũ (hidden)"."""
    return ", ".join(f"{n} (hidden)" if n in hidden else n for n in names)


def read_grid(path: str | Path, sheet: str | None = None) -> Grid:
    """Return the grid of an .xlsx sheet, or of a .csv/.tsv/.txt file (tab-separated)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".tsv", ".txt"):
        if not path.is_file():
            check_input_file(path)  # says what it is instead: missing, a folder, a device
        raise DataError(
            f"unsupported file type {suffix!r}: expected .xlsx, .csv, .tsv or .txt",
            file=shown_path(path),
        )
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    check_input_file(path)
    if sheet:
        raise DataError(
            f"a {suffix} file has no sheets (asked for {sheet!r})", file=shown_path(path)
        )
    return _read_text(path)


def _read_xlsx(path: Path, sheet: str | None) -> Grid:
    """Return the grid of one sheet: computed values, bold rows, merges, uncomputed formulas.

    Without a sheet name the workbook's only visible sheet is read. A sheet the caller names
    is read even when hidden in Excel (Grid.hidden_sheet says so, for the quality log).
    """
    wb = open_workbook(path, data_only=True)
    shown = shown_path(path)
    names = wb.sheetnames
    hidden = {n for n in names if wb[n].sheet_state != "visible"}
    visible = [n for n in names if n not in hidden]
    if sheet is None:
        if len(visible) != 1:
            raise DataError(
                f"the workbook has {len(names)} sheets; say which one: {sheet_list(names, hidden)}",
                file=shown,
            )
        sheet = visible[0]
    if sheet not in names:
        wanted = unicodedata.normalize("NFC", sheet)
        match = [n for n in names if unicodedata.normalize("NFC", n) == wanted]
        if not match:
            raise DataError(
                f"no sheet {sheet!r}; the workbook has: {sheet_list(names, hidden)}", file=shown
            )
        sheet = match[0]
    ws = wb[sheet]
    rows, numbers, bold = [], [], []
    # cells read as empty that may be formulas with no computed value: a formula whose result
    # is an empty text was computed (it comes back typed as text), so it is not one of them
    blank: set[tuple[int, int]] = set()
    for r, row in enumerate(ws.iter_rows(), start=1):
        blank.update(
            (r - 1, j) for j, c in enumerate(row) if c.value is None and c.data_type == "n"
        )
        values = [_xlsx_value(c) for c in row]
        while values and values[-1] in (None, ""):
            values.pop()
        rows.append(values)
        numbers.append(r)
        bold.append(any(c.value not in (None, "") and c.font is not None and c.font.b for c in row))
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        others = [n for n in names if n != sheet]
        where = f"; the workbook's other sheets: {sheet_list(others, hidden)}" if others else ""
        raise DataError(
            "the sheet is empty (no cell holds anything): expected the table on it" + where,
            file=shown,
            sheet=sheet,
        )
    numbers = numbers[: len(rows)]
    bold = bold[: len(rows)]
    merged = [
        (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges
    ]
    hidden_rows = sorted(
        r for r, dim in ws.row_dimensions.items() if dim.hidden and r <= len(rows) and rows[r - 1]
    )
    formulas = _xlsx_formulas(path, sheet, blank)
    return Grid(
        path,
        sheet,
        rows,
        numbers,
        bold,
        merged,
        formulas=formulas,
        hidden_rows=hidden_rows,
        hidden_sheet=sheet in hidden,
        visible_sheets=visible,
    )


def _xlsx_formulas(
    path: Path, sheet: str, blank: set[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    """Return {(row index, col index): formula} for the formula cells of `sheet` in `blank`.

    The workbook is opened again without computed values (read-only: only this sheet is
    parsed), where a formula cell holds its formula text.
    """

    if not blank:
        return {}
    wb = open_workbook(path, read_only=True, data_only=False)
    try:
        out: dict[tuple[int, int], str] = {}
        for row in wb[sheet].iter_rows():
            for c in row:
                if getattr(c, "data_type", None) != "f":
                    continue
                key = (c.row - 1, c.column - 1)
                value = c.value  # "=SUM(C5:C9)", or an ArrayFormula with its text
                text = value if isinstance(value, str) else getattr(value, "text", None)
                if key in blank and text:
                    out[key] = str(text)
        return out
    finally:
        wb.close()


def _xlsx_value(cell: Any) -> Any:
    """Return a cell's value; a number formatted as a percentage comes back in percent units."""
    value = cell.value
    fmt = cell.number_format or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt:
        decimals = len(fmt.split(".")[1].split("%")[0]) if "." in fmt else 0
        return ParsedNumber(round(value * 100, 10), decimals, True)
    return value


class TextRows(Sequence):
    """The rows of a tab-separated text file, each split into its cells when first read.

    A row reads as _read_text reads it: the line split at tabs, empty cells at its end
    dropped and the other empty ones None. Only for files with no cell of spaces, which
    needs more. `column` gives one column of many rows at once, as Arrow text,
    without splitting the rows one by one (a national table has millions of cells).
    """

    def __init__(self, lines: list[str]) -> None:
        """Keep the lines; nothing is split yet."""
        self._lines = lines
        self._rows: list[list[str | None] | None] = [None] * len(lines)
        #: first row -> the cells of the rows from it, split by Arrow: the rows' offsets into
        #: the cells, the cells and which of them hold text
        self._split: dict[int, tuple[np.ndarray, Any, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, i: Any) -> Any:  # noqa: ANN401
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self._lines)))]
        row = self._rows[i]
        if row is None:
            cells = self._lines[i].split("\t")
            while cells and cells[-1] == "":
                cells.pop()
            row = self._rows[i] = [c or None for c in cells]
        return row

    def __iter__(self) -> Iterator[list[str | None]]:
        return (self[i] for i in range(len(self._lines)))

    def column(self, j: int, first: int = 0) -> Any:  # noqa: ANN401
        """Return cell j of the rows from `first` on, as an Arrow text array (null: empty)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if first not in self._split:
            lines = pa.array(self._lines[first:], type=pa.large_string())
            split = pc.split_pattern(lines, "\t")
            filled = pc.binary_length(split.values).to_numpy() > 0
            self._split[first] = (split.offsets.to_numpy(), split.values, filled)
        offsets, values, filled = self._split[first]
        at = offsets[:-1] + j
        there = at < offsets[1:]
        at = np.where(there, at, 0)
        if len(values):
            there &= filled[at]
        return values.take(pa.array(at, mask=~there))


def _read_text(path: Path) -> Grid:
    """Return the grid of a tab-separated (.txt, .tsv) or comma-separated (.csv) text file."""
    text, encoding = _decode_text(path, path.read_bytes())
    lines = text.splitlines()
    numbers = list(range(1, len(lines) + 1))
    csv_file = path.suffix.lower() == ".csv"
    # a cell of spaces reads as empty; without any (the usual file) an empty text is enough
    spaces = (
        csv_file
        or _SPACES_FIRST_CELL_RE.match(text) is not None
        or _SPACES_CELL_RE.search(text) is not None
    )
    # "<b>" in text.lower(), without lowering the whole text: only "B" lowers to "b"
    marked = "**" in text or "<b>" in text or "<B>" in text
    if not spaces:
        # the usual tab-separated file: rows are split when read, columns taken whole
        rows = TextRows(lines)
        bold = [False] * len(lines)
        for i in _marked_lines(lines) if marked else ():
            bold[i] = _marked_cell(rows[i])
        return Grid(path, None, rows, numbers, bold, encoding=encoding)
    if csv_file:
        rows = [list(r) for r in csv.reader(lines, csv.excel)]
    else:
        rows = [line.split("\t") for line in lines]
    bold = []
    for i, row in enumerate(rows):
        while row and row[-1].strip() == "":
            row.pop()
        rows[i] = [c if c and not c.isspace() else None for c in row]
        bold.append(marked and _marked_line("\t".join(row)) and _marked_cell(row))
    return Grid(path, None, rows, numbers, bold, encoding=encoding)


def _marked_lines(lines: list[str]) -> list[int]:
    """Return the positions of the lines _marked_line says may hold a bold cell.

    One Arrow pass over every line (a national table has 135,000), not one search each.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    hits = pc.match_substring_regex(pa.array(lines, type=pa.large_string()), _MARK_RE.pattern)
    return np.flatnonzero(hits.to_numpy(zero_copy_only=False)).tolist()


def _marked_line(line: str) -> bool:
    """Return True if a line may hold a bold cell: a cell holds "<b>" or starts with "**"
    only if its line holds them (the quick test before _marked_cell)."""
    return _MARK_RE.search(line) is not None


#: "**" or "<b>" in any case (as `"<b>" in line.lower()`: no other letter lowers to b)
_MARK_RE = re.compile(r"\*\*|<[bB]>")


def _marked_cell(row: list[Any]) -> bool:
    """Return True if a cell of a text file's row is marked bold ("<b>..." or "**...")."""
    return any(c and ("<b>" in c.lower() or c.strip().startswith("**")) for c in row)


#: the white space characters of str.isspace, but tab and those str.splitlines breaks at
_SPACE_CHARS = "".join(
    c
    for c in map(chr, range(0x3001))
    if c.isspace() and c != "\t" and len(f"a{c}a".splitlines()) == 1
)
_BREAK_CHARS = "".join(
    c for c in map(chr, range(0x3001)) if c.isspace() and len(f"a{c}a".splitlines()) > 1
)
#: a tab-separated cell holding only white space (something str.isspace is True for), after
#: a tab or a line break; the text's first cell is _SPACES_CELL_RE's with \A instead (a
#: pattern that begins with `\A|` is searched two and a half times slower)
_SPACES_CELL_RE = re.compile(
    f"[\\t{re.escape(_BREAK_CHARS)}][{re.escape(_SPACE_CHARS)}]+"
    f"(?=[\\t{re.escape(_BREAK_CHARS)}]|\\Z)"
)
_SPACES_FIRST_CELL_RE = re.compile(
    f"\\A[{re.escape(_SPACE_CHARS)}]+(?=[\\t{re.escape(_BREAK_CHARS)}]|\\Z)"
)


def _decode_text(path: Path, raw: bytes) -> tuple[str, str]:
    """Return a text file's text and the encoding it was read in, or raise DataError.

    A byte-order mark decides (UTF-8, or UTF-16 as Excel's "Unicode text" writes it).
    Without one the file is UTF-8, or else Windows-1258 if it reads as Vietnamese; that
    encoding writes most tone marks as separate combining characters, recomposed here (NFC).
    UTF-8 and UTF-16 text is kept as written: names are composed when read (cell_text), and
    the quality log can say so.
    """
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8"
        except UnicodeDecodeError as err:
            raise DataError(
                f"not UTF-8 text (byte {err.start + len(codecs.BOM_UTF8)}) although it starts "
                "with a UTF-8 byte-order mark; save it as UTF-8 or as .xlsx",
                file=shown_path(path),
            ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise DataError(
                f"not UTF-16 text (byte {err.start}) although it starts with a UTF-16 "
                "byte-order mark; save it as UTF-8 or as .xlsx",
                file=shown_path(path),
            ) from None
    nuls = raw.count(0)
    if nuls and nuls * 10 >= len(raw):
        raise DataError(
            f"looks like UTF-16 text without a byte-order mark ({nuls} of {len(raw)} bytes "
            "are NUL); save it as UTF-8 (or from Excel as Unicode text, which writes the mark) "
            "or as .xlsx",
            file=shown_path(path),
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        bad = err.start
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and _reads_as_vietnamese(text):
        return unicodedata.normalize("NFC", text), "windows-1258"
    raise DataError(
        f"neither UTF-8 nor recognisably Windows-1258 (Vietnamese) text: byte {bad} is not "
        "UTF-8, and read as Windows-1258 the text is not Vietnamese; save it as UTF-8 or as "
        ".xlsx",
        file=shown_path(path),
    )


def _reads_as_vietnamese(text: str) -> bool:
    """Return True if the letters outside ASCII are (nearly all) Vietnamese ones.

    At least one must be a letter only Vietnamese uses (đ, ơ, ư, ă, or a vowel with a tone
    mark beyond Latin-1, such as ạ or ễ); a tone mark left over after a consonant, or a
    letter such as ü, ß or ç, counts against (one in twenty is tolerated).
    """
    vietnamese = foreign = 0
    distinctive = False
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii() or unicodedata.category(ch)[0] not in "LM":
            continue
        if ch in _VIETNAMESE_LETTERS:
            vietnamese += 1
            distinctive = distinctive or ord(ch) > 0xFF
        else:
            foreign += 1
    return distinctive and foreign * 20 <= vietnamese


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


class _Figures:
    """The mapped columns' cells of every row below a header, parsed at once (parse_column)."""

    def __init__(self, grid: Grid, first: int, mapped: list[Column]) -> None:
        """Parse the cells of rows `first`.. of the grid in the mapped columns."""
        self.first = first
        self.cols: dict[str, ParsedColumn] = {}
        bad = np.zeros(max(len(grid.rows) - first, 0), dtype=bool)
        if isinstance(grid.rows, TextRows):  # a text file's columns, straight from its lines
            columns = {c.index: grid.rows.column(c.index, first) for c in mapped}
        else:
            rows = grid.rows[first:]
            width = max((c.index for c in mapped), default=-1) + 1
            # the grid's columns (rows padded with None), transposed at C speed
            every = list(itertools.zip_longest(*rows, [None] * width, fillvalue=None))
            columns = {c.index: list(every[c.index][: len(rows)]) for c in mapped}
        for c in mapped:
            col = parse_column(columns[c.index])
            self.cols[c.ref] = col
            if col.errors:
                bad[list(col.errors)] = True
        self.bad = bad

    def row(self, pos: int) -> dict[str, ParsedNumber | None]:
        """Return the figures of one row (ref -> figure, None if empty), in column order."""
        return {ref: col.get(pos) for ref, col in self.cols.items()}


class _LazyValues(dict):
    """A unit row's figures (ref -> ParsedNumber or None), made from _Figures when first read."""

    __slots__ = ("_pending", "pos", "store")

    def __init__(self, store: _Figures, pos: int) -> None:
        super().__init__()
        self.store, self.pos, self._pending = store, pos, True

    def _full(self) -> _LazyValues:
        if self._pending:
            self._pending = False
            dict.update(self, self.store.row(self.pos))
        return self

    def __getitem__(self, key: str) -> ParsedNumber | None:
        return dict.__getitem__(self._full(), key)

    def __setitem__(self, key: str, value: ParsedNumber | None) -> None:
        dict.__setitem__(self._full(), key, value)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self._full(), key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self._full(), key)

    def __iter__(self):  # noqa: ANN204
        return dict.__iter__(self._full())

    def __len__(self) -> int:
        return dict.__len__(self._full())

    def __repr__(self) -> str:
        return dict.__repr__(self._full())

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(self._full(), other)

    __hash__ = None  # type: ignore[assignment]

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401
        return dict.get(self._full(), key, default)

    def keys(self):  # noqa: ANN201
        return dict.keys(self._full())

    def values(self):  # noqa: ANN201
        return dict.values(self._full())

    def items(self):  # noqa: ANN201
        return dict.items(self._full())

    def copy(self) -> dict[str, ParsedNumber | None]:
        return dict(self._full().items())

    def pop(self, *args: Any) -> Any:  # noqa: ANN401
        return dict.pop(self._full(), *args)

    def update(self, *args: Any, **kwargs: Any) -> None:
        dict.update(self._full(), *args, **kwargs)


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
    #: totals and group rows only: ref -> why its cell could not be read (its value is None),
    #: e.g. "the formula =SUM(C5:C9) in cell C10 has no computed value"
    unreadable: dict[str, str] = field(default_factory=dict)


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
    #: the mapped cells of every row below the header, parsed at once (unit rows read them)
    figures: _Figures | None = field(default=None, repr=False, compare=False)

    def _unit_positions(self, units: list[Row]) -> np.ndarray | None:
        """Return where the unit rows' figures are in `figures`, or None if not all are."""
        key = (len(self.rows), len(units), id(self.figures))
        cached = getattr(self, "_positions", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        store = self.figures
        pos = None
        if store is not None and all(
            type(r.values) is _LazyValues and r.values.store is store for r in units
        ):
            pos = np.fromiter((r.values.pos for r in units), dtype=np.int64, count=len(units))
        self._positions = (key, pos)
        return pos

    def unit_figures(self, ref: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return one mapped column over the unit rows: values, decimals, percent flags.

        Values are NaN and decimals -1 where a unit row has no figure (as Row.values' None).
        """
        units = self.units
        store = self.figures
        pos = self._unit_positions(units)
        if pos is not None:
            col = store.cols[ref]
            return col.value[pos], col.decimals[pos], col.percent[pos]
        got = [r.values.get(ref) for r in units]
        return (
            np.array([np.nan if v is None else v.value for v in got], dtype=np.float64),
            np.array([-1 if v is None else v.decimals for v in got], dtype=np.int16),
            np.array([False if v is None else v.percent for v in got], dtype=bool),
        )

    @property
    def units(self) -> list[Row]:
        """Return the unit rows (kept while the rows are the same: read for every column)."""
        rows = self.rows
        key = (id(rows), len(rows), rows[-1] if rows else None)
        cached = self.__dict__.get("_units")
        if cached is not None and cached[0][0] == key[0] and cached[0][1] == key[1]:
            if cached[0][2] is key[2]:
                return list(cached[1])
        units = [r for r in rows if r.kind == "unit"]
        self._units = (key, units)
        return list(units)

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


_GROUP_TT_RE = re.compile(r"^(?:[IVXLCDM]+|[A-Z])\.?$")
_COLNUM_RE = re.compile(r"^\(?(\d{1,2}|[A-Z])\)?$")


def is_column_numbers(row: list[Any]) -> bool:
    """Return True for a row that only numbers the columns (A | B | 1 | 2 | 3 ...)."""
    cells = []
    for v in row:
        text = cell_text(v)
        if text:
            if not _COLNUM_RE.match(text):
                return False
            cells.append(text)
    if len(cells) < 3:
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


def header_matches(path: list[str], wanted: list[str]) -> bool:
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
    cols = [Column(j, column_letter(j + 1), p) for j, p in enumerate(paths)]
    for ref, wanted in columns:
        hits = [c for c in cols if c.index > name_col and header_matches(c.path, wanted)]
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
    _refuse_merged_rows(table)
    if not any(r.kind == "unit" for r in table.rows):
        below = [r for r in table.rows if r.kind not in ("blank", "repeat_header")]
        what = "nothing but a totals row or text" if below else "nothing"
        raise grid.error(
            f"the header ({_rows_text(grid, block)}) has {what} below it: expected a row for "
            f"each unit, numbered in column {column_letter(tt_col + 1)} and named in column "
            f"{column_letter(name_col + 1)}",
            block[0],
        )
    return table


def _rows_text(grid: Grid, block: list[int]) -> str:
    """Return 'row 5' or 'rows 5-6' for a block of grid rows."""
    first, last = grid.row_numbers[block[0]], grid.row_numbers[block[-1]]
    return f"row {first}" if first == last else f"rows {first}-{last}"


def _refuse_merged_rows(table: Table) -> None:
    """Raise DataError if cells of the unit names or mapped columns span two table rows.

    A figure merged over two units (or a unit and the totals) belongs to neither alone:
    read as it stands, the first would get it and the others nothing, silently.
    """
    grid = table.grid
    if not grid.merged:
        return
    rows = {r.index: r for r in table.rows if r.kind in ("unit", "total")}
    labels = {c.index: c.label for c in table.columns if c.ref}
    labels[table.name_col] = "unit name"
    first = table.header_rows[-1] + 1
    for r0, c0, r1, c1 in sorted(grid.merged):
        if r1 == r0 or r1 < first:
            continue
        spanned = [rows[i] for i in range(max(r0, first), r1 + 1) if i in rows]
        cols = [j for j in range(c0, c1 + 1) if j in labels]
        if len(spanned) < 2 or not cols:
            continue
        cells = f"{column_letter(c0 + 1)}{grid.row_numbers[r0]}:" + (
            f"{column_letter(c1 + 1)}{grid.row_numbers[r1]}"
        )
        names = ", ".join(r.name for r in spanned)
        raise grid.error(
            f"cells {cells} are merged across rows {grid.row_numbers[r0]}-"
            f"{grid.row_numbers[r1]} ({names}): each row needs its own figure; unmerge the "
            "cells and type each row's figure",
            r0,
            cols[0],
            labels[cols[0]],
        )


def _classify_rows(table: Table) -> None:
    """Classify every row below the header (Table.rows) and note repeated headers."""
    grid = table.grid
    header_texts = [[text_key(v) for v in grid.rows[i]] for i in table.header_rows]
    header_raw = [[cell_text(v) for v in grid.rows[i]] for i in table.header_rows]
    mapped = [c for c in table.columns if c.ref]
    tt_keys = {text_key(grid.cell(table.header_rows[0], table.tt_col))} | ROW_NUMBER_KEYS
    i = table.header_rows[-1] + 1
    store = table.figures = _Figures(grid, i, mapped)
    # the row numbers and names of every row below the header, taken as columns
    tts = _column_values(grid, table.tt_col, i)
    if isinstance(grid.rows, TextRows):
        column = grid.rows.column(table.name_col, i)
        names = column.to_pylist()
        plain = _plain_unit_names(column, names)
    else:
        names, plain = _column_values(grid, table.name_col, i), None
    # the common unit row of a text file ("17" | "CĐCS ..." | figures) is recognised without
    # the checks below, which it passes: see _plain_unit_name
    quick = not grid.formulas and not any(k.isdigit() for k in tt_keys)
    group = None
    while i < len(grid.rows):
        number = grid.row_numbers[i]
        tt_raw = tts[i - store.first]
        name_raw = names[i - store.first]
        if (
            quick
            and type(tt_raw) is str
            and len(tt_raw) <= 4
            and tt_raw.isascii()
            and tt_raw.isdigit()
            and type(name_raw) is str
        ):
            pos = i - store.first
            name_text = name_raw if plain and plain[pos] else _plain_unit_name(name_raw)
            if name_text:
                values = (
                    _parse_figures(table, i, mapped) if store.bad[pos] else _LazyValues(store, pos)
                )
                table.rows.append(
                    Row(
                        i,
                        number,
                        "unit",
                        tt=int(tt_raw),
                        name=name_text,
                        raw_name=name_raw,
                        values=values,
                        bold=grid.bold[i],
                        group=group,
                    )
                )
                i += 1
                continue
        cells = grid.rows[i]
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
            # the same words over other years are another table, however alike
            other_years = _block_years(raw) != _block_years(header_raw)
            loosely = _loosely_same(keys, header_texts) or _repeat_block(table, i) is not None
            if not same_keys and (other_years or not loosely):
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
            unreadable: dict[str, str] = {}
            values = _parse_figures(table, i, mapped, unreadable)
            table.rows.append(
                Row(
                    i,
                    number,
                    "total",
                    name=name_text or cell_text(tt_raw),
                    values=values,
                    bold=grid.bold[i],
                    unreadable=unreadable,
                )
            )
            i += 1
            continue
        tt = _is_int_like(tt_raw)
        if tt is None:
            repeat = _repeat_block(table, i)
            if repeat:
                # the header again after a page break, reworded ("Số thứ tự", "Tên đơn vị")
                table.repeats.append((number, True))
                for k in repeat:
                    table.rows.append(Row(k, grid.row_numbers[k], "repeat_header"))
                i = repeat[-1] + 1
                continue
        # a row numbered 1, 2, ... is a unit row whatever its cells: read them only otherwise
        figures = [grid.cell(i, c.index) for c in mapped] if tt is None else []
        has_figures = any(cell_text(v) for v in figures)
        # a formula with no computed value reads as empty but is a figure all the same
        has_formulas = bool(grid.formulas) and any((i, c.index) in grid.formulas for c in mapped)
        if name_text and _GROUP_TT_RE.match(cell_text(tt_raw)):
            # "I | Khối huyện" or "A | Khối ngành": a group heading, maybe with its subtotals
            unreadable = {}
            values = (
                _parse_figures(table, i, mapped, unreadable) if has_figures or has_formulas else {}
            )
            table.rows.append(
                Row(i, number, "group", name=name_text, values=values, unreadable=unreadable)
            )
            group = name_text
            i += 1
            continue
        if tt is not None or (
            name_text and (has_formulas or (has_figures and not _texty(figures)))
        ):
            if not name_text:
                raise grid.error("a row number without a unit name", i, table.name_col, "unit name")
            pos = i - store.first
            if store.bad[pos] or has_formulas:
                values = _parse_figures(table, i, mapped)  # raises on the first bad cell
            else:
                values = _LazyValues(store, pos)
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


def _column_values(grid: Grid, j: int, first: int) -> list[Any]:
    """Return cell j of every row from `first` on (None: empty or beyond the row's end)."""
    if isinstance(grid.rows, TextRows):
        return grid.rows.column(j, first).to_pylist()
    return [grid.cell(i, j) for i in range(first, len(grid.rows))]


_ASCII_NOT_KEY_RE = re.compile(r"[^0-9A-Za-z]+")
_LONGEST_TOTAL_KEY = max(len(k) for k in TOTAL_KEYS)


def _plain_unit_name(raw: str) -> str:
    """Return the name of a row numbered 1, 2, ... if it is certainly a unit row's, else "".

    Such a row (its number an ASCII number of up to four digits, _classify_rows) is a unit
    row when its name cell is not empty, does not number a column (so the row is not
    column numbers) and is not a totals label: a name with no markup and more ASCII letters
    and digits than the longest totals key has a longer text_key. Other rows go the long way.
    """
    text = cell_text(raw)
    if (
        not text
        or "<" in raw
        or _COLNUM_RE.match(text)
        or len(_ASCII_NOT_KEY_RE.sub("", raw)) <= _LONGEST_TOTAL_KEY
    ):
        return ""
    return text


#: What Python's str.split() takes for a space, but the space itself (tested against
#: str.isspace over all of Unicode).
_OTHER_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: A cell text cell_text would change: markup, or spaces that are not single spaces.
_NOT_PLAIN_RE = "<|\\*\\*|  |^ | $|[" + _OTHER_SPACES + "]"


def _plain_unit_names(names: Any, texts: list[str | None] | None = None) -> list[bool]:  # noqa: ANN401
    """Return, for each name cell, whether _plain_unit_name certainly gives it back unchanged.

    Done on the whole column (a national table has 135,000 names): the cell is not empty,
    holds no markup and only single spaces, is in NFC (so cell_text returns it as it is),
    and has more ASCII letters and digits than the longest totals key, which no column
    number has either. A False only sends the row to _plain_unit_name. `names` is an Arrow
    text array; `texts`, the same names as Python texts if at hand.
    """
    import pyarrow.compute as pc

    unmarked = pc.fill_null(pc.invert(pc.match_substring_regex(names, _NOT_PLAIN_RE)), False)
    plain = unmarked.to_numpy(zero_copy_only=False) & (
        _ascii_alnum_counts(names) > _LONGEST_TOTAL_KEY
    )
    # in NFC: Python's quick check (what cell_text normalises with), a seventh of the time
    # Arrow takes to normalise every name and compare
    texts = names.to_pylist() if texts is None else texts
    nfc = unicodedata.is_normalized
    for k in np.flatnonzero(plain).tolist():
        plain[k] = nfc("NFC", texts[k])
    return plain.tolist()


#: Which bytes are ASCII letters and digits (no byte of a multi-byte UTF-8 letter is).
_ASCII_ALNUM = np.zeros(256, dtype=np.int32)
_ASCII_ALNUM[[ord(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]] = 1


def _ascii_alnum_counts(texts: Any) -> np.ndarray:  # noqa: ANN401 - an Arrow text array
    """Return how many ASCII letters and digits each text holds (0 for a null).

    Counted over the column's UTF-8 bytes at once: what `len(re.sub("[^0-9A-Za-z]+", "",
    text))` gives, without building the texts it would leave.
    """
    import pyarrow as pa

    texts = texts.cast(pa.large_string())
    _validity, offsets_buf, data_buf = texts.buffers()
    first = texts.offset  # a slice's first text, within the buffers it shares
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[first : first + len(texts) + 1]
    data = np.frombuffer(data_buf or b"", dtype=np.uint8)
    running = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum(_ASCII_ALNUM[data], out=running[1:])
    return running[offsets[1:]] - running[offsets[:-1]]


def _loosely_same(a: list[list[str]], b: list[list[str]]) -> bool:
    """Return True if two header blocks name the same columns, allowing spelling drift."""
    flat_a = "|".join(k for row in a for k in row if k)
    flat_b = "|".join(k for row in b for k in row if k)
    return difflib.SequenceMatcher(None, flat_a, flat_b).ratio() >= 0.85


_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _block_years(rows: list[list[str]]) -> list[str]:
    """Return the years named in a block of header rows (cell texts), in reading order."""
    return [y for row in rows for cell in row for y in _years(cell)]


def _years(value: Any) -> list[str]:
    """Return the years a header cell names, in order ("Giai đoạn 2021-2023" -> 2021, 2023)."""
    return _YEAR_RE.findall(cell_text(value))


def _repeat_block(table: Table, start: int) -> list[int] | None:
    """Return the grid indexes of the header repeated from row `start`, or None if it is not.

    The rows from `start`, as many as the header has, are compared with the header cell by
    cell (text_key): a repeat, maybe reworded, when at least 60% of the header's non-empty
    cells match (_same_header_cell), no row carries a row number and no mapped column holds a
    figure the header does not. Such a block that names other years than the header's is the
    header of another table: DataError.
    """
    grid = table.grid
    rows_here = list(range(start, start + len(table.header_rows)))
    if rows_here[-1] >= len(grid.rows):
        return None
    if any(_is_int_like(grid.cell(k, table.tt_col)) is not None for k in rows_here):
        return None
    mapped = {c.index for c in table.columns if c.ref}
    cells = matched = 0
    other_years = False
    for h, k in zip(table.header_rows, rows_here, strict=True):
        for j in range(max(len(grid.rows[h]), len(grid.rows[k]))):
            value = grid.cell(k, j)
            head, here = text_key(grid.cell(h, j)), text_key(value)
            if j in mapped and here != head and _number_or_none(value) is not None:
                return None  # a figure: a row of the table, not its header
            years_head, years_here = _years(grid.cell(h, j)), _years(value)
            if years_head and years_here and years_head != years_here:
                other_years = True  # never a match, however alike the words
            elif head:
                matched += _same_header_cell(head, here)
            cells += bool(head)
    if not cells or matched < 0.6 * cells:
        return None
    if other_years:
        raise grid.error(
            "the header is repeated here but differs from the first one "
            f"(row {grid.row_numbers[table.header_rows[0]]}); a second table?",
            start,
        )
    return rows_here


def _same_header_cell(a: str, b: str) -> bool:
    """Return True if two header cells (text keys) plausibly name the same column.

    Equal; both words for the row number ("TT", "STT", "Số thứ tự") or for the unit name;
    one inside the other ("Năm 2024" in "Chỉ tiêu năm 2024"); or similar (difflib ratio at
    least 0.6).
    """
    if not a or not b:
        return False
    if a == b:
        return True
    if {a, b} <= _ROW_NUMBER_WORDS or {a, b} <= UNIT_NAME_KEYS:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 2 and short in long:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.6


def _texty(values: list[Any]) -> bool:
    """Return True if the non-empty cells are all text that is not a number."""
    filled = [v for v in values if cell_text(v)]
    return bool(filled) and all(_number_or_none(v) is None for v in filled)


def _parse_figures(
    table: Table, i: int, mapped: list[Column], unreadable: dict[str, str] | None = None
) -> dict[str, ParsedNumber | None]:
    """Return the figures of row i in the mapped columns (ref -> figure, None if empty).

    A cell that cannot be read (text that is not a number, a formula with no computed value)
    raises DataError; with `unreadable` (totals and group rows) it is recorded there instead,
    ref -> what is wrong, and its figure is None.
    """
    grid = table.grid
    out: dict[str, ParsedNumber | None] = {}
    for col in mapped:
        value = grid.cell(i, col.index)
        cell = f"{col.letter}{grid.row_numbers[i]}"
        formula = grid.formulas.get((i, col.index))
        if formula is not None and value is None:
            if unreadable is None:
                raise grid.error(
                    f"cell {cell} holds the formula {formula} with no computed value (the file "
                    "was written by a program or never opened in Excel): open it in Excel or "
                    "LibreOffice and save it so the values are stored, or type the figures in",
                    i,
                    col.index,
                    col.label,
                )
            unreadable[col.ref] = f"the formula {formula} in cell {cell} has no computed value"
            out[col.ref] = None
            continue
        try:
            out[col.ref] = parse_cell(value)
        except NumberParseError as err:
            if unreadable is None:
                raise grid.error(str(err), i, col.index, col.label) from None
            unreadable[col.ref] = f"the text {cell_text(value)!r} in cell {cell} is not a number"
            out[col.ref] = None
    return out
