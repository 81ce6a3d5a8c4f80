"""Progress: the rules on tiny frames computed by hand, and the TLĐ figures of 2021-H1."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import shipped_project
from ptdv import progress
from ptdv.base.errors import ConfigError, DataError
from ptdv.plan import config
from ptdv.tables import clean
from ptdv.tables.clean import FIGURE_COLUMNS, UNIT_COLUMNS


@pytest.fixture(autouse=True)
def _shipped(repo_root: Path) -> None:
    """Every test here reads the repository's own plan cards and tables."""


@pytest.fixture(scope="module")
def tld() -> pd.DataFrame:
    with shipped_project():
        card = config.load_card("tld-2021-2023")
        r = clean.clean_plan(card)
    return progress.compute_progress(card, r.units, r.targets, r.actuals, "2021-H1")


def row(df: pd.DataFrame, name: str, metric: str = "members_net") -> pd.Series:
    hit = df[(df["unit_name"] == name) & (df["metric"] == metric)]
    assert len(hit) == 1, name
    return hit.iloc[0]


# --- the real TLĐ table, first half of 2021 (issue #3's figures) --------------------------


def test_tld_elapsed_share_is_one_sixth(tld: pd.DataFrame) -> None:
    assert tld["elapsed_share"].tolist() == [pytest.approx(1 / 6)] * len(tld)
    assert set(tld["halves_remaining"]) == {5}


def test_tld_an_giang_behind(tld: pd.DataFrame) -> None:
    r = row(tld, "An Giang")
    assert r["cum_actual"] == 1258 and r["term_target"] == 11300
    assert round(r["cum_pct"] * 100, 2) == 11.13
    assert r["status"] == "behind"
    assert r["needed_per_half"] == pytest.approx((11300 - 1258) / 5)  # 2,008.4
    assert r["forecast_term_end"] == pytest.approx(1258 * 6)
    assert r["expected_cum"] == pytest.approx(11300 / 6)
    assert r["target_method"] == "pro_rata_term"
    assert r["period_target"] == pytest.approx(11300 / 6)


def test_tld_binh_phuoc_ahead(tld: pd.DataFrame) -> None:
    r = row(tld, "Bình Phước")
    assert (r["cum_actual"], r["term_target"]) == (5810, 32300)
    assert round(r["cum_pct"] * 100, 2) == 17.99
    assert r["status"] == "ahead"
    assert r["rank"] == 3  # after Hải Phòng (row 26) 42.87% and Long An 20.55%


def test_tld_bac_kan_negative_counts_as_zero_and_stays_negative(tld: pd.DataFrame) -> None:
    r = row(tld, "Bắc Kạn")
    assert r["cum_actual"] == -65 and r["period_actual"] == -65
    assert r["cum_pct"] == 0 and r["period_pct"] == 0
    assert r["status"] == "behind"
    assert r["needed_per_half"] == pytest.approx((2400 + 65) / 5)


def test_tld_federation_is_the_sum(tld: pd.DataFrame) -> None:
    fed = tld[tld["level"] == "federation"]
    assert len(fed) == 1
    f = fed.iloc[0]
    assert (f["cum_actual"], f["term_target"]) == (146_630, 1_487_307)
    assert round(f["cum_pct"] * 100, 2) == 9.86
    assert f["unit_name"] == "TLĐ" and f["status"] == "behind"
    units = tld[tld["level"] == "unit"]
    assert len(units) == 57
    assert units["cum_actual"].sum() == f["cum_actual"]


def test_tld_ranks_and_lists(tld: pd.DataFrame) -> None:
    units = tld[tld["level"] == "unit"]
    first = units[units["rank"] == 1].iloc[0]
    assert first["unit_id"] == "hai-phong" and first["cum_actual"] == 14_020
    assert sorted(units["rank"].dropna().astype(int)) == list(range(1, 58))
    commend = progress.commend(tld, "members_net")
    # at or above 1/6 of the term target in the first half-year
    assert commend["unit_name"].tolist() == ["Hải Phòng", "Long An", "Bình Phước", "Lâm Đồng"]
    behind = progress.behind(tld, "members_net")
    assert len(behind) == 52
    # furthest behind the pace: Gia Lai, -785 against an expected 1,350 / 6 = 225
    assert behind.iloc[0]["unit_name"] == "Gia Lai"
    assert behind.iloc[0]["pace_ratio"] == pytest.approx(-785 / 225)
    # what `ptdv progress` prints: the same counts, without sorting the lists
    counts, n_commend, n_behind = progress.unit_counts(tld, "members_net")
    assert (n_commend, n_behind) == (4, 52)
    assert counts.sum() == 57 and counts["behind"] == 52


