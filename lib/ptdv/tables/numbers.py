"""Parse and format figures as printed in Vietnamese tables (1.234,5 / (65) / 55,45%)."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from numbers import Integral, Real
from typing import Any

import numpy as np
from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

__all__ = [
    "MAX_FIGURE",
    "FigureTooLargeError",
    "NumberParseError",
    "ParsedColumn",
    "ParsedNumber",
    "format_number",
    "format_percent",
    "parse_column",
    "parse_number",
    "parse_number_detail",
]

#: What an empty cell prints as, and what counts as "no figure" when read back.
NO_FIGURE = "–"
_NONE_MARKS = frozenset({"", "-", "–", "—"})

#: Decimals kept when an Excel float has more digits than that in its repr.
_MAX_FLOAT_DECIMALS = 6

_LANGS = ("vi", "en")

_TAG_RE = re.compile(r"<[^<>]*>")
_MD_WRAP_RE = re.compile(r"^(\*{1,3}|_{1,3})(.+)\1$", re.DOTALL)
_SPACE_CHARS = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\u200b": None,  # zero-width space
        "\ufeff": None,  # byte-order mark
    }
)
_SIGN_RE = re.compile(r"^([-\u2212\u2013+])\s*(.*)$", re.DOTALL)
_PARENS_RE = re.compile(r"^\((.*)\)$", re.DOTALL)
_PERCENT_RE = re.compile(r"^(.*?)\s*%$", re.DOTALL)


class NumberParseError(ValueError):
    """A cell holds text that is not a number in the expected locale format."""

    def __init__(
        self,
        raw: object,
        *,
        locale: str = "vi",
        suggestions: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        """Build the message naming the raw cell, what looks wrong and Babel's likely forms."""
        self.raw = raw
        self.suggestions = list(suggestions or [])
        self.hint = hint
        message = f"expected a number (e.g. {_examples(locale)}), found {_found(raw)}"
        if hint:
            message += f" ({hint})"
        if self.suggestions:
            message += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message)


class FigureTooLargeError(NumberParseError):
    """A cell holds a number far beyond any count of people or unions (a typing error)."""

    def __init__(self, raw: object, value: float, *, locale: str = "vi") -> None:
        """Build the message naming the figure as read and the largest one accepted."""
        ValueError.__init__(
            self,
            f"{_shown(value, locale)} is too large for a figure of these tables (at most "
            f"{_shown(MAX_FIGURE, locale)}, more people than the country has): check the cell "
            "for a typing error",
        )
        self.raw = raw
        self.suggestions = []
        self.hint = None


#: The largest figure a cell may hold: no count of members, workers or unions comes near a
#: billion (Viet Nam has about 100 million people). Beyond it a cell is a typing error, and
#: beyond 2**53 a float would not even hold it exactly.
MAX_FIGURE = 1_000_000_000


def _shown(value: float, locale: str) -> str:
    """Return a figure written with the locale's thousands groups, for messages."""
    try:
        return format_decimal(Decimal(repr(float(value))).normalize(), locale=locale)
    except Exception:  # unknown locale
        return format_decimal(Decimal(repr(float(value))).normalize(), locale="vi")


def _found(raw: object) -> str:
    """Describe a cell's content for a message: text quoted, a date as a date."""
    if isinstance(raw, bool):
        return f"{raw!r} (a boolean)"
    if isinstance(raw, dt.datetime):
        if raw.time() == dt.time(0):
            return f"the date {raw:%d/%m/%Y}"
        return f"the date and time {raw:%d/%m/%Y %H:%M}"
    if isinstance(raw, dt.date):
        return f"the date {raw:%d/%m/%Y}"
    if isinstance(raw, dt.time):
        return f"the time {raw:%H:%M}"
    if isinstance(raw, dt.timedelta):
        return f"the duration {raw}"
    return repr(raw)


def _text_hint(text: str, locale: str) -> str | None:
    """Say what looks wrong in a text that is almost a number, or None."""
    group = get_group_symbol(locale)
    decimal = get_decimal_symbol(locale)
    figure = re.search(r"[0-9][0-9.,]*", text)
    if figure and re.search(r"[^\W\d_]", text):
        shown = figure.group(0).rstrip(".,")
        return f"words around the figure {shown}: type the figure alone and put remarks in a note"
    if text.count(decimal) > 1:
        return (
            f"{decimal!r} marks the decimals and comes once; {group!r} groups thousands, "
            f"e.g. {format_decimal(1234567, locale=locale)}"
        )
    if group in text and re.fullmatch(r"[0-9.,]+", text):
        return (
            f"{group!r} groups thousands in threes, e.g. {format_decimal(1234567, locale=locale)}"
        )
    return None


