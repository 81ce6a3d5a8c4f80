"""Each quality check on tiny synthetic tables: one case where it fires, one where it is silent."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pytest

from ptdv.plan.config import PlanCard
from ptdv.tables.clean import CleanResult, clean_plan

PLAN = "thu-nghiem"
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

MakePlan = Callable[..., PlanCard]


@pytest.fixture
def run(make_plan: MakePlan, card_text: Callable[..., str]) -> Callable[..., CleanResult]:
    """Return run(rows, ...): write a one-source plan, clean it, return the result."""

    def _run(
        rows: Sequence[Sequence[Any]],
        *,
        columns: str = COLS,
        fmt: str = "txt",
        declared: str = "",
        copies: dict[str, Any] | None = None,
        xlsx: dict[str, Any] | None = None,
    ) -> CleanResult:
        name = f"bang.{fmt}"
        spec: Any = rows
        if fmt == "xlsx":
            spec = {"rows": rows, "sheet": "Biểu 1", **(xlsx or {})}
        files = {name: spec, **(copies or {})}
        text = card_text(
            PLAN,
            file=name,
            sheet="Biểu 1" if fmt == "xlsx" else None,
            columns=columns,
            copies=list(copies or {}),
            declared=declared,
        )
        return clean_plan(make_plan(PLAN, text, files))

    return _run


def found(result: CleanResult, check: str, severity: str | None = None) -> pd.DataFrame:
    q = result.quality
    q = q[q["check"] == check]
    return q[q["severity"] == severity] if severity else q


def cells(df: pd.DataFrame, cols: Sequence[str]) -> list[list[Any]]:
    """Return the rows of some columns of a findings frame, a missing value as None."""
    return [[None if pd.isna(v) else v for v in r] for r in df[list(cols)].values.tolist()]


BASE = [
    HEADER,
    [1, "LĐLĐ huyện An", "1.200", "5"],
    [2, "LĐLĐ huyện Bình", "800", "3"],
    [3, "CĐN Y tế", "40", "1"],
]


# --- totals_row ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["txt", "xlsx"])
def test_totals_row_disagreeing_column_is_an_error(run, fmt: str) -> None:
    rows = [*BASE, [None, "Tổng cộng", "2.100", "9"]]
    result = run(rows, fmt=fmt)
    errors = found(result, "totals_row", "error")
    assert len(errors) == 1
    e = errors.iloc[0]
    assert e["row"] == 5
    assert "column C" in e["message"]
    assert "2,100" in e["message"] and "2,040" in e["message"]
    assert "difference 60" in e["message"]
    assert "column D" not in e["message"]
    assert found(result, "totals_row", "info").empty
    # the totals row is not loaded as a unit
    assert len(result.units) == 3
    assert "tong-cong" not in result.units["unit_id"].tolist()


@pytest.mark.parametrize("fmt", ["txt", "xlsx"])
def test_totals_row_agreeing_is_info_only(run, fmt: str) -> None:
    rows = [*BASE, [None, "Tổng cộng", "2.040", "9"]]
    result = run(rows, fmt=fmt)
    totals = found(result, "totals_row")
    assert len(totals) == 1
    assert totals.iloc[0]["severity"] == "info"
    assert "agrees" in totals.iloc[0]["message"]
    assert "all 2 columns" in totals.iloc[0]["message"]
    assert len(result.units) == 3
    assert set(result.quality["severity"]) == {"info"}


def test_totals_row_in_tt_column_with_markup(run) -> None:
    rows = [*BASE, ["<b>TỔNG</b>", None, "<b>2.040</b>", "<b>10</b>"]]
    result = run(rows)
    errors = found(result, "totals_row", "error")
    assert len(errors) == 1
    assert "column D" in errors.iloc[0]["message"]
    assert "states 10" in errors.iloc[0]["message"]
    assert "add up to 9" in errors.iloc[0]["message"]


def test_group_subtotals_are_checked_against_their_group(run) -> None:
    rows = [
        HEADER,
        ["A", "Khối huyện"],
        [1, "LĐLĐ huyện An", "1.200", "5"],
        [2, "LĐLĐ huyện Bình", "800", "3"],
        [None, "Cộng", "2.000", "8"],
        ["B", "Khối ngành"],
        [3, "CĐN Y tế", "40", "1"],
        [None, "Cộng", "40", "1"],
        [None, "Tổng cộng", "2.040", "9"],
    ]
    result = run(rows)
    assert len(result.units) == 3
    assert found(result, "totals_row", "error").empty
    totals = found(result, "totals_row")
    assert cells(totals, ["severity", "row", "message"]) == [
        [
            "info",
            5,
            "totals row 'Cộng' agrees with the sum of the 2 unit rows of group 'Khối huyện' in "
            "all 2 columns; it is used as a check, not loaded as a unit",
        ],
        [
            "info",
            8,
            "totals row 'Cộng' agrees with the sum of the 1 unit rows of group 'Khối ngành' in "
            "all 2 columns; it is used as a check, not loaded as a unit",
        ],
        [
            "info",
            9,
            "totals row 'Tổng cộng' agrees with the sum of the 3 unit rows of the table in all 2 "
            "columns; it is used as a check, not loaded as a unit",
        ],
    ]


def test_wrong_group_subtotal_is_flagged(run) -> None:
    rows = [
        HEADER,
        ["A", "Khối huyện"],
        [1, "LĐLĐ huyện An", "1.200", "5"],
        [2, "LĐLĐ huyện Bình", "800", "3"],
        [None, "Cộng", "1.900", "8"],  # 1,200 + 800 = 2,000: the subtotal is 100 short
        ["B", "Khối ngành"],
        [3, "CĐN Y tế", "40", "1"],
        [None, "Cộng", "40", "1"],
        [None, "Tổng cộng", "2.040", "9"],
    ]
    result = run(rows)
    errors = found(result, "totals_row", "error")
    assert cells(errors, ["row", "unit", "column", "message"]) == [
        [
            5,
            None,
            "C",
            "totals row 'Cộng', column C (Kết nạp ĐV): states 1,900 but the 2 unit rows of "
            "group 'Khối huyện' add up to 2,000 (difference -100)",
        ]
    ]
    # the other subtotal and the grand total still agree; the units are loaded unchanged
    agree = found(result, "totals_row", "info")
    assert agree["row"].tolist() == [8, 9]
    assert len(result.units) == 3
    t = result.targets.set_index(["unit_id", "metric"])["value"]
    assert t[("an", "members_admitted")] == 1200 and t[("binh", "members_admitted")] == 800


def test_no_totals_row_is_info(run) -> None:
    totals = found(run(BASE), "totals_row")
    assert totals["severity"].tolist() == ["info"]
    assert "no totals row" in totals.iloc[0]["message"]


# --- declared_total -------------------------------------------------------------------------

DECLARED = """\
- metric: members_admitted
  period: "2024"
  value: {value}
  where: "Mục II"
