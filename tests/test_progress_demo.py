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
    card = config.load_card("bac-giang-2023-2028")
    r = clean.clean_plan(card)
    return progress.compute_progress(card, r.units, r.targets, r.actuals, "2026-H1")


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


def test_zero_target_units_report_but_have_no_percentage(result: pd.DataFrame) -> None:
    for name in ("CĐN Nông nghiệp", "CĐN Giáo dục", "Công đoàn Viên chức tỉnh"):
        r = unit(result, name)
        assert r["status"] == "no_target" and pd.isna(r["cum_pct"]) and pd.isna(r["rank"])
        assert r["period_actual"] >= 0


def test_every_row_is_marked_demo(result: pd.DataFrame) -> None:
    assert result["demo"].all()


def test_quality_log_has_the_demo_mess() -> None:
    q = clean.clean_plan(config.load_card("bac-giang-2023-2028")).quality
    assert q.loc[q["check"] == "net_mismatch", "unit"].tolist() == ["LĐLĐ huyện Hiệp Hòa"]
    missing = q[q["check"] == "missing_report"]
    assert missing["unit"].tolist() == ["LĐLĐ huyện Lục Ngạn"]
    assert "2025-H1" in missing.iloc[0]["message"]
    renamed = q[(q["check"] == "unit_name") & q["message"].str.contains("Huyện Yên Dũng")]
    assert len(renamed) == 1
