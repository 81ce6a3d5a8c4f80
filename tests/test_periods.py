"""Periods: half-year cuts, labels, elapsed share and the latest completed period."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from ptdv.plan.periods import Calendar

D = dt.date


@pytest.fixture
def stat() -> Calendar:
    return Calendar("statistical", D(2023, 12, 1), D(2028, 11, 30))


@pytest.fixture
def cal() -> Calendar:
    return Calendar("calendar", D(2021, 1, 1), D(2023, 12, 31))


def test_calendar_half_years(cal: Calendar) -> None:
    assert [h.id for h in cal.halves()] == [
        "2021-H1", "2021-H2", "2022-H1", "2022-H2", "2023-H1", "2023-H2",
    ]  # fmt: skip
    h1 = cal.period("2021-H1")
    assert (h1.start, h1.end) == (D(2021, 1, 1), D(2021, 6, 30))
    h2 = cal.period("2022-H2")
    assert (h2.start, h2.end) == (D(2022, 7, 1), D(2022, 12, 31))
    y = cal.period("2022")
    assert (y.kind, y.start, y.end) == ("year", D(2022, 1, 1), D(2022, 12, 31))


def test_statistical_half_years_end_on_31_5_and_30_11(stat: Calendar) -> None:
    h1 = stat.period("2026-H1")
    assert (h1.start, h1.end) == (D(2025, 12, 1), D(2026, 5, 31))
    h2 = stat.period("2026-H2")
    assert (h2.start, h2.end) == (D(2026, 6, 1), D(2026, 11, 30))
    y = stat.period("2024")
    assert (y.start, y.end) == (D(2023, 12, 1), D(2024, 11, 30))
    assert len(stat.halves()) == 10
    assert stat.years() == ["2024", "2025", "2026", "2027", "2028"]


def test_leap_year_february_is_inside_h1(stat: Calendar) -> None:
    assert stat.period("2028-H1").start == D(2027, 12, 1)
    assert stat.period("2028-H1").end == D(2028, 5, 31)


def test_labels_and_dates(stat: Calendar, cal: Calendar) -> None:
    assert stat.label("2026-H1") == "6 tháng đầu năm 2026"
    assert stat.date_range("2026-H1") == "01/12/2025 – 31/05/2026"
    assert stat.label("2026-H2") == "6 tháng cuối năm 2026"
    assert stat.label("2025") == "Năm 2025"
    assert stat.label("term") == "Cả nhiệm kỳ 2024–2028"
    assert cal.label("2021-H1", "en") == "First half of 2021"
    assert cal.label("term", "en") == "Whole term 2021–2023"
    assert cal.date_range("term") == "01/01/2021 – 31/12/2023"


def test_elapsed_share_counts_half_years(cal: Calendar, stat: Calendar) -> None:
    assert cal.elapsed_share("2021-H1") == Fraction(1, 6)
    assert cal.elapsed_share("2022") == Fraction(4, 6)
    assert cal.elapsed_share("term") == 1
    assert stat.elapsed_share("2026-H1") == Fraction(5, 10)
    assert stat.remaining_halves("2026-H1") == 5
    assert [h.id for h in stat.halves_in("2025")] == ["2025-H1", "2025-H2"]
    assert [h.id for h in stat.halves_through("2024-H2")] == ["2024-H1", "2024-H2"]


def test_latest_completed_period(stat: Calendar, cal: Calendar) -> None:
    assert stat.latest_completed(D(2026, 11, 21)).id == "2026-H1"
    assert stat.latest_completed(D(2026, 12, 1)).id == "2026-H2"
    assert stat.latest_completed(D(2026, 11, 30)).id == "2026-H1"  # ends that day: not done
    assert stat.latest_completed(D(2023, 12, 15)) is None
    assert cal.latest_completed(D(2021, 7, 1)).id == "2021-H1"
    assert cal.latest_completed(D(2030, 1, 1)).id == "2023-H2"


@pytest.mark.parametrize("bad", ["2024-H1", "2021-H3", "2020", "H1", "2021-h1"])
def test_unknown_period_lists_valid_ones(cal: Calendar, bad: str) -> None:
    with pytest.raises(ValueError) as err:
        cal.period(bad)
    assert repr(bad) in str(err.value)
    assert "2021-H1, 2021-H2" in str(err.value) and "term" in str(err.value)


def test_term_must_fit_the_cut() -> None:
    with pytest.raises(ValueError, match="half-year boundaries"):
        Calendar("statistical", D(2024, 1, 1), D(2028, 12, 31))
    with pytest.raises(ValueError, match="scheme"):
        Calendar("quarterly", D(2024, 1, 1), D(2028, 12, 31))


def test_mid_term_is_the_half_year_at_or_after_the_midpoint(stat: Calendar, cal: Calendar) -> None:
    # ten half-years: the fifth ends on the midpoint; six: the third
    assert stat.midterm == "2026-H1"
    assert cal.midterm == "2022-H1"
    mid = stat.period("mid-term")
    assert (mid.kind, mid.start, mid.end) == ("span", D(2023, 12, 1), D(2026, 5, 31))
    assert stat.elapsed_share("mid-term") == Fraction(1, 2)
    assert stat.label("mid-term") == "Sơ kết giữa nhiệm kỳ (đến 31/05/2026)"
    # five half-years (a term cut short): the midpoint falls inside the third
    odd = Calendar("calendar", D(2021, 1, 1), D(2023, 6, 30))
    assert odd.midterm == "2022-H1"
    # the card may name another; it must be a half-year of the term
    assert Calendar("calendar", D(2021, 1, 1), D(2023, 12, 31), "2022-H2").midterm == "2022-H2"
    with pytest.raises(ValueError, match="'2024-H1' is not a half-year of the term"):
        Calendar("calendar", D(2021, 1, 1), D(2023, 12, 31), "2024-H1")


def test_spans_from_the_term_start(stat: Calendar) -> None:
    p = stat.period("to-2025-H2")
    assert (p.kind, p.start, p.end) == ("span", D(2023, 12, 1), D(2025, 11, 30))
    assert [h.id for h in stat.halves_in("to-2025-H2")] == [
        "2024-H1", "2024-H2", "2025-H1", "2025-H2",
    ]  # fmt: skip
    assert stat.elapsed_share("to-2025-H2") == Fraction(2, 5)
    assert stat.label("to-2025-H2") == "Từ đầu nhiệm kỳ đến 30/11/2025"
    assert stat.label("to-2025-H2", "en") == "Term to date (to 30/11/2025)"
    with pytest.raises(ValueError, match="'to-2030-H1' is not a period"):
        stat.period("to-2030-H1")


def test_resolve_period(stat: Calendar) -> None:
    from ptdv.plan.periods import resolve_period

    today = D(2026, 11, 22)
    assert resolve_period(stat, "latest", today) == "2026-H1"
    assert resolve_period(stat, "to-date", today, ["2024-H1", "2025-H2"]) == "to-2025-H2"
    assert resolve_period(stat, "mid-term", today) == "mid-term"
    assert resolve_period(stat, "term", D(2028, 12, 1)) == "term"
    with pytest.raises(ValueError, match="the term runs until 30/11/2028.*use --period to-date"):
        resolve_period(stat, "term", D(2028, 11, 30))  # its last day: not ended yet
    with pytest.raises(ValueError, match="no half-year of the term has figures yet"):
        resolve_period(stat, "to-date", today, [])
    with pytest.raises(ValueError, match="ends on 31/05/2026: no mid-term review"):
        resolve_period(stat, "mid-term", D(2026, 5, 31))