"""


def test_declared_total_short_is_a_warning(run) -> None:
    result = run(BASE, declared=DECLARED.format(value=2500))
    d = found(result, "declared_total")
    assert d["severity"].tolist() == ["warning"]
    msg = d.iloc[0]["message"]
    assert "2,040" in msg and "2,500" in msg and "short of" in msg and "by 460" in msg
    plan = result.targets[result.targets["level"] == "plan"]
    assert plan["value"].tolist() == [2500]


def test_declared_total_over_is_a_warning(run) -> None:
    d = found(run(BASE, declared=DECLARED.format(value=2000)), "declared_total")
    assert d["severity"].tolist() == ["warning"]
    assert "over the declared 2,000" in d.iloc[0]["message"]


def test_declared_total_equal_is_info(run) -> None:
    d = found(run(BASE, declared=DECLARED.format(value=2040)), "declared_total")
    assert d["severity"].tolist() == ["info"]
    assert "add up to the declared 2,040" in d.iloc[0]["message"]


# --- duplicate_unit -----------------------------------------------------------------------


def test_duplicate_name_is_an_error_never_merged(run) -> None:
    rows = [*BASE, [4, "LĐLĐ huyện Bình", "100", "1"]]
    result = run(rows)
    dup = found(result, "duplicate_unit")
    assert dup["severity"].tolist() == ["error"]
    assert dup.iloc[0]["row"] == 5
    assert "rows 3 (TT 2) and 5 (TT 4)" in dup.iloc[0]["message"]
    ids = result.units["unit_id"].tolist()
    assert ids == ["an", "binh", "cdn-y-te", "binh-2"]
    t = result.targets.set_index(["unit_id", "metric"])["value"]
    assert t[("binh", "members_admitted")] == 800
    assert t[("binh-2", "members_admitted")] == 100


@pytest.mark.parametrize(
    "variant",
    [
        unicodedata.normalize("NFD", "LĐLĐ huyện Bình"),
        "  LĐLĐ   huyện  Bình ",
        "lđlđ HUYỆN bình",
        "Bình",  # the same unit without its prefix
    ],
)
def test_duplicate_up_to_normalisation_is_an_error(run, variant: str) -> None:
    rows = [*BASE, [4, variant, "100", "1"]]
    result = run(rows)
    dup = found(result, "duplicate_unit", "error")
    assert len(dup) == 1
    assert result.units["unit_id"].tolist()[-1] == "binh-2"
    assert len(result.units) == 4


def test_distinct_names_are_not_duplicates(run) -> None:
    rows = [*BASE, [4, "LĐLĐ huyện Bình Giang", "100", "1"]]
    result = run(rows)
    assert found(result, "duplicate_unit").empty
    assert result.units["unit_id"].tolist() == ["an", "binh", "cdn-y-te", "binh-giang"]


# --- derived_rule: share ------------------------------------------------------------------

SHARE_COLS = """\
- header: Số CNLĐ chưa là ĐV
  kind: baseline
  metric: nonmember_workers
  period: 2021-H1