@dataclass(frozen=True)
class ParsedNumber:
    """A parsed figure: its value, its printed precision and whether it carried a % sign."""

    value: float
    decimals: int
    percent: bool


def _examples(locale: str) -> str:
    """Return sample figures written in the given locale, for error messages."""
    try:
        thousands = format_decimal(1234, locale=locale)
        fraction = format_decimal(Decimal("55.45"), locale=locale)
    except Exception:  # unknown locale: fall back to the Vietnamese examples
        thousands, fraction = "1.234", "55,45"
    return f"{thousands}, (65), {fraction}%"


def _is_missing(raw: object) -> bool:
    """Return True for None, NaN and pandas' NA/NaT markers."""
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, Decimal) and raw.is_nan():
        return True
    return type(raw).__name__ in {"NAType", "NaTType"}


def _strip_markup(text: str) -> str:
    """Remove HTML-ish tags, entities and markdown emphasis wrapped around a cell's text."""
    previous = None
    while previous != text:
        previous = text
        text = _TAG_RE.sub("", text)
        text = html.unescape(text).translate(_SPACE_CHARS).strip()
        match = _MD_WRAP_RE.match(text)
        if match:
            text = match.group(2)
    return text


def _float_decimals(value: float | Decimal) -> int:
    """Count the decimals a numeric cell shows in its shortest repr, at most six."""
    if value == int(value):
        return 0
    exponent = Decimal(repr(value) if isinstance(value, float) else value).as_tuple().exponent
    if not isinstance(exponent, int):
        return 0
    return min(max(-exponent, 0), _MAX_FLOAT_DECIMALS)


def _parse_numeric(raw: object) -> ParsedNumber:
    """Convert a numeric cell (int, float, Decimal, numpy scalar) to a ParsedNumber."""
    if isinstance(raw, Integral):
        return ParsedNumber(float(int(raw)), 0, False)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise NumberParseError(raw)
        return ParsedNumber(float(raw), _float_decimals(raw), False)
    value = float(raw)  # type: ignore[arg-type]
    if not math.isfinite(value):
        raise NumberParseError(raw)
    return ParsedNumber(value + 0.0, _float_decimals(value), False)


def _digits_to_decimal(digits: str, raw: str, locale: str, sign: str, pct: str) -> Decimal:
    """Parse the unsigned digits part with Babel in strict mode, or raise NumberParseError."""
    group = get_group_symbol(locale)
    decimal = get_decimal_symbol(locale)
    if " " in digits:
        spaced = rf"[0-9]{{1,3}}(?: [0-9]{{3}})+(?:{re.escape(decimal)}[0-9]*)?"
        if not re.fullmatch(spaced, digits):
            raise NumberParseError(raw, locale=locale)
        digits = digits.replace(" ", group)
    allowed = re.escape(group + decimal)
    if not re.fullmatch(rf"[0-9][0-9{allowed}]*", digits):
        raise NumberParseError(raw, locale=locale)
    try:
        return parse_decimal(digits, locale=locale, strict=True)
    except NumberFormatError as exc:
        hints = [f"{sign}{s}{pct}" for s in (getattr(exc, "suggestions", None) or [])]
        raise NumberParseError(raw, locale=locale, suggestions=hints) from None
    except InvalidOperation:
        raise NumberParseError(raw, locale=locale) from None


def _checked(parsed: ParsedNumber, raw: object, locale: str) -> ParsedNumber:
    """Return the figure, or raise FigureTooLargeError when it is beyond MAX_FIGURE."""
    if abs(parsed.value) > MAX_FIGURE:
        raise FigureTooLargeError(raw, parsed.value, locale=locale)
    return parsed


def _parse_text(raw: str, locale: str) -> ParsedNumber | None:
    """Parse a number printed as text in the locale's format; say what looks wrong if not."""
    try:
        parsed = _parse_text_as_is(raw, locale)
    except FigureTooLargeError:
        raise
    except NumberParseError as err:
        hint = err.hint or _text_hint(_strip_markup(raw), locale)
        if hint is None:
            raise
        raise NumberParseError(raw, locale=locale, suggestions=err.suggestions, hint=hint) from None
    return None if parsed is None else _checked(parsed, raw, locale)


