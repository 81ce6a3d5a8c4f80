"""The generated national table (bench/national.py) cleans and progresses to the right numbers.

A small national plan (2,000 CĐCS under 20 direct units, ten half-years) is generated,
cleaned and its progress computed in-process; the federation's totals are checked against
sums of the generator's own figures, a few units against figures worked out by hand from the
table's rows, and the vectorised number path against the per-cell one.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from ptdv.base import frames
from ptdv.plan import config
from ptdv.progress import compute_progress
from ptdv.tables import clean
from ptdv.tables.numbers import NumberParseError, parse_column, parse_number_detail

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import national  # noqa: E402

N, DIRECT = 2_000, 20
PERIOD = "2026-H1"  # the fifth of ten half-years: half the term has elapsed


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("national")
    with pytest.MonkeyPatch.context() as mp:  # undone even if the set-up fails
        mp.setenv("PTDV_ROOT", str(root))
        plan_id = national.make_plan(root, N, n_direct=DIRECT)
        card = config.load_card(plan_id)
        result = clean.clean_plan(card)
        progress = compute_progress(card, result.units, result.targets, result.actuals, PERIOD)
        yield card, result, progress, national.generate(N, DIRECT)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a = national.make_plan(tmp_path / "a", 300, n_direct=5)
    b = national.make_plan(tmp_path / "b", 300, n_direct=5)
    c = national.make_plan(tmp_path / "c", 300, n_direct=5, seed=7)
    text = {k: (tmp_path / k / "data" / "raw" / a / national.FILE).read_bytes() for k in "abc"}
    assert a == b == c == "quoc-gia-300"
    assert text["a"] == text["b"] != text["c"]


def test_clean_finds_no_error_and_every_unit(plan) -> None:  # noqa: ANN001
    _, result, _, gen = plan
    q = result.quality
    assert (q["severity"] == "error").sum() == 0
    assert (q["severity"] == "warning").sum() == 0
    assert len(result.units) == N
    assert result.units["unit_name"].tolist() == gen.names
    assert result.units["group"].nunique() == DIRECT
    # every group row and the totals row agree with their unit rows: 20 + 1 findings
    agrees = q[q["check"].eq("totals_row") & q["severity"].eq("info")]
    assert len(agrees) == DIRECT + 1
    # one figure per unit and column: the baseline and 10 x 2 half-year figures
    assert len(result.actuals) == N * 21
    assert len(result.targets) == N * 2 + 2  # and the two declared totals


def test_federation_equals_the_generators_sums(plan) -> None:  # noqa: ANN001
    _, _, df, gen = plan
    fed = df[df["level"] == "federation"].set_index("metric")
    for metric, target, flows in (
        ("members_net", gen.target_net, gen.net),
        ("members_admitted", gen.target_admitted, gen.admitted),
    ):
        r = fed.loc[metric]
        assert r["term_target"] == target.sum()
        assert r["cum_actual"] == np.nansum(flows[:, :5])
        assert r["period_actual"] == np.nansum(flows[:, 4])
        assert r["period_target"] == pytest.approx(target.sum() / 10)
        assert r["cum_pct"] == pytest.approx(np.nansum(flows[:, :5]) / target.sum())
    units = df[(df["level"] == "unit") & (df["metric"] == "members_net")]
    assert (units["status"] == "no_report").sum() == int(
        (np.isnan(gen.net[:, 4]) & (gen.target_net > 0)).sum()
    )
    assert (units["status"] == "no_target").sum() == int((gen.target_net == 0).sum())


def _unit(df, name: str, metric: str = "members_net"):  # noqa: ANN001, ANN202
    return df[(df["unit_name"] == name) & (df["metric"] == metric)].iloc[0]


def test_units_by_hand(plan) -> None:  # noqa: ANN001
    _, _, df, _ = plan
    # row 1: target net 9; net 0, 1, 1, 1, 1 in 2024-H1 .. 2026-H1
    r = _unit(df, "CĐCS UBND xã Đông Á 001-0001")
    assert (r["term_target"], r["cum_actual"], r["period_actual"]) == (9, 4, 1)
    assert r["period_target"] == pytest.approx(0.9)  # 9 x 1/10 (pro rata)
    assert r["cum_pct"] == pytest.approx(4 / 9)
    assert r["pace_ratio"] == pytest.approx(4 / 4.5)  # 0.889 < 0.9
    assert r["status"] == "behind"
    # row 4: target net 8; net (1), 1, 2, 1, 1: a loss in 2024-H1, then on the pace exactly
    r = _unit(df, "CĐCS Trường THCS Thái Dương 001-0004")
    assert (r["term_target"], r["cum_actual"], r["period_actual"]) == (8, 4, 1)
    assert r["period_pct"] == pytest.approx(1 / 0.8)
    assert r["pace_ratio"] == pytest.approx(1.0)
    assert r["status"] == "on_track"
    assert r["missing_periods"] == "" and r["halves_reported"] == 5
    r = _unit(df, "CĐCS Trường THCS Thái Dương 001-0004", "members_admitted")
    assert (r["term_target"], r["cum_actual"]) == (11, 7)  # 2 + 1 + 2 + 1 + 1


def test_silent_half_years_are_missing_not_zero(plan) -> None:  # noqa: ANN001
    _, result, df, gen = plan
    k = int(np.flatnonzero(np.isnan(gen.net[:, 4]) & (gen.target_net > 0))[0])
    r = _unit(df, gen.names[k])
    assert r["status"] == "no_report"
    assert math.isnan(r["period_actual"])
    assert "2026-H1" in r["missing_periods"].split(",")
    a = result.actuals
    cell = a[(a["unit_name"] == gen.names[k]) & (a["period"] == "2026-H1")]
    assert cell["value"].isna().all() and len(cell) == 2


MESSY = [
    "98.149", "1.351.487", "55,45", "1.234,5", "0", "(65)", "(1.689)", "- 104", "-104",
    "\u2212104", "\u2013 104", "<b>23.960</b>", "<b>54</b>", "<strong><i>1.234</i></strong><br>",
    "**54**", "  12.884  ", "\u00a012.884\u202f", "1 234", "1\u00a0234\u00a0567", "+7",
    "55,45%", "0 %", "100%", "(5,5 %)", "1.234,50", None, math.nan, "", "   ", "-", " - ",
    "\u2013", "\u2014", "<b>-</b>", "(0)", 12884.0, 12884, 12.5, -3.25, 0.1 + 0.2, "12.5",
    "12.34.5", "1.2345", "abc", "x", "12a", "n/a", "1 23", "1E5", "--5", "-(5)", "%", True,
    math.inf, "0123", "00", "012.345", "(012)", "0.000", "123456789012345678901234",
    "1.000.000.000.000.000.000", "999.999.999.999.999", "1.000.000.000.000.000",
]  # fmt: skip


def _slow(raw: object) -> object:
    try:
        return parse_number_detail(raw)
    except NumberParseError as err:
        return ("error", str(err))


def _fast(col, k: int) -> object:  # noqa: ANN001
    try:
        return col.get(k)
    except NumberParseError as err:
        return ("error", str(err))


def _same(a: object, b: object) -> bool:
    if a is None or isinstance(a, tuple):
        return a == b
    return a == b and math.copysign(1, a.value) == math.copysign(1, b.value)


@pytest.mark.parametrize("cells", [MESSY, [c for c in MESSY if isinstance(c, str) or c is None]])
def test_fast_number_path_equals_per_cell_path(cells: list) -> None:
    col = parse_column(cells)
    for k, raw in enumerate(cells):
        assert _same(_slow(raw), _fast(col, k)), raw


@pytest.mark.parametrize("alphabet", ["0123456789.,()- %", "0123456789.,- %", "0123456789("])
def test_fast_path_on_random_cells(alphabet: str) -> None:
    # with and without parentheses (their pattern runs only where a text starts with one)
    rnd = random.Random(2026)
    cells = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 9))) for _ in range(3000)]
    cells += [f"{rnd.randint(0, 10**9):,}".replace(",", ".") for _ in range(500)]
    # plain digits up to 15 of them are read without a pattern; 16 are no figure
    cells += ["0" * 15, "9" * 15, "1" + "0" * 14, "1" * 16, "０１", "٣", "12\n", ""]
    col = parse_column(cells)
    fast = sum(1 for k in range(len(cells)) if k not in col.errors and col.decimals[k] >= 0)
    assert fast > 500
    for k, raw in enumerate(cells):
        assert _same(_slow(raw), _fast(col, k)), raw
        # the plain forms agree with Babel's own reading (padding sends them the slow way)
        plain, padded = _slow(raw), _slow(f" {raw} ")
        if isinstance(plain, tuple):
            assert isinstance(padded, tuple), raw
        else:
            assert _same(plain, padded), raw


@pytest.mark.parametrize(
    ("texts", "times"),
    [
        (["members_admitted", "members_net", "unions_founded"], 4),
        (["Tổng Liên đoàn", "", "Đắk Lắk"], 3),  # several bytes per letter, an empty text
        (["quoc-gia-135000"], 1),
        (["x", "y"], 0),
    ],
)
def test_tiled_texts_equal_texts_taken_one_by_one(texts: list[str], times: int) -> None:
    import pyarrow as pa

    tiled = clean._tiled(texts, times)
    taken = pa.array(texts, type=pa.large_string()).take(np.tile(np.arange(len(texts)), times))
    assert list(tiled) == texts * times
    assert pa.array(tiled).equals(taken)  # the same Arrow column (type, offsets, bytes)
    assert tiled.dtype == frames.TEXT