- header: Số ĐV giao (bằng 20% số CNLĐ chưa là ĐV)
  kind: target
  metric: members_net
  period: 2021-H2
  rule:
    share: 0.2
    of: nonmember_workers@2021-H1
"""
SHARE_HEADER = ["TT", "Đơn vị", "Số CNLĐ chưa là ĐV", "Số ĐV giao (bằng 20% số CNLĐ chưa là ĐV)"]


@pytest.mark.parametrize(
    ("workers", "stated"),
    [
        ("6.080", "1.216"),  # exact
        ("8.759", "1.752"),  # 1,751.8 rounded
        ("8.759", "1.751"),  # 1,751.8 truncated
        ("4.119", "824"),  # 823.8 rounded
        ("4.119", "823"),  # 823.8 truncated
    ],
)
def test_share_rule_passes_within_last_digit(run, workers: str, stated: str) -> None:
    rows = [SHARE_HEADER, [1, "An Giang", "1.000", "200"], [2, "Bạc Liêu", workers, stated]]
    result = run(rows, columns=SHARE_COLS)
    rule = found(result, "derived_rule")
    assert rule["severity"].tolist() == ["info"]
    assert "holds on all 2 rows" in rule.iloc[0]["message"]


@pytest.mark.parametrize(
    ("workers", "stated", "computed"),
    [
        ("60.700", "12.884", "12,140"),
        ("4.119", "825", "823.8"),  # off by 1.2
        ("4.119", "822", "823.8"),  # off by 1.8
        ("5.000", "1.001", "1,000"),  # off by exactly one unit of the last digit
    ],
)
def test_share_rule_off_is_a_warning_naming_the_row(
    run, workers: str, stated: str, computed: str
) -> None:
    rows = [SHARE_HEADER, [1, "An Giang", "1.000", "200"], [2, "Hải Phòng", workers, stated]]
    result = run(rows, columns=SHARE_COLS)
    rule = found(result, "derived_rule")
    assert rule["severity"].tolist() == ["warning"]
    w = rule.iloc[0]
    assert (w["row"], w["unit"]) == (3, "Hải Phòng")
    assert computed in w["message"]
    assert "20% of C" in w["message"]
    assert "kept as stated" in w["message"]
    # the stated figure is kept, not "fixed"
    t = result.targets.set_index("unit_id")["value"]
    assert t["hai-phong"] == float(stated.replace(".", ""))


# --- derived_rule: percent ----------------------------------------------------------------

PCT_COLS = """\
- header: Chỉ tiêu
  kind: target
  metric: members_admitted
  period: "2024"
  id: target
