"""Text from inputs made harmless where it becomes a file name or a spreadsheet cell.

Unit names come from the tables units send: anything may be in them. Where such text
names a file (a unit's report, its charts, its form, an attachment) it goes through
`file_stem`, which cannot leave its folder on any system; where it fills a spreadsheet cell
(the report's Excel table, the unit forms, quality.csv) a text that Excel or LibreOffice
would take for a formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) is written
as text: `guard_workbook` for openpyxl workbooks, `csv_escape` / `csv_unescape` for CSV.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

__all__ = [
    "FORMULA_STARTS",
    "MAX_STEM_BYTES",
    "csv_escape",
    "csv_escape_frame",
    "csv_unescape",
    "csv_unescape_frame",
    "file_stem",
    "guard_workbook",
    "looks_like_formula",
    "unique_stem",
]

#: Windows device names: a file called `con.html` or `NUL.pdf` cannot be made or opened there.
RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{dev}{n}" for dev in ("com", "lpt") for n in range(10)]
)
#: A stem's largest size: room is left for what follows it (`.en.ipynb`, `-members_net-pace`,
#: an attachment's `progress-report-2026-H1-` before it) within the usual 255-byte limit.
MAX_STEM_BYTES = 100
#: What a spreadsheet program takes for the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _ascii(text: str) -> str:
    """Return text without Vietnamese marks (đ -> d), other letters decomposed or dropped."""
    if text.isascii():  # a unit id is a slug already: nothing to decompose
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def file_stem(text: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """Return a file-name stem for `text` that stays inside its folder on any system.

    Lower-case ASCII letters, digits and single hyphens only ('LĐLĐ huyện Yên Dũng' ->
    'ldld-huyen-yen-dung'), so no `/`, `\\`, `..`, NUL or other control character can pass.
    Never empty and never a Windows device name (CON, NUL, COM1...): those get `unit-` in
    front. At most `max_bytes` long: a longer one is cut and ends with 10 hex digits of the
    SHA-256 of the whole text, so texts that differ only past the cut stay apart.
    """
    given = str(text)
    if _SLUG_RE.fullmatch(given) and given not in RESERVED and len(given) <= max_bytes:
        return given  # a slug already (a unit id): the steps below give it back as it is
    slug = _NOT_SLUG.sub("-", _ascii(given).lower()).strip("-")
    if not slug:
        digest = hashlib.sha256(given.encode("utf-8")).hexdigest()[:10]
        return f"unit-{digest}"
    if slug in RESERVED:
        slug = f"unit-{slug}"
    if len(slug) > max_bytes:
        digest = hashlib.sha256(given.encode("utf-8")).hexdigest()[:10]
        slug = f"{slug[: max_bytes - 11].rstrip('-')}-{digest}"
    return slug


def unique_stem(stem: str, taken: set[str]) -> str:
    """Return `stem`, or `stem-2`, `stem-3`... the first not in `taken`; add it to `taken`."""
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate)
    return candidate


def looks_like_formula(value: object) -> bool:
    """Return whether a cell's text would be taken for a formula by a spreadsheet program."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def guard_workbook(wb: Any) -> int:
    """Make every text cell of an openpyxl workbook show as text; return how many needed it.

    ptdv writes no formulas: a cell openpyxl took for one (a text starting with `=`) is
    turned back into text, and every text that a spreadsheet program would read as a
    formula when the cell is edited gets Excel's quote prefix (shown literally, not
    evaluated). Numbers, negative ones included, stay numbers.
    """
    n = 0
    for ws in wb.worksheets:
        for cell in ws._cells.values():  # the cells that exist; no empty ones are created
            value = cell.value
            if not isinstance(value, str):
                continue
            if cell.data_type == "f" or looks_like_formula(value):
                cell.data_type = "s"
                cell.quotePrefix = True
                n += 1
    return n


def csv_escape(value: object) -> object:
    """Return a CSV field that a spreadsheet program shows as text (OWASP: a leading `'`).

    A text starting with a formula character, or with `'` itself (so that `csv_unescape`
    gives back exactly what was escaped), gets a `'` in front; anything else is unchanged.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, "'")):
        return "'" + value
    return value


def csv_unescape(value: object) -> object:
    """Return a field of a CSV written with `csv_escape` as it was before."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _text_columns(df: Any) -> list[str]:
    from pandas.api.types import is_object_dtype, is_string_dtype

    return [c for c in df.columns if is_object_dtype(df[c]) or is_string_dtype(df[c])]


def csv_escape_frame(df: Any) -> Any:
    """Return a copy of a pandas frame with `csv_escape` applied to its text columns."""
    out = df.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(csv_escape)
    return out


def csv_unescape_frame(df: Any) -> Any:
    """Return a frame read from a CSV written with `csv_escape_frame` as it was (in place)."""
    for c in _text_columns(df):
        df[c] = df[c].map(csv_unescape)
    return df
