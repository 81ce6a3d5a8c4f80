"""Running totals (lũy kế), to-date periods and extra columns, on a SYNTHETIC provincial table.

The table (tests/synthetic_province.py) is made up in the style of real ones; its sums and
percentages were computed by hand and are what it prints.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

import synthetic_province as sp
from ptdv import progress
from ptdv.plan.config import load_card
from ptdv.plan.periods import Calendar, resolve_period
from ptdv.tables.clean import clean_plan, write_outputs
from ptdv.tables.forms import write_form
from ptdv.tables.ingest import parse_cell


@pytest.fixture
def plan(make_plan):  # noqa: ANN201
    """Return the card of the synthetic province, its table written to a scratch root."""
    return make_plan(
        sp.PLAN,
        sp.card(),
        {sp.FILE: {"rows": sp.rows(), "sheet": sp.SHEET, "merged": sp.MERGED}},
    )


def found(result, check: str) -> pd.DataFrame:  # noqa: ANN001
    q = result.quality
    return q[q["check"] == check]


def test_running_totals_clean_as_cumulative_figures(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    a = result.actuals
    cum = a[a["kind"] == "cumulative"]
    assert sorted(set(cum["metric"])) == [
        "members_admitted",
        "members_lost",
        "members_net",
        "unions_founded",
    ]
    assert set(cum["period"]) == {"2025-H2"}
    net = cum[cum["metric"] == "members_net"].set_index("unit_name")["value"]
    assert net["LĐLĐ thị xã Nam"] == -162
    assert net.sum() == sp.FEDERATION_NET
    workers = a[(a["kind"] == "baseline") & (a["metric"] == "workers")]
    assert workers["value"].sum() == 204_170
    t = result.targets[result.targets["level"] == "unit"]
    assert t.loc[(t["metric"] == "members_net") & (t["period"] == "term"), "value"].sum() == 25_000
    assert t.loc[(t["metric"] == "members_net") & (t["period"] == "2026"), "value"].sum() == 5_420
    # the totals row agrees in every column, the stated rules hold
    totals = found(result, "totals_row")
    assert list(totals["severity"]) == ["info"]
    assert "in all 10 columns" in totals["message"].iloc[0]  # the % column: by its rule
    rules = found(result, "derived_rule")
    assert set(rules["severity"]) == {"info"}
    assert any("its rule holds on all 7 rows" in m for m in rules["message"])
    assert any("1 row(s) print 0% where the figure is negative" in m for m in rules["message"])
    assert found(result, "running_total").empty  # no half-year figures to compare with


def test_extra_column_kept_as_named_info(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    info = result.info
    assert list(info["name"].unique()) == ["Doanh nghiệp từ 25 lao động chưa có CĐCS"]
    assert info.set_index("unit_name")["value"].to_dict() == {
        "LĐLĐ thành phố Thử": 35,
        "LĐLĐ huyện Đông": 12,
        "LĐLĐ huyện Tây": 8,
        "LĐLĐ thị xã Nam": 15,
        "Công đoàn các Khu công nghiệp tỉnh": 41,
        "Công đoàn ngành Y tế": 0,
    }
    assert set(info["column"]) == {"M"}
    # never a metric: not among the figures progress reads
    assert "info" not in set(result.actuals["kind"]) | set(result.targets["kind"])
    dest = write_outputs(result)
    assert pd.read_parquet(dest / "info.parquet")["value"].sum() == 111


def test_to_date_progress_equals_the_printed_table(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    cal = Calendar.from_card(plan)
    halves = progress.halves_with_figures(cal, result.actuals)
    assert halves == ["2025-H2"]
    period = resolve_period(cal, "to-date", dt.date(2026, 3, 1), halves)
    assert period == "to-2025-H2"
    df = progress.compute_progress(plan, result.units, result.targets, result.actuals, period)
    net = df[df["metric"] == "members_net"]
    fed = net[net["level"] == "federation"].iloc[0]
    # the federation's cumulative figure and % equal the totals row
    assert fed["cum_actual"] == sp.FEDERATION_NET == parse_cell(sp.TOTALS[6]).value
    assert fed["term_target"] == sp.FEDERATION_TERM
    printed = parse_cell(sp.TOTALS[8])
    assert abs(fed["cum_pct"] * 100 - printed.value) < 10**-printed.decimals
    assert fed["cum_pct"] == pytest.approx(sp.FEDERATION_PCT)
    assert fed["elapsed_share"] == pytest.approx(sp.ELAPSED)
    assert fed["status"] == "on_track"  # 39.644 % against 40 % elapsed: 0.991 of the pace
    assert fed["period_actual"] == sp.FEDERATION_NET  # a span from the term's start
    units = net[net["level"] == "unit"].set_index("unit_name")
    for name, *figures in sp.UNITS:
        printed = parse_cell(figures[7])
        assert abs(units.at[name, "cum_pct"] * 100 - printed.value) < 10**-printed.decimals, name
    assert units["status"].to_dict() == sp.STATUS
    assert set(units["cum_basis"]) == {"running_total"}
    assert set(units["halves_reported"]) == {4}
    assert set(units["missing_periods"]) == {""}
    # unions: Y tế has no term target
    unions = df[(df["metric"] == "unions_founded") & (df["level"] == "unit")]
    assert unions.set_index("unit_name").at["Công đoàn ngành Y tế", "status"] == "no_target"
    assert unions["cum_actual"].sum() == 68


def test_half_year_of_the_running_total_has_no_flow(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    df = progress.compute_progress(plan, result.units, result.targets, result.actuals, "2025-H2")
    u = df[(df["metric"] == "members_net") & (df["level"] == "unit")].set_index("unit_name")
    # only the running total is known: the half-year's own figure is unknown ("–"), the
    # cumulative is the running total, and status is judged on it, not "no report"
    assert u["period_actual"].isna().all()
    assert u.at["LĐLĐ huyện Tây", "cum_actual"] == 467
    assert u["status"].to_dict() == sp.STATUS


def test_the_plan_year_uses_its_allocation(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    df = progress.compute_progress(plan, result.units, result.targets, result.actuals, "2026")
    u = df[(df["metric"] == "members_net") & (df["level"] == "unit")].set_index("unit_name")
    assert u.at["LĐLĐ huyện Đông", "period_target"] == 550
    assert set(u["target_method"]) == {"table"}
    assert u.at["LĐLĐ huyện Đông", "term_target"] == 2_500
    # nobody has reported 2026 yet: no report, with the running total carried as cumulative
    assert set(u["status"]) == {"no_report"}
    assert u.at["LĐLĐ huyện Đông", "cum_actual"] == 716
    assert u.at["LĐLĐ huyện Đông", "missing_periods"] == "2026-H1,2026-H2"


def _fill_form(path: Path, cells: dict[str, int]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Báo cáo"]
    head = next(r for r in ws.iter_rows() if r[0].value == "TT")
    letters = {str(c.value): c.column_letter for c in head if c.value}
    row = head[0].row + 1
    for header, value in cells.items():
        ws[f"{letters[header]}{row}"] = value
    wb.save(path)


def test_a_form_after_the_running_total_adds_to_it(plan, empty_root: Path) -> None:  # noqa: ANN001
    folder = empty_root / "data" / "raw" / sp.PLAN / "actuals" / "2026-H1"
    folder.mkdir(parents=True)
    form = write_form(folder / "dong.xlsx", plan, "LĐLĐ huyện Đông", "2026-H1")
    _fill_form(
        form,
        {"Kết nạp mới": 300, "Số đoàn viên giảm": 120, "Tăng thêm (kết nạp − giảm)": 180,
         "CĐCS thành lập mới": 1},
    )  # fmt: skip
    plan = load_card(sp.PLAN)
    result = clean_plan(plan)
    df = progress.compute_progress(plan, result.units, result.targets, result.actuals, "to-2026-H1")
    u = df[(df["metric"] == "members_net") & (df["level"] == "unit")].set_index("unit_name")
    assert u.at["LĐLĐ huyện Đông", "cum_actual"] == 716 + 180
    assert u.at["LĐLĐ huyện Đông", "cum_basis"] == "running_total+half_years"
    assert u.at["LĐLĐ huyện Tây", "cum_actual"] == 467
    assert u.at["LĐLĐ huyện Tây", "missing_periods"] == "2026-H1"
    fed = df[(df["metric"] == "members_net") & (df["level"] == "federation")].iloc[0]
    assert fed["cum_actual"] == sp.FEDERATION_NET + 180
    assert fed["elapsed_share"] == pytest.approx(0.5)
    h = progress.compute_progress(plan, result.units, result.targets, result.actuals, "2026-H1")
    hu = h[(h["metric"] == "members_net") & (h["level"] == "unit")].set_index("unit_name")
    assert hu.at["LĐLĐ huyện Đông", "period_actual"] == 180
    assert hu.at["LĐLĐ huyện Đông", "period_target"] == 275  # half of the year's 550
    assert hu.at["LĐLĐ huyện Tây", "status"] == "no_report"


def test_running_total_checked_against_half_year_figures(make_plan) -> None:  # noqa: ANN001
    """Half-year forms for every half-year up to the running total: they must add up to it."""
    card = make_plan(
        sp.PLAN,
        sp.card(),
        {sp.FILE: {"rows": sp.rows(), "sheet": sp.SHEET, "merged": sp.MERGED}},
    )
    root = card.raw_path("x").parent
    # LĐLĐ huyện Tây: 467 net to 30/11/2025 = 100 + 120 + 130 + 117 (agrees);
    # LĐLĐ huyện Đông: 716 stated, forms add up to 700 (disagrees by 16)
    flows = {
        "LĐLĐ huyện Tây": [100, 120, 130, 117],
        "LĐLĐ huyện Đông": [200, 150, 170, 180],
        "LĐLĐ thị xã Nam": [-40, -30],  # only two of the four half-years: not checkable
    }
    for k, half in enumerate(["2024-H1", "2024-H2", "2025-H1", "2025-H2"]):
        folder = root / "actuals" / half
        folder.mkdir(parents=True)
        for j, (name, values) in enumerate(flows.items()):
            if k >= len(values):
                continue
            form = write_form(folder / f"{k}-{j}.xlsx", card, name, half)
            _fill_form(form, {"Tăng thêm (kết nạp − giảm)": values[k]})
    result = clean_plan(load_card(sp.PLAN))
    rt = found(result, "running_total")
    warn = rt[rt["severity"] == "warning"]
    assert list(warn["unit"]) == ["LĐLĐ huyện Đông"]
    assert warn["message"].iloc[0] == (
        "running total of members_net to 2025-H2 (column H) is 716, but the half-year "
        "figures 2024-H1 … 2025-H2 add up to 700 (difference 16); progress uses the running "
        "total"
    )
    info = rt[rt["severity"] == "info"]["message"].tolist()
    assert (
        "running totals of members_net to 2025-H2 (column H) equal the sum of the half-year "
        "figures for all 1 unit(s) that have both" in info
    )
    assert (
        "running totals of members_net to 2025-H2 (column H): 1 unit(s) reported only some of "
        "the half-years it spans, so it could not be checked against them" in info
    )
    df = progress.compute_progress(
        load_card(sp.PLAN), result.units, result.targets, result.actuals, "to-2025-H2"
    )
    u = df[(df["metric"] == "members_net") & (df["level"] == "unit")].set_index("unit_name")
    assert u.at["LĐLĐ huyện Đông", "cum_actual"] == 716  # the running total, as stated
    assert not math.isnan(u.at["LĐLĐ huyện Đông", "period_actual"])


def test_a_running_total_covers_the_half_years_it_spans(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    cal = Calendar.from_card(plan)
    a, u = result.actuals, result.units
    assert progress.missing_units(a, u, "2024-H1", cal) == []
    assert progress.missing_units(a, u, "2025-H2", cal) == []
    assert len(progress.missing_units(a, u, "2026-H1", cal)) == 6
    assert len(progress.missing_units(a, u, "2024-H1")) == 6  # without the calendar: no figure


def test_trend_shows_the_running_total_where_it_is_known(plan) -> None:  # noqa: ANN001
    result = clean_plan(plan)
    t = progress.trend(
        plan, result.units, result.targets, result.actuals, "to-2025-H2", "members_net"
    )
    assert t["period"].tolist() == ["2024-H1", "2024-H2", "2025-H1", "2025-H2"]
    # only the total to 30/11/2025 is known; the half-years before it are covered by it
    assert t["cum_actual"].isna().tolist() == [True, True, True, False]
    assert t["cum_actual"].iloc[-1] == sp.FEDERATION_NET
    assert t["covered"].all()
    assert t["reported"].tolist() == [0, 0, 0, 6]
    assert t["actual"].isna().all()  # no half-year's own figure