- header: Thực hiện
  kind: actual
  metric: members_admitted
  period: "2024"
  id: actual
- header: Tỷ lệ so chỉ tiêu
  kind: derived
  metric: members_admitted
  period: "2024"
  id: pct
  rule:
    percent: [actual, target]
"""
PCT_HEADER = ["TT", "Đơn vị", "Chỉ tiêu", "Thực hiện", "Tỷ lệ so chỉ tiêu"]


def _pct_rows(stated: Any, actual: Any = "610", target: Any = "1.100") -> list[list[Any]]:
    return [PCT_HEADER, [1, "An", "200", "100", "50%"], [2, "Bình", target, actual, stated]]


# 610 / 1,100 = 55.4545...%: passes iff |stated - computed| < 10**-decimals
@pytest.mark.parametrize(
    ("stated", "passes"),
    [
        ("55,45%", True),  # truncated
        ("55,46%", True),  # rounded (diff 0.0055)
        ("55,44%", False),  # diff 0.0145
        ("55,47%", False),  # diff 0.0155
        ("55,4545%", True),
        ("55,5%", True),  # one decimal: diff 0.045 < 0.1
        ("55,3%", False),  # one decimal: diff 0.15
        ("55 %", True),  # no decimals: diff 0.45 < 1
        ("56%", True),  # no decimals: diff 0.55 < 1
        ("57%", False),  # diff 1.55
        ("55,45", True),  # without the % sign
    ],
)
def test_percent_rule_tolerance(run, stated: str, passes: bool) -> None:
    result = run(_pct_rows(stated), columns=PCT_COLS)
    rule = found(result, "derived_rule")
    if passes:
        assert rule["severity"].tolist() == ["info"], rule["message"].tolist()
    else:
        assert rule["severity"].tolist() == ["warning"]
        assert rule.iloc[0]["row"] == 3
        assert "55.45" in rule.iloc[0]["message"]  # the computed value, 2 decimals


@pytest.mark.parametrize(
    ("stated", "passes"),
    [("50,00%", True), ("50,01%", False), ("49,99%", False), ("50,1%", False), ("50%", True)],
)
def test_percent_rule_boundary_is_exclusive(run, stated: str, passes: bool) -> None:
    # 300 / 600 = exactly 50%: a difference of exactly one unit of the last digit fails
    result = run(_pct_rows(stated, actual="300", target="600"), columns=PCT_COLS)
    severities = found(result, "derived_rule")["severity"].tolist()
    assert severities == (["info"] if passes else ["warning"])


def test_percent_rule_zero_target_is_not_checked(run) -> None:
    result = run(_pct_rows("0 %", actual="10", target="0"), columns=PCT_COLS)
    rule = found(result, "derived_rule")
    assert rule["severity"].tolist() == ["info"]
    assert "all 1 rows" in rule.iloc[0]["message"]


def test_percent_rule_accepts_zero_printed_for_a_negative_figure(run) -> None:
    # provincial tables print achievement as 0 % when the net increase is negative
    result = run(_pct_rows("0 %", actual="(65)", target="1.100"), columns=PCT_COLS)
    rule = found(result, "derived_rule")
    assert "warning" not in set(rule["severity"])
    floored = rule[rule["message"].str.contains("print 0%")]
    assert floored["row"].tolist() == [3]
    assert "1 row(s)" in floored.iloc[0]["message"]


def test_percent_rule_flags_a_wrong_figure_next_to_a_negative_one(run) -> None:
    result = run(_pct_rows("5 %", actual="(65)", target="1.100"), columns=PCT_COLS)
    assert found(result, "derived_rule", "warning")["row"].tolist() == [3]


def test_percent_column_is_not_loaded_as_a_figure(run) -> None:
    result = run(_pct_rows("55,45%"), columns=PCT_COLS)
    assert set(result.targets["kind"]) == {"target"}
    assert len(result.targets) == 2 and len(result.actuals) == 2
    assert result.actuals.set_index("unit_id")["value"]["binh"] == 610


def test_totals_row_percent_column_is_not_summed(run) -> None:
    rows = [*_pct_rows("55,45%"), [None, "Tổng cộng", "1.300", "710", "54,62%"]]
    result = run(rows, columns=PCT_COLS)
    # the rule itself holds on the totals row: 710 / 1,300 = 54.615%
    assert found(result, "derived_rule")["severity"].tolist() == ["info"]
    assert found(result, "totals_row", "error").empty


def test_percent_rule_on_excel_percent_cells(run) -> None:
    rows = _pct_rows(0.5545, actual=610, target=1100)
    rows[1] = [1, "An", 200, 100, 0.5]
    result = run(
        rows,
        columns=PCT_COLS,
        fmt="xlsx",
        xlsx={"number_formats": {"E2": "0%", "E3": "0.00%"}},
    )
    assert found(result, "derived_rule")["severity"].tolist() == ["info"]


# --- derived_rule: difference -------------------------------------------------------------

DIFF_COLS = """\
- header: Kết nạp
  kind: actual
  metric: members_admitted
  period: 2024-H1