def _parse_text_as_is(raw: str, locale: str) -> ParsedNumber | None:
    """Parse a number printed as text in the locale's format, or raise NumberParseError."""
    if locale == "vi" and _PLAIN_TEXT_RE.match(raw):  # "98.149", "1234": Babel agrees
        return ParsedNumber(float(int(raw.replace(".", ""))), 0, False)
    text = _strip_markup(raw)
    if text in _NONE_MARKS:
        return None
    percent = False
    negative = False
    match = _PERCENT_RE.match(text)
    if match:
        percent, text = True, match.group(1)
    match = _PARENS_RE.match(text)
    if match:
        negative, text = True, match.group(1).strip()
        match = _PERCENT_RE.match(text)
        if match and not percent:
            percent, text = True, match.group(1)
    match = _SIGN_RE.match(text)
    if match:
        if negative:
            raise NumberParseError(raw, locale=locale)
        negative, text = match.group(1) != "+", match.group(2)
    if not text:
        raise NumberParseError(raw, locale=locale)
    sign = "-" if negative else ""
    value = _digits_to_decimal(text, raw, locale, sign, "%" if percent else "")
    decimal = get_decimal_symbol(locale)
    decimals = len(text.rsplit(decimal, 1)[1]) if decimal in text else 0
    number = float(-value if negative else value)
    return ParsedNumber(number if number != 0 else 0.0, decimals, percent)


def parse_number_detail(raw: object, *, locale: str = "vi") -> ParsedNumber | None:
    """Parse a cell into value, printed decimals and percent flag; None when it holds no figure."""
    if _is_missing(raw):
        return None
    if isinstance(raw, bool) or type(raw).__name__ == "bool_":
        raise NumberParseError(raw, locale=locale)
    if isinstance(raw, (Real, Decimal)):
        return _checked(_parse_numeric(raw), raw, locale)
    if isinstance(raw, str):
        return _parse_text(raw, locale)
    if isinstance(raw, (dt.date, dt.time, dt.timedelta)):  # a cell Excel formats as a date
        raise NumberParseError(
            raw,
            locale=locale,
            hint="the cell is formatted as a date: format it as a number and type the figure",
        )
    raise NumberParseError(raw, locale=locale)


def parse_number(raw: object, *, locale: str = "vi") -> float | None:
    """Parse a cell into its value only; None when it holds no figure."""
    parsed = parse_number_detail(raw, locale=locale)
    return None if parsed is None else parsed.value


def _check_lang(lang: str) -> str:
    """Return lang if it is a supported output language, else raise ValueError."""
    if lang not in _LANGS:
        raise ValueError(f"lang must be one of {', '.join(_LANGS)}, got {lang!r}")
    return lang


def _rounded(value: float | Decimal, decimals: int) -> Decimal:
    """Round half away from zero (as Excel does) to a fixed number of decimals."""
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    result = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return result if result != 0 else abs(result)


def _pattern(decimals: int) -> str:
    """Return a CLDR number pattern with grouping and a fixed number of decimals."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def format_number(value: float | int | Decimal | None, lang: str = "vi", decimals: int = 0) -> str:
    """Format a figure with the language's separators and fixed decimals; '–' when missing."""
    _check_lang(lang)
    if _is_missing(value):
        return NO_FIGURE
    assert value is not None
    if not math.isfinite(float(value)):
        return NO_FIGURE
    number = _rounded(value, decimals)
    return format_decimal(number, format=_pattern(decimals), locale=lang)


def format_percent(value: float | int | Decimal | None, lang: str = "vi", decimals: int = 2) -> str:
    """Format a ratio as a percentage (0.0986 -> '9,86%'); '–' when missing."""
    _check_lang(lang)
    if _is_missing(value):
        return NO_FIGURE
    assert value is not None
    if not math.isfinite(float(value)):
        return NO_FIGURE
    ratio = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    number = _rounded(ratio * 100, decimals)
    return format_decimal(number, format=_pattern(decimals), locale=lang) + "%"


# --- many cells at once ------------------------------------------------------------------

#: The common clean cells, read without Babel: a whole number with dot groups ("98.149") or
#: none ("1234"), maybe in parentheses ("(1.689)"). Up to 15 digits, so exact as a float.
_PLAIN_DIGITS = r"(?:[1-9][0-9]{0,2}(?:\.[0-9]{3}){1,4}|[0-9]{1,15})"
_PLAIN_RE = "^" + _PLAIN_DIGITS + "$"
_PARENS_PLAIN_RE = r"^\(" + _PLAIN_DIGITS + r"\)$"
_PLAIN_TEXT_RE = re.compile(_PLAIN_DIGITS + r"\Z")


@dataclass
class ParsedColumn:
    """Many parsed cells: values (NaN: no figure), printed decimals (-1: no figure), percent.

    `errors` maps the position of each cell that is not a number to its NumberParseError.
    """

    value: np.ndarray
    decimals: np.ndarray
    percent: np.ndarray
    errors: dict[int, NumberParseError]

    def get(self, k: int) -> ParsedNumber | None:
        """Return cell k as parse_number_detail would (None: no figure); raise its error."""
        if k in self.errors:
            raise self.errors[k]
        d = int(self.decimals[k])
        if d < 0:
            return None
        return ParsedNumber(float(self.value[k]), d, bool(self.percent[k]))


