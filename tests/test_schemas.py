"""The pandera schemas of the processed tables: good rows pass (coerced), a bad row is refused.

Every frame here is written by hand: one or two rows as `ptdv clean` would write them, then
one value broken. The refusal is checked twice: pandera's own failure (which column, which
value, which row of the frame) and the one-line DataError the cleaning turns it into (the
source file, sheet, row and column the bad row came from).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from ptdv.base.errors import DataError
from ptdv.plan.config import PlanCard, load_card
from ptdv.tables import schemas
from ptdv.tables.clean import _validate

UNIT = {
    "plan_id": "thu", "unit_id": "an-giang", "unit_name": "An Giang", "order": 1, "tt": 1,
    "group": "Khối tỉnh", "source_file": "bang.xlsx", "sheet": "Phụ lục", "row": 12,
}  # fmt: skip
FIGURE = {
    "plan_id": "thu", "level": "unit", "unit_id": "an-giang", "unit_name": "An Giang",
    "metric": "members_net", "period": "2021-H1", "kind": "actual", "value": 1258,
    "source_file": "bang.xlsx", "sheet": "Phụ lục", "row": 12, "column": "G",
}  # fmt: skip
INFO = {
    "plan_id": "thu", "unit_id": "an-giang", "unit_name": "An Giang", "name": "Số DN",
    "period": None, "value": 40, "source_file": "bang.xlsx", "sheet": "Phụ lục", "row": 12,
    "column": "K",
}  # fmt: skip
FINDING = {
    "severity": "warning", "check": "derived_rule", "source": "bang.xlsx, Phụ lục", "row": 35,
    "unit": "Hải Phòng", "message": "column F states 12,884", "file": "bang.xlsx",
    "sheet": "Phụ lục", "column": "F", "template": "column {column} states {stated}",
    "params": '{"column": "F", "stated": 12884}',
}  # fmt: skip


def frame(base: dict[str, Any], *changes: dict[str, Any]) -> pd.DataFrame:
    """Return `base` as row 0, then one row per dict of changes to it."""
    return pd.DataFrame([base, *({**base, **c} for c in changes)])


def failure(schema: pa.DataFrameSchema, df: pd.DataFrame) -> tuple[str | None, list[tuple]]:
    """Return the failing column and (frame row, value) cases of pandera's refusal."""
    with pytest.raises(pa.errors.SchemaError) as err:
        schema.validate(df)
    e = err.value
    column = e.schema.name if isinstance(e.schema, pa.Column) else None
    at, values = e.failure_cases["index"], e.failure_cases["failure_case"]
    cases = [(int(i), v) for i, v in zip(at, values, strict=True)]
    return column, cases


@pytest.fixture
def card(repo_root: Path) -> PlanCard:
    """Return the shipped TLĐ card: the file a schema failure is blamed on without a row."""
    return load_card("tld-2021-2023")


# --- good rows pass, coerced to the processed tables' types ---------------------------------


def test_good_units_pass_with_their_types() -> None:
    df = frame(UNIT, {"unit_id": "ba-ria-vung-tau", "unit_name": "Bà Rịa - Vũng Tàu",
                      "order": 2, "tt": None, "group": None, "row": 13})  # fmt: skip
    out = schemas.UNITS.validate(df)
    assert list(out.columns) == schemas.UNIT_COLUMNS
    assert out["unit_id"].tolist() == ["an-giang", "ba-ria-vung-tau"]
    assert str(out["tt"].dtype) == "Int64" and out["tt"].tolist() == [1, pd.NA]
    assert out["order"].tolist() == [1, 2] and out["row"].tolist() == [12, 13]
    assert out["group"].tolist()[0] == "Khối tỉnh" and pd.isna(out["group"].iloc[1])


def test_good_figures_pass_and_values_become_floats() -> None:
    df = frame(
        FIGURE,
        {"kind": "target", "period": "term", "value": 11300, "column": "E"},
        {"level": "plan", "unit_id": "", "unit_name": "", "kind": "target", "period": "term",
         "value": 1_600_000, "source_file": "card", "sheet": None, "row": None, "column": ""},
    )  # fmt: skip
    out = schemas.FIGURES.validate(df)
    assert list(out.columns) == schemas.FIGURE_COLUMNS
    assert out["value"].dtype == "float64"
    assert out["value"].tolist() == [1258.0, 11300.0, 1_600_000.0]
    assert str(out["row"].dtype) == "Int64" and out["row"].tolist() == [12, 12, pd.NA]