- header: Giảm
  kind: actual
  metric: members_lost
  period: 2024-H1
- header: Tăng thêm
  kind: actual
  metric: members_net
  period: 2024-H1
  rule:
    difference: [members_admitted@2024-H1, members_lost@2024-H1]
"""
DIFF_HEADER = ["TT", "Đơn vị", "Kết nạp", "Giảm", "Tăng thêm"]


def test_difference_rule_holds_including_negative_net(run) -> None:
    rows = [DIFF_HEADER, [1, "An", "120", "20", "100"], [2, "Bình", "40", "105", "(65)"]]
    result = run(rows, columns=DIFF_COLS)
    rule = found(result, "derived_rule")
    assert rule["severity"].tolist() == ["info"]
    assert found(result, "negative_value").empty
    net = result.actuals[result.actuals["metric"] == "members_net"].set_index("unit_id")
    assert net["value"].to_dict() == {"an": 100, "binh": -65}


def test_difference_rule_off_is_a_warning(run) -> None:
    rows = [DIFF_HEADER, [1, "An", "120", "20", "90"], [2, "Bình", "40", "105", "- 65"]]
    result = run(rows, columns=DIFF_COLS)
    rule = found(result, "derived_rule")
    assert rule["severity"].tolist() == ["warning"]
    w = rule.iloc[0]
    assert (w["row"], w["unit"]) == (2, "An")
    assert "states 90" in w["message"] and "gives 100" in w["message"]
    assert "minus" in w["message"]


def test_sum_rule_off_is_a_warning(run) -> None:
    cols = COLS.replace("Thành lập CĐCS", "Quý I") + (
        "- header: Cả năm\n  kind: target\n  metric: members_admitted\n  period: term\n"
        "  rule:\n    sum: [members_admitted@2024, unions_founded@2024]\n"
    )
    rows = [
        ["TT", "Đơn vị", "Kết nạp ĐV", "Quý I", "Cả năm"],
        [1, "An", "10", "2", "12"],
        [2, "Bình", "10", "2", "13"],
    ]
    rule = found(run(rows, columns=cols), "derived_rule")
    assert rule["severity"].tolist() == ["warning"]
    assert rule.iloc[0]["row"] == 3 and "gives 12" in rule.iloc[0]["message"]


# --- zero_target --------------------------------------------------------------------------


def test_zero_target_unit_is_info(run) -> None:
    rows = [*BASE, [4, "CĐN Giáo dục", "0", "0"]]
    result = run(rows)
    zero = found(result, "zero_target")
    assert zero["severity"].tolist() == ["info"]
    z = zero.iloc[0]
    assert (z["unit"], z["row"]) == ("CĐN Giáo dục", 5)
    assert "members_admitted" in z["message"] and "unions_founded" in z["message"]
    assert "undefined" in z["message"]


def test_unit_with_one_nonzero_target_is_not_zero(run) -> None:
    rows = [*BASE, [4, "CĐN Giáo dục", "0", "1"]]
    cols = """\
- header: Kết nạp ĐV
  kind: target
  metric: members_admitted
  period: "2024"