class _ArrowCells:
    """An Arrow text array read as a list of cells (str, or None for an empty cell)."""

    def __init__(self, array: Any) -> None:  # noqa: ANN401
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, k: int) -> str | None:
        return self.array[k].as_py()

    def __iter__(self) -> Iterator[str | None]:
        return iter(self.array.to_pylist())


def _plain_cells(arr: Any) -> tuple[np.ndarray, np.ndarray, bool]:  # noqa: ANN401
    """Return which texts are plain (_PLAIN_RE or _PARENS_PLAIN_RE), which of them are in
    parentheses, and whether any text starts with one.

    The same as matching both patterns on every text, in about half the time on a national
    table's columns: a text of at most 15 ASCII digits is plain without its regex, the
    others are matched, and the parentheses' pattern runs only when some text starts with one.
    """
    import pyarrow.compute as pc

    n = len(arr)
    short_digits = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(pc.binary_length(arr), 15))
    plain = short_digits.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~plain)
    if len(rest):
        matched = pc.match_substring_regex(arr.take(rest), _PLAIN_RE)
        plain[rest] = matched.to_numpy(zero_copy_only=False)
    parens = np.zeros(n, dtype=bool)
    bracketed = bool(pc.any(pc.starts_with(arr, "(")).as_py())
    if bracketed:
        parens = pc.match_substring_regex(arr, _PARENS_PLAIN_RE).to_numpy(zero_copy_only=False)
    return plain | parens, parens, bracketed


def parse_column(cells: Any, *, locale: str = "vi") -> ParsedColumn:  # noqa: ANN401
    """Parse many cells with exactly the results of parse_number_detail, fast when they are plain.

    `cells` is a list of cell values, or an Arrow text array (null: an empty cell). Text cells
    in the common clean forms ("98.149", "1234", "(1.689)") are read vectorised (Vietnamese
    locale); every other cell goes through parse_number_detail one by one.
    """
    if not isinstance(cells, list):  # an Arrow array: its cells as Python values when read
        cells = _ArrowCells(cells)
    n = len(cells)
    value = np.full(n, np.nan)
    decimals = np.full(n, -1, dtype=np.int16)
    percent = np.zeros(n, dtype=bool)
    errors: dict[int, NumberParseError] = {}
    slow = []
    if locale == "vi":
        import pyarrow as pa
        import pyarrow.compute as pc

        try:  # the usual column of a text table: text and empty cells only
            arr = cells.array if isinstance(cells, _ArrowCells) else pa.array(cells, pa.string())
            texts = np.flatnonzero(arr.is_valid().to_numpy(zero_copy_only=False))
            others = []
            if arr.null_count:
                arr = arr.drop_null()
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers from a workbook among them
            texts = np.asarray([k for k, c in enumerate(cells) if type(c) is str], dtype=np.int64)
            others = [k for k, c in enumerate(cells) if c is not None and type(c) is not str]
            arr = pa.array([cells[k] for k in texts.tolist()], type=pa.string())
        if len(texts):
            fast, neg_all, bracketed = _plain_cells(arr)
            neg = neg_all[fast]
            digits = pc.filter(arr, pa.array(fast))
            for ch in (".", "(", ")") if bracketed else (".",):
                digits = pc.replace_substring(digits, ch, "")
            got = pc.cast(digits, pa.int64()).to_numpy().astype(np.float64)
            got = np.where(neg, -got, got)
            got[got == 0] = 0.0  # "(0)" is a plain zero, never -0.0
            idx = np.asarray(texts, dtype=np.int64)
            huge = np.abs(got) > MAX_FIGURE
            if huge.any():  # typing errors: leave them to the one-by-one path's error
                fast = fast.copy()
                fast[np.flatnonzero(fast)[huge]] = False
                got = got[~huge]
            value[idx[fast]] = got
            decimals[idx[fast]] = 0
            slow = sorted([*idx[~fast].tolist(), *others])
        else:
            slow = others
    else:
        slow = [k for k, c in enumerate(cells) if c is not None]
    for k in slow:
        try:
            parsed = parse_number_detail(cells[k], locale=locale)
        except NumberParseError as err:
            errors[int(k)] = err
            continue
        if parsed is not None:
            value[k], decimals[k], percent[k] = parsed.value, parsed.decimals, parsed.percent
    return ParsedColumn(value, decimals, percent, errors)
