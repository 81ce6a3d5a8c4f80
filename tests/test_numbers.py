"""Tests for ptdv.numbers: parsing and formatting Vietnamese-style figures."""

from __future__ import annotations

import math

import pytest

from ptdv.tables.numbers import (
    NumberParseError,
    ParsedNumber,
    format_number,
    format_percent,
    parse_number,
    parse_number_detail,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("98.149", 98149.0),
        ("1.351.487", 1351487.0),
        ("55,45", 55.45),
        ("1.234,5", 1234.5),
        ("0", 0.0),
        ("(65)", -65.0),
        ("(1.689)", -1689.0),
        ("- 104", -104.0),
        ("-104", -104.0),
        ("\u2212104", -104.0),  # unicode minus sign
        ("\u2013 104", -104.0),  # en dash used as a minus
        ("<b>23.960</b>", 23960.0),
        ("<b>54</b>", 54.0),
        ("<strong><i>1.234</i></strong><br>", 1234.0),
        ("**54**", 54.0),
        ("  12.884  ", 12884.0),
        ("\u00a012.884\u202f", 12884.0),
        ("1 234", 1234.0),
        ("1\u00a0234\u00a0567", 1234567.0),
        ("+7", 7.0),
    ],
)
def test_parse_number_vietnamese_text(raw: str, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("55,45%", ParsedNumber(55.45, 2, True)),
        ("0 %", ParsedNumber(0.0, 0, True)),
        ("100%", ParsedNumber(100.0, 0, True)),
        ("(5,5 %)", ParsedNumber(-5.5, 1, True)),
        ("98.149", ParsedNumber(98149.0, 0, False)),
        ("1.234,50", ParsedNumber(1234.5, 2, False)),
        ("(65)", ParsedNumber(-65.0, 0, False)),
        ("<b>23.960</b>", ParsedNumber(23960.0, 0, False)),
    ],
)
def test_parse_number_detail(raw: str, expected: ParsedNumber) -> None:
    assert parse_number_detail(raw) == expected


@pytest.mark.parametrize(
    "raw", [None, math.nan, "", "   ", "-", " - ", "\u2013", "\u2014", "<b>-</b>"]
)
def test_no_figure_is_none(raw: object) -> None:
    assert parse_number(raw) is None
    assert parse_number_detail(raw) is None


def test_negative_zero_is_plain_zero() -> None:
    value = parse_number("(0)")
    assert value == 0.0
    assert math.copysign(1.0, value) == 1.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12884.0, ParsedNumber(12884.0, 0, False)),
        (12884, ParsedNumber(12884.0, 0, False)),
        (12.5, ParsedNumber(12.5, 1, False)),
        (-3.25, ParsedNumber(-3.25, 2, False)),
        (0.1 + 0.2, ParsedNumber(0.1 + 0.2, 6, False)),
    ],
)
def test_numeric_cells_from_excel(raw: float, expected: ParsedNumber) -> None:
    parsed = parse_number_detail(raw)
    assert parsed == expected
    assert isinstance(parsed.value, float)


def test_bool_is_rejected() -> None:
    with pytest.raises(NumberParseError, match="True"):
        parse_number(True)


def test_infinite_cell_is_rejected() -> None:
    with pytest.raises(NumberParseError):
        parse_number(math.inf)


def test_dot_decimal_text_is_rejected_with_babel_hint() -> None:
    with pytest.raises(NumberParseError) as info:
        parse_number("12.5")
    message = str(info.value)
    assert "'12.5'" in message
    assert "'12,5'" in message  # Babel's "did you mean"
    assert info.value.suggestions == ["125", "12,5"]


@pytest.mark.parametrize(
    "raw",
    ["12.5", "12.34.5", "1.2345", "abc", "x", "12a", "n/a", "1 23", "1E5", "--5", "-(5)", "%"],
)
def test_malformed_text_is_rejected(raw: str) -> None:
    with pytest.raises(NumberParseError) as info:
        parse_number(raw)
    assert repr(raw) in str(info.value)


def test_error_message_format() -> None:
    with pytest.raises(NumberParseError) as info:
        parse_number("abc")
    assert str(info.value) == "expected a number (e.g. 1.234, (65), 55,45%), found 'abc'"
    assert isinstance(info.value, ValueError)


def test_english_locale_parsing() -> None:
    assert parse_number_detail("1,234.5", locale="en") == ParsedNumber(1234.5, 1, False)
    assert parse_number("(1,689)", locale="en") == -1689.0
    with pytest.raises(NumberParseError, match="1,234"):
        parse_number("1.234,5", locale="en")


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1487307, "vi", 0, "1.487.307"),
        (1487307, "en", 0, "1,487,307"),
        (1487307.0, "vi", 0, "1.487.307"),
        (-65, "vi", 0, "-65"),
        (-1689, "vi", 0, "-1.689"),
        (0, "vi", 0, "0"),
        (9.856, "vi", 2, "9,86"),
        (9.856, "en", 2, "9.86"),
        (1234.5, "vi", 2, "1.234,50"),
        (2.5, "vi", 0, "3"),  # half away from zero, as Excel rounds
        (-0.4, "vi", 0, "0"),
        (None, "vi", 0, "\u2013"),
        (math.nan, "en", 0, "\u2013"),
    ],
)
def test_format_number(value: float | None, lang: str, decimals: int, expected: str) -> None:
    assert format_number(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (0.0986, "vi", 2, "9,86%"),
        (0.0986, "en", 2, "9.86%"),
        (0.5545, "vi", 2, "55,45%"),
        (1.5, "vi", 0, "150%"),
        (12.3456, "vi", 1, "1.234,6%"),
        (0, "vi", 2, "0,00%"),
        (None, "vi", 2, "\u2013"),
        (math.nan, "en", 2, "\u2013"),
    ],
)
def test_format_percent(value: float | None, lang: str, decimals: int, expected: str) -> None:
    assert format_percent(value, lang, decimals) == expected


def test_format_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="lang"):
        format_number(1, "fr")


def test_round_trip_vietnamese() -> None:
    for value in (0, 7, 98149, 1351487):
        assert parse_number(format_number(value)) == value