- header: Thành lập CĐCS
  kind: target
  metric: members_admitted
  period: "2025"
"""
    result = run(rows, columns=cols)
    assert found(result, "zero_target").empty


def test_zero_target_is_per_metric(run) -> None:
    # all members_admitted targets are 0, one unions_founded target is not: logged for the
    # metric whose targets are all 0 only
    rows = [*BASE, [4, "CĐN Giáo dục", "0", "2"]]
    zero = found(run(rows), "zero_target")
    assert len(zero) == 1
    assert "members_admitted" in zero.iloc[0]["message"]
    assert "unions_founded" not in zero.iloc[0]["message"]


def test_blank_targets_are_not_zero_targets(run) -> None:
    rows = [*BASE, [4, "CĐN Giáo dục", "-", None]]
    result = run(rows)
    assert found(result, "zero_target").empty
    t = result.targets[result.targets["unit_id"] == "cdn-giao-duc"]
    assert t["value"].isna().all() and len(t) == 2


def test_zero_targets_in_order_of_each_units_first_target() -> None:
    # targets of two files interleaved (a unit's rows need not be together): a unit is listed
    # once, at its first target row of any metric, with its all-zero metrics in the order
    # they first appear; a unit without a name forms no group (as pandas' groupby)
    from ptdv.tables.checks import check_zero_targets

    def fig(uid, name, metric, value, row, file="a.xlsx", sheet="S"):  # noqa: ANN001, ANN202
        return {"level": "unit", "kind": "target", "unit_id": uid, "unit_name": name,
                "metric": metric, "value": value, "row": row, "source_file": file,
                "sheet": sheet, "column": "C"}  # fmt: skip

    figures = pd.DataFrame(
        [
            fig("b", "Bình", "members_net", 5.0, 3),
            fig("a", "An", "unions_founded", 0.0, 2),
            fig("b", "Bình", "members_admitted", 0.0, 3),
            fig("c", "Cần", "members_admitted", None, 4),  # blank: not a zero target
            fig("a", "An", "members_admitted", 0.0, 2),
            fig("b", "Bình", "members_admitted", 0.0, 9, file="b.csv", sheet=None),
            fig("a", "An", "unions_founded", 0.0, 7, file="b.csv", sheet=None),
            fig("d", None, "members_admitted", 0.0, 5),
            {**fig("e", "Én", "members_admitted", 0.0, 6), "kind": "actual"},
        ]
    )
    got = [(f.unit, f.row, f.source, f.params["metrics"]) for f in check_zero_targets(figures)]
    assert got == [
        ("Bình", 3, "a.xlsx, S", "members_admitted"),
        ("An", 2, "a.xlsx, S", "unions_founded, members_admitted"),
    ]


def test_a_text_files_figures_are_placed_in_the_file_whatever_stands_for_no_sheet() -> None:
    # a text table's figures have no sheet: None as read, NaN once the schema made the
    # column text (or when read back from Parquet); either way the finding names the file
    # alone, never "file, nan"
    from ptdv.tables.checks import check_zero_targets

    for no_sheet in (None, math.nan, ""):
        figures = pd.DataFrame(
            [{"level": "unit", "kind": "target", "unit_id": "a", "unit_name": "An",
              "metric": "members_net", "value": 0.0, "row": 7, "source_file": "bang.txt",
              "sheet": no_sheet, "column": "D"}]
        )  # fmt: skip
        (zero,) = check_zero_targets(figures)
        assert (zero.source, zero.file, zero.sheet) == ("bang.txt", "bang.txt", None)


# --- negative_value -----------------------------------------------------------------------


def test_negative_admitted_target_is_an_error(run) -> None:
    rows = [*BASE[:2], [2, "LĐLĐ huyện Bình", "(800)", "3"], BASE[3]]
    result = run(rows)
    neg = found(result, "negative_value")
    assert neg["severity"].tolist() == ["error"]
    n = neg.iloc[0]
    assert (n["unit"], n["row"]) == ("LĐLĐ huyện Bình", 3)
    assert "-800" in n["message"] and "members_admitted" in n["message"]
    assert "column C" in n["message"]
    # the figure is kept as stated
    t = result.targets.set_index(["unit_id", "metric"])["value"]
    assert t[("binh", "members_admitted")] == -800


def test_negative_net_actual_is_allowed(run) -> None:
    cols = """\
