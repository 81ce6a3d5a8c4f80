"""A copy of a table (`copies:` on a card) that differs from the primary is never silent.

Every table here is synthetic, made up in the test: a primary .xlsx ("bang.xlsx", sheet
"Biểu 1") and a tab-separated .txt copy ("ban-sao.txt") of the same small table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pytest

from ptdv.plan.config import PlanCard
from ptdv.tables.clean import CleanResult, SourceResult, _compare_copy, clean_file, clean_plan

PLAN = "thu-ban-sao"
PRIMARY = "bang.xlsx"
COPY = "ban-sao.txt"
HEADER = ["TT", "Đơn vị", "Kết nạp ĐV", "Thành lập CĐCS"]

#: Two target columns: members admitted and unions founded in 2024.
COLS = """\
- header: Kết nạp ĐV
  kind: target
  metric: members_admitted
  period: "2024"
- header: Thành lập CĐCS
  kind: target
  metric: unions_founded
  period: "2024"
"""

#: Synthetic: two group labels above three units (rows 2-6 of the file, header on row 1).
ROWS = [
    HEADER,
    ["I", "Khối huyện", None, None],
    [1, "LĐLĐ huyện An", 1200, 5],
    [2, "LĐLĐ huyện Bình", 800, 3],
    ["II", "Khối doanh nghiệp", None, None],
    [3, "CĐN Y tế", 40, 1],
]


def _rows(rows: Sequence[Sequence[Any]] = ROWS) -> list[list[Any]]:
    return [list(r) for r in rows]


@pytest.fixture
def plan(make_plan: Callable[..., PlanCard], card_text: Callable[..., str]):
    """Return plan(primary_rows, copy_rows): write the two files and the card, load it."""

    def _plan(primary: Sequence[Sequence[Any]], copy: Sequence[Sequence[Any]]) -> PlanCard:
        files = {PRIMARY: {"rows": primary, "sheet": "Biểu 1"}, COPY: copy}
        text = card_text(PLAN, file=PRIMARY, sheet="Biểu 1", columns=COLS, copies=[COPY])
        return make_plan(PLAN, text, files)

    return _plan


@pytest.fixture
def run(plan) -> Callable[..., CleanResult]:
    """Return run(primary_rows, copy_rows): clean the plan with its copy."""
    return lambda primary, copy: clean_plan(plan(primary, copy))


@pytest.fixture
def pair(plan) -> Callable[..., tuple[SourceResult, SourceResult]]:
    """Return pair(primary_rows, copy_rows): the primary and the copy, cleaned one by one."""

    def _pair(primary, copy) -> tuple[SourceResult, SourceResult]:
        card = plan(primary, copy)
        source = card.sources[0]
        return clean_file(card, source, PRIMARY), clean_file(card, source, COPY)

    return _pair


def copy_findings(result: CleanResult) -> pd.DataFrame:
    q = result.quality
    return q[q["check"].str.startswith("copy_")].reset_index(drop=True)


def as_tuples(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    cols = ["severity", "check", "source", "row", "unit", "message"]
    return [
        tuple(None if pd.isna(v) else v for v in t)
        for t in df[cols].itertuples(index=False, name=None)
    ]


def compared(primary: SourceResult, copy: SourceResult) -> list[tuple[Any, ...]]:
    return [(f.severity, f.check, f.row, f.unit, f.message) for f in _compare_copy(primary, copy)]


def test_identical_copy_agrees(run) -> None:
    result = run(ROWS, _rows())
    assert as_tuples(copy_findings(result)) == [
        (
            "info",
            "copy_agrees",
            COPY,
            None,
            None,
            "this copy cleans to the same 3 units and 6 figures as bang.xlsx",
        )
    ]


def test_copy_differing_only_in_a_group_label_is_a_warning(run) -> None:
    copy = _rows()
    # the group label moved up one line: Bình is under the second group in the copy
    copy[3], copy[4] = copy[4], copy[3]
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        (
            "warning",
            "copy_differs",
            COPY,
            5,
            "LĐLĐ huyện Bình",
            "group: 'Khối doanh nghiệp' here, 'Khối huyện' in bang.xlsx",
        )
    ]


def test_copy_with_a_relabelled_group_names_both_labels(run) -> None:
    copy = _rows()
    copy[4][1] = "Khối ngành"
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        (
            "warning",
            "copy_differs",
            COPY,
            6,
            "CĐN Y tế",
            "group: 'Khối ngành' here, 'Khối doanh nghiệp' in bang.xlsx",
        )
    ]


def test_copy_with_a_blank_figure_is_an_error(run) -> None:
    copy = _rows()
    copy[3][3] = None  # Bình's unions founded left blank in the copy
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        (
            "error",
            "copy_differs",
            COPY,
            4,
            "LĐLĐ huyện Bình",
            "target unions_founded 2024: bang.xlsx has 3, this copy has blank",
        )
    ]
    # the primary's figure is the one loaded
    figs = result.targets.set_index(["unit_id", "metric"])["value"]
    assert figs[("binh", "unions_founded")] == 3


def test_primary_with_a_blank_figure_is_an_error(run) -> None:
    primary = _rows()
    primary[5][2] = None  # Y tế's members admitted blank in the primary only
    result = run(primary, _rows())
    assert as_tuples(copy_findings(result)) == [
        (
            "error",
            "copy_differs",
            COPY,
            6,
            "CĐN Y tế",
            "target members_admitted 2024: bang.xlsx has blank, this copy has 40",
        )
    ]


def test_copy_differing_only_in_a_row_number_is_a_warning(run) -> None:
    copy = _rows()
    copy[5][0] = 4  # Y tế numbered 4 in the copy, 3 in the primary
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        ("warning", "copy_differs", COPY, 6, "CĐN Y tế", "tt: 4 here, 3 in bang.xlsx")
    ]


def test_copy_without_a_row_number_is_a_warning(run) -> None:
    copy = _rows()
    copy[2][0] = None  # An has no row number in the copy (still a unit: it has figures)
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        ("warning", "copy_differs", COPY, 3, "LĐLĐ huyện An", "tt: blank here, 1 in bang.xlsx")
    ]


def test_each_differing_field_of_a_unit_is_one_finding(run) -> None:
    copy = _rows()
    copy[3] = [7, "Bình", 800, 3]  # same unit id 'binh': other name and other number
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        (
            "warning",
            "copy_differs",
            COPY,
            4,
            "Bình",
            "the unit is written 'Bình' here and 'LĐLĐ huyện Bình' in bang.xlsx "
            "(same unit id, matched)",
        ),
        ("warning", "copy_differs", COPY, 4, "Bình", "tt: 7 here, 2 in bang.xlsx"),
    ]


def test_copy_with_columns_in_another_order_agrees(run) -> None:
    # same figures, only the two figure columns swapped in the text copy
    copy = [[r[0], r[1], r[3], r[2]] for r in _rows()]
    result = run(ROWS, copy)
    assert as_tuples(copy_findings(result)) == [
        (
            "info",
            "copy_agrees",
            COPY,
            None,
            None,
            "this copy cleans to the same 3 units and 6 figures as bang.xlsx",
        )
    ]


def test_a_figure_missing_from_the_copy_is_an_error(pair) -> None:
    primary, copy = pair(ROWS, _rows())
    figs = copy.figures
    drop = (figs["unit_id"] == "an") & (figs["metric"] == "members_admitted")
    copy.figures = figs[~drop].reset_index(drop=True)
    assert compared(primary, copy) == [
        (
            "error",
            "copy_differs",
            3,
            "LĐLĐ huyện An",
            "target members_admitted 2024: bang.xlsx has 1,200, this copy has no figure",
        )
    ]


def test_a_figure_only_in_the_copy_is_an_error(pair) -> None:
    primary, copy = pair(ROWS, _rows())
    figs = primary.figures
    keep = ~((figs["unit_id"] == "cdn-y-te") & (figs["metric"] == "unions_founded"))
    primary.figures = figs[keep].reset_index(drop=True)
    assert compared(primary, copy) == [
        (
            "error",
            "copy_differs",
            6,
            "CĐN Y tế",
            "target unions_founded 2024: bang.xlsx has no figure, this copy has 1",
        )
    ]


def test_a_difference_no_check_names_is_still_a_warning(pair) -> None:
    primary, copy = pair(ROWS, _rows())
    copy.units["plan_id"] = "khac"
    assert compared(primary, copy) == [
        (
            "warning",
            "copy_differs",
            None,
            None,
            "this copy does not clean to the same frames as bang.xlsx, though no unit or "
            "figure differs: units column plan_id",
        )
    ]
