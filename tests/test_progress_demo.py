"""Bắc Giang 2026-H1 on the shipped demo forms, checked against figures read by hand."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ptdv import progress
from ptdv.base import paths
from ptdv.plan import config
from ptdv.tables import clean

ACTUALS = paths.PACKAGE_ROOT / "data" / "raw" / "bac-giang-2023-2028" / "actuals"
HALVES = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]


def admissions_by_hand() -> dict[tuple[str, str], int]:
    """Read column C (Kết nạp mới) of every unit row of every shipped form, per period."""
    out: dict[tuple[str, str], int] = {}
    for period in HALVES:
        for path in sorted(Path(ACTUALS / period).glob("*.xlsx")):
            ws = openpyxl.load_workbook(path, data_only=True)["Báo cáo"]
            for tt, name, admitted, *_ in ws.iter_rows(values_only=True):
                if isinstance(tt, int) and name:
                    out[(name.replace("Huyện Yên Dũng", "LĐLĐ huyện Yên Dũng"), period)] = admitted
    return out


@pytest.fixture(scope="module")
def result() -> pd.DataFrame:
    """Return the progress of 2026-H1 computed from the repository's own plan and forms."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)  # the shipped data, whatever the caller set
        card = config.load_card("bac-giang-2023-2028")
        r = clean.clean_plan(card)
    return progress.compute_progress(card, r.units, r.targets, r.actuals, "2026-H1")


@pytest.fixture
def repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the plan from the repository itself (PTDV_ROOT unset)."""
    monkeypatch.delenv("PTDV_ROOT", raising=False)


def unit(df: pd.DataFrame, name: str) -> pd.Series:
    return df[(df["unit_name"] == name) & (df["metric"] == "members_admitted")].iloc[0]


def test_hand_read_forms_cover_84_unit_periods() -> None:
    by_hand = admissions_by_hand()
    assert len(by_hand) == 17 * 5 - 1
    assert ("LĐLĐ huyện Lục Ngạn", "2025-H1") not in by_hand


def test_unit_that_missed_a_half_year(result: pd.DataFrame) -> None:
    by_hand = admissions_by_hand()
    name = "LĐLĐ huyện Lục Ngạn"
    cum = sum(by_hand[(name, p)] for p in HALVES if (name, p) in by_hand)
    r = unit(result, name)
    assert r["cum_actual"] == cum == 228
    assert r["missing_periods"] == "2025-H1" and r["halves_reported"] == 4
    assert r["period_actual"] == by_hand[(name, "2026-H1")] == 52
    # yearly target 100 -> 50 for the half-year; term 500; half the term elapsed -> 250 due
    assert (r["period_target"], r["term_target"], r["expected_cum"]) == (50, 500, 250)
    assert r["period_pct"] == pytest.approx(52 / 50)
    assert r["pace_ratio"] == pytest.approx(228 / 250)  # 0.912: within 0.9 of the pace
    assert r["status"] == "on_track"
    assert r["needed_per_half"] == pytest.approx((500 - 228) / 5)


def test_city_and_federation_by_hand(result: pd.DataFrame) -> None:
    by_hand = admissions_by_hand()
    city = unit(result, "LĐLĐ thành phố Bắc Giang")
    assert city["cum_actual"] == sum(by_hand[("LĐLĐ thành phố Bắc Giang", p)] for p in HALVES)
    assert city["cum_actual"] == 1184 and city["period_actual"] == 156
    assert city["period_pct"] == pytest.approx(156 / 250)
    assert city["status"] == "on_track"  # 1,184 of the 1,250 due: 0.947
    fed = result[(result["level"] == "federation") & (result["metric"] == "members_admitted")]
    f = fed.iloc[0]
    assert f["cum_actual"] == sum(by_hand.values()) == 61_392
    assert f["period_actual"] == sum(v for (_, p), v in by_hand.items() if p == "2026-H1")
    assert (f["period_target"], f["term_target"]) == (12_005, 120_000)
    assert round(f["cum_pct"] * 100, 2) == 51.16 and f["status"] == "ahead"


#: Column C of the three zero-target units' forms, 2024-H1 to 2026-H1, read by hand.
ZERO_TARGET_ADMISSIONS = {
    "CĐN Nông nghiệp": [11, 8, 3, 12, 15],
    "CĐN Giáo dục": [16, 27, 30, 14, 10],
    "Công đoàn Viên chức tỉnh": [0, 3, 15, 14, 17],
}


def test_zero_target_units_report_but_have_no_percentage(result: pd.DataFrame) -> None:
    by_hand = admissions_by_hand()
    for name, halves in ZERO_TARGET_ADMISSIONS.items():
        assert [by_hand[(name, p)] for p in HALVES] == halves
        r = unit(result, name)
        assert r["status"] == "no_target" and pd.isna(r["cum_pct"]) and pd.isna(r["rank"])
        assert pd.isna(r["period_pct"]) and pd.isna(r["pace_ratio"])
        assert (r["period_target"], r["term_target"], r["expected_cum"]) == (0, 0, 0)
        assert r["period_actual"] == halves[-1]  # 15, 10, 17
        assert r["cum_actual"] == r["gap"] == sum(halves)  # 49, 97, 49
        assert r["forecast_term_end"] == 2 * sum(halves)  # half the term elapsed
        assert r["halves_reported"] == 5 and r["missing_periods"] == ""


def test_every_row_is_marked_demo(result: pd.DataFrame) -> None:
    assert result["demo"].all()


def test_quality_log_has_the_demo_mess(repo_root: None) -> None:
    q = clean.clean_plan(config.load_card("bac-giang-2023-2028")).quality
    cols = ["severity", "source", "row", "unit", "column", "message"]

    def rows(check: str) -> list[list[object]]:
        part = q.loc[q["check"] == check, cols]
        return [[None if pd.isna(v) else v for v in r] for r in part.values.tolist()]

    # Hiệp Hòa's 2025-H2 form, row 8, read by hand: admitted 298, lost 47, net 351 (not 251)
    ws = openpyxl.load_workbook(ACTUALS / "2025-H2" / "hiep-hoa.xlsx", data_only=True)["Báo cáo"]
    assert [ws[f"{c}8"].value for c in "CDE"] == [298, 47, 351]
    assert rows("net_mismatch") == [
        [
            "error",
            "actuals/2025-H2/hiep-hoa.xlsx, Báo cáo",
            8,
            "LĐLĐ huyện Hiệp Hòa",
            "E",
            "row 8: net increase 351 (column E) is not admitted 298 (column C) − lost 47 "
            "(column D): it should be 251 (difference 100); the figures are kept as reported",
        ]
    ]
    assert rows("missing_report") == [
        [
            "warning",
            "actuals/2025-H1",
            None,
            "LĐLĐ huyện Lục Ngạn",
            None,
            "no report from LĐLĐ huyện Lục Ngạn for 2025-H1: shown as 'no report', never as zero",
        ]
    ]
    renamed = [r for r in rows("unit_name") if "Huyện Yên Dũng" in r[-1]]
    assert renamed == [
        [
            "info",
            "actuals/2024-H2/yen-dung.xlsx, Báo cáo",
            8,
            "LĐLĐ huyện Yên Dũng",
            None,
            "written 'Huyện Yên Dũng', matched to 'LĐLĐ huyện Yên Dũng'",
        ]
    ]