- header: Kết nạp ĐV
  kind: target
  metric: members_net
  period: term
- header: Thành lập CĐCS
  kind: actual
  metric: members_net
  period: 2024-H1
"""
    rows = [HEADER, [1, "An", "100", "(65)"], [2, "Bình", "100", "- 104"]]
    result = run(rows, columns=cols)
    assert found(result, "negative_value").empty
    assert sorted(result.actuals["value"]) == [-104, -65]


# --- unmapped_column ----------------------------------------------------------------------


def test_unmapped_column_is_a_warning(run) -> None:
    rows = [
        [*HEADER, "Ghi chú"],
        [1, "An", "10", "1", "đạt"],
        [2, "Bình", "20", "2", None],
    ]
    result = run(rows)
    un = found(result, "unmapped_column")
    assert un["severity"].tolist() == ["warning"]
    assert "column E (Ghi chú)" in un.iloc[0]["message"]
    assert un.iloc[0]["row"] == 1
    assert len(result.targets) == 4


def test_all_columns_mapped_no_warning(run) -> None:
    assert found(run(BASE), "unmapped_column").empty


# --- copies -------------------------------------------------------------------------------


def _copy(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [list(r) for r in rows]


def test_copy_with_a_changed_figure_is_an_error(run) -> None:
    xlsx_rows = [HEADER, [1, "LĐLĐ huyện An", 1200, 5], [2, "LĐLĐ huyện Bình", 800, 3]]
    txt_rows = _copy(BASE[:3])
    txt_rows[2][2] = "850"
    result = run(xlsx_rows, fmt="xlsx", copies={"ban-sao.txt": txt_rows})
    diff = found(result, "copy_differs")
    assert cells(diff, ["severity", "source", "row", "unit", "column", "message"]) == [
        [
            "error",
            "ban-sao.txt",
            3,
            "LĐLĐ huyện Bình",
            "C",
            "target members_admitted 2024: bang.xlsx has 800, this copy has 850",
        ]
    ]
    assert found(result, "copy_agrees").empty
    # the primary's figure is the one loaded
    assert result.targets.set_index(["unit_id", "metric"])["value"][
        ("binh", "members_admitted")
    ] == (800)


def test_identical_copy_agrees(run) -> None:
    xlsx_rows = [HEADER, [1, "LĐLĐ huyện An", 1200, 5], [2, "LĐLĐ huyện Bình", 800, 3]]
    result = run(xlsx_rows, fmt="xlsx", copies={"ban-sao.txt": _copy(BASE[:3])})
    assert found(result, "copy_differs").empty
    agree = found(result, "copy_agrees")
    assert cells(agree, ["severity", "source", "row", "unit", "message"]) == [
        [
            "info",
            "ban-sao.txt",
            None,
            None,
            "this copy cleans to the same 2 units and 4 figures as bang.xlsx",
        ]
    ]


def test_copy_with_a_missing_unit_is_an_error(run) -> None:
    result = run(BASE, copies={"ban-sao.txt": _copy(BASE[:3])})
    diff = found(result, "copy_differs")
    # one finding for the unit, not one per figure; the copy has no row for it
    assert cells(diff, ["severity", "source", "row", "unit", "message"]) == [
        [
            "error",
            "ban-sao.txt",
            None,
            "CĐN Y tế",
            "unit 'CĐN Y tế' (row 4 of bang.txt) is missing from this copy",
        ]
    ]


def test_copy_with_a_differently_written_name_names_the_unit(run) -> None:
    copy_rows = _copy(BASE)
    copy_rows[1][1] = "An"  # same unit (same id 'an'), written without its prefix
    result = run(BASE, copies={"ban-sao.txt": copy_rows})
    diff = found(result, "copy_differs")
    assert cells(diff, ["severity", "source", "row", "unit", "message"]) == [
        [
            "warning",
            "ban-sao.txt",
            2,
            "An",
            "the unit is written 'An' here and 'LĐLĐ huyện An' in bang.txt (same unit id, matched)",
        ]
    ]