def test_tld_second_half_uses_the_table_target() -> None:
    card = config.load_card("tld-2021-2023")
    r = clean.clean_plan(card)
    df = progress.compute_progress(card, r.units, r.targets, r.actuals, "2021-H2")
    a = row(df, "An Giang")
    assert a["target_method"] == "table" and a["period_target"] == 1216
    # nobody reported 2021-H2: "no report", never zero; the cumulative keeps H1
    assert a["status"] == "no_report" and math.isnan(a["period_actual"])
    assert a["cum_actual"] == 1258 and a["missing_periods"] == "2021-H2"
    assert a["elapsed_share"] == pytest.approx(2 / 6)


# --- rules on tiny frames -------------------------------------------------------------------


def _card(**progress_settings: object) -> config.PlanCard:
    card = config.load_card("bac-giang-2023-2028")
    settings = card.progress.model_copy(update=progress_settings)
    return card.model_copy(update={"progress": settings, "metrics": ["members_admitted"]})


def _units(*names: str) -> pd.DataFrame:
    rows = [
        {"plan_id": "p", "unit_id": n.lower(), "unit_name": n, "order": i + 1, "tt": i + 1,
         "group": None, "source_file": "t.xlsx", "sheet": "s", "row": i + 2}
        for i, n in enumerate(names)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def _figs(kind: str, values: dict[tuple[str, str], float]) -> pd.DataFrame:
    rows = [
        {"plan_id": "p", "level": "unit", "unit_id": u.lower(), "unit_name": u,
         "metric": "members_admitted", "period": p, "kind": kind, "value": v,
         "source_file": "t.xlsx", "sheet": "s", "row": 2, "column": "C"}
        for (u, p), v in values.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


YEARS = ("2024", "2025", "2026", "2027", "2028")


def _targets(unit: str, per_year: float) -> dict[tuple[str, str], float]:
    return {(unit, y): per_year for y in YEARS}


def _run(targets: dict, actuals: dict, period: str = "2024-H2", **settings: object):
    units = sorted({u for u, _ in targets} | {u for u, _ in actuals})
    return progress.compute_progress(
        _card(**settings), _units(*units), _figs("target", targets), _figs("actual", actuals),
        period,
    )  # fmt: skip


def test_half_year_target_is_half_the_year_and_term_is_the_sum_of_years() -> None:
    df = _run(_targets("An", 1000), {("An", "2024-H1"): 300, ("An", "2024-H2"): 400})
    r = row(df, "An", "members_admitted")
    assert r["target_method"] == "half_of_year" and r["period_target"] == 500
    assert r["term_target"] == 5000
    assert r["period_actual"] == 400 and r["period_pct"] == pytest.approx(0.8)
    assert r["cum_actual"] == 700 and r["cum_pct"] == pytest.approx(0.14)
    assert r["elapsed_share"] == pytest.approx(0.2) and r["expected_cum"] == 1000
    assert r["gap"] == -300 and r["pace_ratio"] == pytest.approx(0.7)
    assert r["status"] == "behind"
    assert r["needed_per_half"] == pytest.approx(4300 / 8)


def test_pro_rata_setting_uses_the_term_target() -> None:
    df = _run(_targets("An", 1000), {("An", "2024-H2"): 1}, half_year_targets="pro_rata_term")
    r = row(df, "An", "members_admitted")
    assert r["target_method"] == "pro_rata_term" and r["period_target"] == 500


def test_year_period_sums_its_halves() -> None:
    df = _run(_targets("An", 1000), {("An", "2024-H1"): 300, ("An", "2024-H2"): 800}, "2024")
    r = row(df, "An", "members_admitted")
    assert r["target_method"] == "table" and r["period_target"] == 1000
    assert r["period_actual"] == 1100 and r["period_pct"] == pytest.approx(1.1)
    assert r["status"] == "ahead"
    assert progress.commend(df, "members_admitted")["unit_name"].tolist() == ["An"]


@pytest.mark.parametrize(
    ("cum", "ratio", "status"),
    [(1001, 0.9, "ahead"), (1000, 0.9, "on_track"), (900, 0.9, "on_track"),
     (899, 0.9, "behind"), (800, 0.8, "on_track"), (799, 0.8, "behind")],
)  # fmt: skip
def test_status_against_the_on_track_ratio(cum: int, ratio: float, status: str) -> None:
    df = _run(_targets("An", 1000), {("An", "2024-H1"): 0, ("An", "2024-H2"): cum},
              on_track_ratio=ratio)  # fmt: skip
    assert row(df, "An", "members_admitted")["status"] == status


def test_zero_target_has_no_percentage_and_no_rank() -> None:
    df = _run(
        {**_targets("An", 1000), **_targets("Zero", 0)},
        {("An", "2024-H2"): 600, ("Zero", "2024-H2"): 25},
    )
    z = row(df, "Zero", "members_admitted")
    assert z["period_actual"] == 25
    assert math.isnan(z["period_pct"]) and math.isnan(z["cum_pct"])
    assert z["status"] == "no_target" and pd.isna(z["rank"])
    assert math.isnan(z["needed_per_half"])
    assert row(df, "An", "members_admitted")["rank"] == 1


def test_unit_that_did_not_report_is_no_report_never_zero() -> None:
    df = _run(
        {**_targets("An", 1000), **_targets("Binh", 1000)},
        {("An", "2024-H1"): 500, ("An", "2024-H2"): 500, ("Binh", "2024-H1"): 450},
    )
    b = row(df, "Binh", "members_admitted")
    assert math.isnan(b["period_actual"]) and math.isnan(b["period_pct"])
    assert b["status"] == "no_report" and pd.isna(b["rank"])
    assert b["cum_actual"] == 450 and b["missing_periods"] == "2024-H2"
    assert b["halves_reported"] == 1
    fed = df[df["level"] == "federation"].iloc[0]
    assert fed["period_actual"] == 500  # the federation sums what was reported
    assert fed["cum_actual"] == 1450


def test_a_missed_earlier_half_is_listed_and_not_counted() -> None:
    df = _run(_targets("An", 1000), {("An", "2024-H2"): 400})
    r = row(df, "An", "members_admitted")
    assert r["cum_actual"] == 400 and r["missing_periods"] == "2024-H1"
    assert r["status"] == "behind"  # 400 against an expected 1,000


def test_federation_mismatch_is_refused() -> None:
    df = _run(_targets("An", 1000), {("An", "2024-H2"): 400})
    df.loc[df["level"] == "federation", "cum_actual"] = 401
    with pytest.raises(DataError, match="federation cum_actual"):
        progress.check_federation(df)


def test_period_outside_the_term_lists_valid_ones() -> None:
    with pytest.raises(ConfigError, match="valid: 2024-H1"):
        _run(_targets("An", 1000), {}, "2029-H1")


def test_plan_without_units_is_a_clear_error() -> None:
    card = config.load_card("nghe-an-2021-2023")
    r = clean.clean_plan(card)
    with pytest.raises(DataError, match="no unit table"):
        progress.compute_progress(card, r.units, r.targets, r.actuals, "2021-H1")


def _both_ways(targets: pd.DataFrame, actuals: pd.DataFrame, units: pd.DataFrame, period: str):
    card = _card()
    cal = progress.Calendar.from_card(card)
    args = (card, cal, units, ["members_admitted"], targets[["unit_id", "metric", "period",
            "value"]], actuals[["unit_id", "metric", "period", "value"]],
            actuals.iloc[:0][["unit_id", "metric", "period", "value"]], period, False)  # fmt: skip
    return progress._unit_rows(*args), progress._unit_rows_one_by_one(*args)


@pytest.mark.parametrize("period", ["2024-H2", "2025", "term"])
def test_targets_all_at_once_are_the_one_by_one_reference(period: str) -> None:
    # units with targets for different periods: years, the term, halves, none; a target
    # given twice (the last one wins, even when it is empty, which leaves the period out)
    targets = pd.concat(
        [
            _figs("target", {**_targets("An", 1000), **_targets("Binh", 60)}),
            _figs("target", {("Cuong", "term"): 900, ("Dung", "2024-H1"): 30}),
            _figs("target", {("Dung", "2024-H2"): 50, ("Em", "2024"): 10, ("Em", "2025"): 8}),
            _figs("target", {("Binh", "2025"): 70, ("Em", "2024"): math.nan}),
        ],
        ignore_index=True,
    )
    actuals = _figs("actual", {("An", "2024-H1"): 300, ("Cuong", "2024-H2"): 80})
    units = _units("An", "Binh", "Cuong", "Dung", "Em", "Giang")
    fast, reference = _both_ways(targets, actuals, units, period)
    pd.testing.assert_frame_equal(fast, reference)
    by = fast.set_index("unit_name")
    # Bình's 2025 target is the later 70; Em's 2024 target was emptied by its second line
    if period == "2025":
        assert by.loc["Binh", "period_target"] == 70 and by.loc["Binh", "target_method"] == "table"
        assert by.loc["Em", "period_target"] == 8
    if period == "term":
        assert by.loc["Binh", "term_target"] == 60 * 4 + 70
        assert math.isnan(by.loc["Em", "term_target"])
    assert by.loc["Giang", "target_method"] == "none"


@pytest.mark.parametrize("width", [0, 3, 70])  # 70 periods: past the one-number-per-row path
def test_equal_rows_are_grouped_in_row_order(width: int) -> None:
    rng = np.random.default_rng(7)
    flags = rng.random((200, width)) < 0.05  # sparse: many rows alike
    flags[[3, 150]] = True
    groups = progress._same_rows(flags)
    by_hand: dict[tuple, list[int]] = {}
    for k, row in enumerate(flags.tolist()):
        by_hand.setdefault(tuple(row), []).append(k)
    assert {tuple(row.tolist()): ks.tolist() for row, ks in groups} == by_hand
    assert sorted(k for _, ks in groups for k in ks.tolist()) == list(range(200))


@pytest.mark.parametrize(
    ("plan_id", "period"),
    [
        ("tld-2021-2023", "2021-H1"),
        ("bac-giang-2023-2028", "2026-H1"),  # six half-years, some units missing some
        ("tld-2021-2023", "2022-H2"),  # half-years nobody has reported yet
    ],
)
def test_a_units_trend_from_every_units_half_years_is_its_trend_alone(
    plan_id: str, period: str
) -> None:
    # a batch of unit reports computes every unit's half-years once and reads each unit's
    # trend from them: the same frame as the unit's trend computed over its own rows
    with shipped_project():
        card = config.load_card(plan_id)
        r = clean.clean_plan(card)
    per_half = progress.half_year_progress(card, r.units, r.targets, r.actuals, period)
    metrics = progress.progress_metrics(card, r.targets)
    compared = 0
    for unit_id in r.units["unit_id"]:
        own = [f[f["unit_id"] == unit_id] for f in (r.targets, r.actuals)]
        for metric in metrics:
            alone = progress.trend(card, r.units, *own, period, metric, unit_id)
            batched = progress.trend_of(card, per_half, metric, unit_id)
            pd.testing.assert_frame_equal(batched, alone, obj=f"{unit_id} {metric}")
            compared += 1
    assert compared == len(r.units) * len(metrics) and len(per_half) >= 1
    # and the federation's trend is the tables' federation rows, as before
    fed = progress.trend(card, r.units, r.targets, r.actuals, period, metrics[0])
    pd.testing.assert_frame_equal(progress.trend_of(card, per_half, metrics[0]), fed)


def test_a_processed_table_without_a_column_progress_reads_is_a_clear_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "actuals.parquet"
    pd.DataFrame({"unit_id": ["an"], "metric": ["members_admitted"], "value": [1.0]}).to_parquet(
        path
    )
    with pytest.raises(DataError, match=r"actuals.parquet: no column level, kind, period"):
        progress._read(path, progress.INPUT_COLUMNS["actuals"], True)
    got = progress._read(path, ["unit_id", "value"], True)
    assert got["unit_id"].dtype == "category" and got["value"].tolist() == [1.0]
