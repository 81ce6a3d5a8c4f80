"""Bad values, cards and recipients files: the parsing behind the bad-input corpus, directly.

The corpus (tests/bad_inputs/, run by tests/test_bad_inputs.py) checks what a user sees end
to end; these tests pin the pieces: what a number cell may hold, how a card's mistakes are
explained, and the recipients file checked before anything is cleaned or rendered.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.plan.config import parse_card
from ptdv.share import recipients
from ptdv.tables.numbers import (
    MAX_FIGURE,
    FigureTooLargeError,
    NumberParseError,
    parse_column,
    parse_number,
)

EXAMPLES = "expected a number (e.g. 1.234, (65), 55,45%), found"
BG_TEXT = (paths.PACKAGE_ROOT / "config" / "plans" / "bac-giang-2023-2028.yaml").read_text(
    encoding="utf-8"
)


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTDV_ROOT", raising=False)


def error_of(raw: object) -> str:
    with pytest.raises(NumberParseError) as err:
        parse_number(raw)
    return str(err.value)


# --- number cells -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "khoảng 500",
            f"{EXAMPLES} 'khoảng 500' (words around the figure 500: type the figure alone and "
            "put remarks in a note)",
        ),
        (
            "1.2.3",
            f"{EXAMPLES} '1.2.3' ('.' groups thousands in threes, e.g. 1.234.567); did you mean "
            "'123'?",
        ),
        (
            "12,5,0",
            f"{EXAMPLES} '12,5,0' (',' marks the decimals and comes once; '.' groups "
            "thousands, e.g. 1.234.567)",
        ),
        (
            "<b>500 ĐV</b>",
            f"{EXAMPLES} '<b>500 ĐV</b>' (words around the figure 500: type the figure alone "
            "and put remarks in a note)",
        ),
        ("abc", f"{EXAMPLES} 'abc'"),  # nothing number-like: no hint
    ],
)
def test_text_in_a_number_cell_says_what_looks_wrong(raw: str, expected: str) -> None:
    assert error_of(raw) == expected


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (dt.datetime(2026, 5, 31), "the date 31/05/2026"),
        (dt.date(2025, 11, 30), "the date 30/11/2025"),
        (dt.datetime(2026, 5, 31, 8, 30), "the date and time 31/05/2026 08:30"),
        (dt.time(12, 5), "the time 12:05"),
    ],
)
def test_a_date_cell_is_named_as_a_date(raw: object, found: str) -> None:
    assert error_of(raw) == (
        f"{EXAMPLES} {found} (the cell is formatted as a date: format it as a number and type "
        "the figure)"
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (10**15, "1.000.000.000.000.000"),
        (1e15, "1.000.000.000.000.000"),
        ("1.000.000.000.000", "1.000.000.000.000"),
        ("1000000000001", "1.000.000.000.001"),
        ("(2.000.000.000)", "-2.000.000.000"),
        ("<b>5.000.000.000</b>", "5.000.000.000"),
    ],
)
def test_absurdly_large_figures_are_refused(raw: object, shown: str) -> None:
    with pytest.raises(FigureTooLargeError) as err:
        parse_number(raw)
    assert str(err.value) == (
        f"{shown} is too large for a figure of these tables (at most 1.000.000.000, more "
        "people than the country has): check the cell for a typing error"
    )
    assert isinstance(err.value, NumberParseError)  # callers that catch it keep working


def test_the_limit_itself_is_a_figure() -> None:
    assert parse_number(MAX_FIGURE) == 1e9
    assert parse_number("1.000.000.000") == 1e9
    assert parse_number("(1.000.000.000)") == -1e9


def test_parse_column_refuses_large_figures_on_its_fast_path_too() -> None:
    cells = ["1.000.000.000.000", "12", None, "(2.000.000.000)", 5, "98.149", 10**12]
    col = parse_column(cells)
    assert sorted(col.errors) == [0, 3, 6]
    assert all(isinstance(e, FigureTooLargeError) for e in col.errors.values())
    assert [col.get(k) and col.get(k).value for k in (1, 2, 4, 5)] == [12.0, None, 5.0, 98149.0]
    # exactly what parse_number says, cell by cell
    for k in (0, 3, 6):
        with pytest.raises(FigureTooLargeError) as err:
            parse_number(cells[k])
        assert str(col.errors[k]) == str(err.value)


# --- plan cards ---------------------------------------------------------------------------


def card_error(old: str, new: str) -> str:
    assert BG_TEXT.count(old) == 1, old
    with pytest.raises(ConfigError) as err:
        parse_card(BG_TEXT.replace(old, new), "card.yaml")
    return str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # the misspelt required key is not also reported missing
        (
            "half_years: statistical",
            "half_year: statistical",
            "unknown key 'half_year' (did you mean 'half_years'?)",
        ),
        (
            "  on_track_ratio: 0.9",
            "  on_track_ration: 0.9",
            "unknown key 'progress.on_track_ration' (did you mean 'on_track_ratio'?)",
        ),
        (
            "  folder: actuals",
            "  folders: actuals",
            "unknown key 'actuals.folders' (did you mean 'folder'?)",
        ),
        (
            "  - file: chi-tieu-giao-2023-2028.xlsx",
            "  - files: chi-tieu-giao-2023-2028.xlsx",
            "unknown key 'sources[0].files' (did you mean 'file'?)",
        ),
        (
            "    value: 270\n",
            "    value: 270\n    colour: red\n",
            "unknown key 'declared_totals[1].colour' (valid keys here: metric, period, value, "
            "where)",
        ),
    ],
)
def test_unknown_key_suggests_the_closest_valid_one(old: str, new: str, expected: str) -> None:
    assert card_error(old, new) == f"card.yaml: {expected}"


def test_unknown_key_inside_a_column_names_its_path() -> None:
    old = "      - header: [Năm 2024, CĐCS]\n        kind: target\n        metric: unions_founded"
    new = "      - header: [Năm 2024, CĐCS]\n        kind: target\n        metrik: unions_founded"
    msg = card_error(old, new)
    assert msg.startswith(
        "card.yaml: unknown key 'sources[0].columns[0].metrik' (did you mean 'metric'?)"
    )


def test_empty_card_says_it_is_empty() -> None:
    for text in ("", "\n\n", "# only a comment\n"):
        with pytest.raises(ConfigError) as err:
            parse_card(text, "config/plans/x.yaml")
        assert str(err.value) == (
            "config/plans/x.yaml: the plan card is empty: expected its keys (plan_id, title, "
            "issuer, term, half_years, ...); start from `ptdv inspect <table>` or a shipped card"
        )


def test_yaml_error_names_where_an_open_bracket_started() -> None:
    text = BG_TEXT.replace(
        "metrics: [members_admitted, unions_founded]", "metrics: [members_admitted, unions_founded"
    )
    opened = text.splitlines().index("metrics: [members_admitted, unions_founded") + 1
    with pytest.raises(ConfigError) as err:
        parse_card(text, "card.yaml")
    assert str(err.value) == (
        f"card.yaml: line {opened + 1}, column 16: YAML error: expected ',' or ']', but got ':' "
        f"(while parsing a flow sequence started on line {opened}, column 10)"
    )


def test_rule_to_a_missing_column_suggests_the_closest_one() -> None:
    msg = card_error(
        "members_admitted@2027, members_admitted@2028]",
        "members_admitted@2027, members_admitted@2029]",
    )
    assert (
        "refers to 'members_admitted@2029', which no column of this source maps (did you mean "
        "'members_admitted@2028'?); known: unions_founded@2024," in msg
    )
    far = card_error(
        "members_admitted@2027, members_admitted@2028]", "members_admitted@2027, tong_so]"
    )
    assert "refers to 'tong_so', which no column of this source maps; known: " in far


def test_wrong_type_names_the_key_and_the_type() -> None:
    assert card_error("on_track_ratio: 0.9", 'on_track_ratio: "90%"') == (
        "card.yaml: key 'progress.on_track_ratio': Input should be a valid number, unable to "
        "parse string as a number (got '90%')"
    )
    assert card_error(
        "metrics: [members_admitted, unions_founded]", "metrics: {members_admitted: 1}"
    ) == ("card.yaml: key 'metrics': Input should be a valid list")


# --- recipients ---------------------------------------------------------------------------

UNITS = pd.DataFrame(
    {
        "unit_id": ["yen-dung", "viet-yen", "cdn-y-te"],
        "unit_name": ["LĐLĐ huyện Yên Dũng", "LĐLĐ huyện Việt Yên", "CĐN Y Tế"],
        "order": [1, 2, 3],
    }
)


def rec_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "recipients.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        recipients.for_plan("p", UNITS, path)
    return str(err.value).replace(str(path), "R")


def test_recipients_errors_name_the_entry_and_the_address(tmp_path: Path) -> None:
    assert rec_error(tmp_path, "p:\n  units:\n    yen-dung: {to: [yd.example.org]}\n") == (
        "R: key 'p.units.yen-dung.to[0]': 'yd.example.org' is not a valid e-mail address: An "
        "email address must have an @-sign."
    )
    assert rec_error(tmp_path, "p:\n  units:\n    yen-dung: {too: [yd@example.org]}\n") == (
        "R: unknown key 'p.units.yen-dung.too' (did you mean 'to'?)"
    )
    assert rec_error(tmp_path, "p:\n  units:\n    yen-phong: {to: [yp@example.org]}\n") == (
        "R: p.units: unknown unit 'yen-phong'; did you mean 'yen-dung' (LĐLĐ huyện Yên Dũng)? "
        "(give a unit id or its name as in the allocation table)"
    )
    assert rec_error(tmp_path, "p:\n  units:\n    yen-dung: {to: [a@example.org]\n") == (
        "R: line 4, column 1: YAML error: expected ',' or '}', but got '<stream end>' (while "
        "parsing a flow mapping started on line 3, column 15)"
    )


def test_precheck_refuses_before_anything_is_cleaned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    path = tmp_path / "r.yaml"
    path.write_text("p:\n  units:\n    yen-phong: {to: [yp@example.org]}\n", encoding="utf-8")
    recipients.precheck("p", path)  # not cleaned yet: units are matched later, by for_plan
    with pytest.raises(
        ConfigError, match=r"r\.yaml: no entry for plan 'q' \(plans in the file: p\)"
    ):
        recipients.precheck("q", path)
    path.write_text("p:\n  federation: {to: [x@@example.org]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'p\.federation\.to\[0\]': 'x@@example\.org'"):
        recipients.precheck("p", path)
    # once the plan is cleaned, its unit table is there and the units are matched too
    processed = paths.processed_dir("p")
    processed.mkdir(parents=True)
    UNITS.to_parquet(processed / "units.parquet")
    path.write_text("p:\n  units:\n    yen-phong: {to: [yp@example.org]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown unit 'yen-phong'; did you mean 'yen-dung'"):
        recipients.precheck("p", path)
    path.write_text("p:\n  units:\n    CĐN Y tế: {to: [yt@example.org]}\n", encoding="utf-8")
    recipients.precheck("p", path)