def test_good_info_and_quality_pass() -> None:
    info = schemas.INFO.validate(frame(INFO, {"name": "Số CNLĐ", "period": "2021-H1"}))
    assert list(info.columns) == schemas.INFO_COLUMNS
    assert info["value"].tolist() == [40.0, 40.0] and info["period"].iloc[1] == "2021-H1"
    quality = schemas.QUALITY.validate(frame(FINDING, {"severity": "info", "row": None}))
    assert quality["severity"].tolist() == ["warning", "info"]
    assert quality["row"].tolist() == [35, pd.NA]


# --- a bad row is refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "column", "value"),
    [
        ({"unit_id": "An Giang"}, "unit_id", "An Giang"),  # not a slug
        ({"unit_id": "an-giang-"}, "unit_id", "an-giang-"),
        ({"unit_name": ""}, "unit_name", ""),
        ({"order": 0}, "order", 0),
        ({"row": 0}, "row", 0),
    ],
)
def test_a_bad_unit_row_is_refused(change: dict, column: str, value: object) -> None:
    df = frame(UNIT, {"unit_id": "bac-kan", "order": 2, "row": 13, **change})
    assert failure(schemas.UNITS, df) == (column, [(1, value)])


def test_a_unit_twice_is_refused() -> None:
    df = frame(UNIT, {"order": 2, "row": 13})  # same unit id, second row
    assert failure(schemas.UNITS, df) == ("unit_id", [(0, "an-giang"), (1, "an-giang")])


@pytest.mark.parametrize(
    ("change", "column", "value"),
    [
        ({"metric": "members_nett"}, "metric", "members_nett"),
        ({"period": "2021-H3"}, "period", "2021-H3"),
        ({"period": "21-H1"}, "period", "21-H1"),
        ({"kind": "estimate"}, "kind", "estimate"),
        ({"level": "province"}, "level", "province"),
    ],
)
def test_a_bad_figure_row_is_refused(change: dict, column: str, value: object) -> None:
    df = frame(FIGURE, {"unit_id": "bac-kan", "row": 13, **change})
    assert failure(schemas.FIGURES, df) == (column, [(1, value)])


def test_a_figure_given_twice_is_refused() -> None:
    df = frame(FIGURE, {"row": 13, "value": 1300})  # same unit, metric, period and kind
    column, cases = failure(schemas.FIGURES, df)
    assert column is None  # a rule over four columns together
    assert {i for i, _ in cases} == {1}  # the second row, which repeats the first's key
    assert {"an-giang", "members_net", "2021-H1", "actual", 1300.0, 13} <= {v for _, v in cases}


def test_a_figure_given_twice_is_blamed_on_its_second_row(card: PlanCard) -> None:
    df = frame(FIGURE, {"unit_id": "bac-kan", "row": 13}, {"row": 14, "column": "H"})
    with pytest.raises(DataError) as err:
        _validate(schemas.FIGURES, df, "actuals", card)
    assert str(err.value) == (
        "bang.xlsx, sheet 'Phụ lục', row 14, column H: the cleaned actuals table breaks its "
        "schema (unit_id, metric, period, kind given twice: an-giang, members_net, 2021-H1, "
        "actual); check the plan card's columns"
    )


@pytest.mark.parametrize("seed", range(6))
def test_first_of_each_key_is_what_pandas_calls_not_duplicated(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    # few values per column (keys repeat), then many (too many combinations to count in one
    # array), with gaps that must equal each other as pandas' do
    width = [3, 40, 5000][seed % 3]
    cols = {
        c: pd.Series(rng.integers(0, width, n).astype(str), dtype="str").where(rng.random(n) > 0.05)
        for c in ("a", "b", "c")
    }
    cols["d"] = pd.Series(rng.integers(0, 2, n))
    df = pd.DataFrame(cols)
    if seed >= 3:  # unique rows, and an empty frame
        df = df.drop_duplicates(["a", "b", "c", "d"])
    for keys in (["a"], ["a", "b"], ["a", "b", "c", "d"]):
        got = schemas.first_of_each_key(df, keys)
        assert (got == ~df.duplicated(keys).to_numpy()).all()
    assert schemas.first_of_each_key(df.iloc[:0], ["a", "b"]).shape == (0,)


def test_bad_quality_rows_are_refused() -> None:
    df = frame(FINDING, {"severity": "fatal"})
    assert failure(schemas.QUALITY, df) == ("severity", [(1, "fatal")])
    df = frame(FINDING, {"params": "column=F"})  # not a JSON object
    assert failure(schemas.QUALITY, df) == ("params", [(1, "column=F")])


def test_a_column_too_many_or_too_few_is_refused() -> None:
    with pytest.raises(pa.errors.SchemaError, match="column 'column' not in dataframe"):
        schemas.FIGURES.validate(frame(FIGURE).drop(columns="column"))
    with pytest.raises(pa.errors.SchemaErrors) as err:  # strict: no column besides its own
        schemas.FIGURES.validate(frame(FIGURE).assign(note="x"))
    assert err.value.failure_cases["failure_case"].tolist() == ["note"]


# --- what the cleaning says: one line, where the bad row came from ---------------------------


def test_a_refused_row_is_one_line_naming_its_source(card: PlanCard) -> None:
    df = frame(FIGURE, {"unit_id": "bac-kan", "metric": "members_nett", "row": 13})
    with pytest.raises(DataError) as err:
        _validate(schemas.FIGURES, df, "actuals", card)
    e = err.value
    assert (e.file, e.sheet, e.row, e.column) == ("bang.xlsx", "Phụ lục", 13, "G")
    assert str(e) == (
        "bang.xlsx, sheet 'Phụ lục', row 13, column G: the cleaned actuals table breaks its "
        "schema (metric: isin(['members_net', 'members_admitted', 'members_lost', "
        "'unions_founded', 'members_total', 'nonmember_workers', 'workers']): members_nett); "
        "check the plan card's columns"
    )


def test_a_unit_twice_is_blamed_on_its_second_row(card: PlanCard) -> None:
    df = frame(UNIT, {"order": 2, "row": 13})
    with pytest.raises(DataError) as err:
        _validate(schemas.UNITS, df, "units", card)
    assert str(err.value) == (
        "bang.xlsx, sheet 'Phụ lục', row 13: the cleaned units table breaks its schema "
        "(unit_id: field_uniqueness: an-giang, an-giang); check the plan card's columns"
    )


def test_a_value_that_is_no_number_is_one_line_not_a_traceback(card: PlanCard) -> None:
    df = frame(FIGURE, {"unit_id": "bac-kan", "value": "khoảng 500", "row": 13})
    with pytest.raises(DataError) as err:  # pandera raises SchemaErrors (plural) for this
        _validate(schemas.FIGURES, df, "targets", card)
    assert str(err.value) == (
        "bang.xlsx, sheet 'Phụ lục', row 13, column G: the cleaned targets table breaks its "
        "schema (value: coerce_dtype('float64'): khoảng 500); check the plan card's columns"
    )


def test_a_missing_column_is_blamed_on_the_card(card: PlanCard) -> None:
    with pytest.raises(DataError) as err:
        _validate(schemas.FIGURES, frame(FIGURE).drop(columns="column"), "actuals", card)
    assert str(err.value) == (
        f"{card.card_path}: the cleaned actuals table breaks its schema "
        "(column_in_dataframe: column); check the plan card's columns"
    )
    assert "\n" not in str(err.value)


def test_a_row_number_that_is_no_number_is_left_out_of_the_place(card: PlanCard) -> None:
    df = frame(FIGURE, {"unit_id": "bac-kan", "row": "mười ba"})
    with pytest.raises(DataError) as err:
        _validate(schemas.FIGURES, df, "actuals", card)
    assert (err.value.file, err.value.sheet, err.value.row) == ("bang.xlsx", "Phụ lục", None)
    assert str(err.value) == (
        "bang.xlsx, sheet 'Phụ lục', column G: the cleaned actuals table breaks its schema "
        "(row: coerce_dtype('Int64'): mười ba); check the plan card's columns"
    )


def test_the_period_check_tries_each_distinct_text_as_str_matches_does() -> None:
    texts = ["2021", "2021-H1", "term", "mid-term", "2021-H3", "21-H1", "2021-H1 ", "x2021"]
    s = pd.Series(texts * 3 + [None], dtype="str")
    got = schemas._is_period(s)
    want = s.str.match(schemas.PERIOD_RE.pattern).fillna(False).astype(bool)
    assert (
        got.tolist()
        == want.tolist()
        == [True, True, True] + [False] * 5 + ([True, True, True] + [False] * 5) * 2 + [False]
    )
