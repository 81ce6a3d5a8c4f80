"""Charts drawn from the shipped plans: bars, lines and words checked against the progress data."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

from helpers import shipped_project
from ptdv import progress
from ptdv.base import i18n
from ptdv.plan import config
from ptdv.report import charts
from ptdv.report.texts import STATUS_COLORS
from ptdv.tables import clean

TLD, BG = "tld-2021-2023", "bac-giang-2023-2028"


class Plan:
    """A cleaned plan, its progress table for one period and its trend frames."""

    def __init__(self, plan_id: str, period: str, metric: str) -> None:
        with shipped_project():
            self.card = config.load_card(plan_id)
            self.result = clean.clean_plan(self.card)
        self.period = period
        self.metric = metric
        self.df = self.progress(period)

    def progress(self, period: str) -> pd.DataFrame:
        r = self.result
        return progress.compute_progress(self.card, r.units, r.targets, r.actuals, period)

    def trend(self, unit_id: str | None = None) -> pd.DataFrame:
        r = self.result
        return progress.trend(
            self.card, r.units, r.targets, r.actuals, self.period, self.metric, unit_id
        )

    def units(self, metric: str | None = None) -> pd.DataFrame:
        d = self.df
        d = d[(d["level"] == "unit") & (d["metric"] == (metric or self.metric))]
        return d.sort_values("order").reset_index(drop=True)


@pytest.fixture(scope="module")
def tld() -> Plan:
    return Plan(TLD, "2021-H1", "members_net")


@pytest.fixture(scope="module")
def bg() -> Plan:
    return Plan(BG, "2026-H1", "members_admitted")


def bars_of(ax) -> list:
    """Return the bars of the pace chart, first unit first."""
    (container,) = ax.containers
    return list(container)


def texts_of(ax) -> list[str]:
    """Return every text drawn on the axes: title, annotations, ticks and legend."""
    out = [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
    out += [t.get_text() for t in ax.texts]
    out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    legend = ax.get_legend()
    if legend is not None:
        out += [t.get_text() for t in legend.get_texts()]
    return out


def line_by_gid(ax, gid: str):
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    return line


def text_by_gid(ax, gid: str) -> str:
    (text,) = [t for t in ax.texts if t.get_gid() == gid]
    return text.get_text()


def draw(ax) -> None:
    """Lay the figure out and draw it, as saving it would."""
    fig = ax.figure
    fig.canvas.draw()


def chart_ids() -> list[str]:
    """Return the message ids of charts.py, as `pybabel extract` finds them."""
    found = extract_from_file("python", charts.__file__, keywords=DEFAULT_KEYWORDS)
    return sorted({msg for _line, msg, _comments, _ctx in found})


# -------------------------------------------------------------------------------------------
# style and fonts


def test_use_style_sets_the_font_and_plain_spines() -> None:
    with mpl.rc_context():
        charts.use_style()
        assert mpl.rcParams["font.family"] == ["DejaVu Sans"]
        assert not mpl.rcParams["axes.spines.top"] and not mpl.rcParams["axes.spines.right"]
        assert mpl.rcParams["axes.grid"]
        assert mpl.rcParams["savefig.dpi"] == 150


def test_the_font_has_every_vietnamese_letter_the_charts_draw(tld: Plan, bg: Plan) -> None:
    path = findfont(FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    assert Path(path).name == "DejaVuSans.ttf"
    font = FT2Font(path)
    _ = i18n.translator("vi")
    words = " ".join(_(m) for m in chart_ids())
    names = " ".join(tld.units()["unit_name"]) + " ".join(bg.units()["unit_name"])
    letters = {c for c in words + names if c.isalpha() and ord(c) > 127}
    assert {"ư", "ơ", "ạ", "ế", "đ", "Đ", "ệ", "ộ", "ả"} <= letters
    missing = [c for c in sorted(letters | set("ỹữặẵỵỷ")) if font.get_char_index(ord(c)) == 0]
    assert missing == []


def test_an_unknown_language_is_refused(bg: Plan) -> None:
    with pytest.raises(ValueError, match="lang must be one of vi, en"):
        charts.plot_pace(bg.df, bg.metric, lang="fr")


# -------------------------------------------------------------------------------------------
# 1. pace: one bar per unit


@pytest.mark.parametrize(("plan", "n"), [("bg", 17), ("tld", 57)])
def test_pace_has_one_bar_per_unit_in_table_order(plan: str, n: int, request) -> None:
    p: Plan = request.getfixturevalue(plan)
    ax = charts.plot_pace(p.df, p.metric)
    bars = bars_of(ax)
    units = p.units()
    assert len(bars) == len(units) == n
    assert ax.yaxis_inverted()  # first unit on top
    centres = [b.get_y() + b.get_height() / 2 for b in bars]
    assert centres == sorted(centres) == list(range(n))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == units["unit_name"].iloc[0]
    assert labels[-1] == units["unit_name"].iloc[-1]


def test_pace_bars_are_the_share_of_the_term_target(tld: Plan) -> None:
    ax = charts.plot_pace(tld.df, tld.metric)
    bars = bars_of(ax)
    names = [t.get_text() for t in ax.get_yticklabels()]
    width = dict(zip(names, [b.get_width() for b in bars], strict=True))
    assert width["Bình Phước"] == pytest.approx(5810 / 32300)
    assert width["Long An"] == pytest.approx(13977 / 68000)
    # the TLĐ table lists Hải Phòng twice: both rows stay, told apart by their row number
    assert width["Hải Phòng (TT 26)"] == pytest.approx(14020 / 32700)
    assert width["Hải Phòng (TT 27)"] == pytest.approx(9802 / 66900)
    # a negative cumulative (-65 in Bắc Kạn) counts as 0 and is printed beside the bar
    assert width["Bắc Kạn"] == 0
    assert text_by_gid(ax, "label-bac-kan") == "0,00% (lũy kế -65)"
    assert text_by_gid(ax, "label-binh-phuoc") == "17,99%"
    assert all(b.get_x() == 0 and b.get_width() >= 0 for b in bars)


def test_pace_bars_take_their_status_colour(tld: Plan, bg: Plan) -> None:
    for p in (tld, bg):
        ax = charts.plot_pace(p.df, p.metric)
        units = p.units()
        for bar, status in zip(bars_of(ax), units["status"], strict=True):
            assert bar.get_facecolor() == pytest.approx(to_rgba(STATUS_COLORS[status]))
    ax = charts.plot_pace(tld.df, tld.metric)
    names = [t.get_text() for t in ax.get_yticklabels()]
    colour = dict(zip(names, [b.get_facecolor() for b in bars_of(ax)], strict=True))
    assert colour["Bình Phước"] == pytest.approx(to_rgba(STATUS_COLORS["ahead"]))
    assert colour["Sóc Trăng"] == pytest.approx(to_rgba(STATUS_COLORS["on_track"]))
    assert colour["Bắc Kạn"] == pytest.approx(to_rgba(STATUS_COLORS["behind"]))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Vượt tiến độ", "Đúng tiến độ", "Chậm tiến độ"]  # only those that occur


def test_pace_notes_units_without_a_target_or_a_report(bg: Plan) -> None:
    ax = charts.plot_pace(bg.df, bg.metric)
    units = bg.units()
    no_target = units.index[units["status"] == "no_target"]
    assert len(no_target) == 3
    bars = bars_of(ax)
    assert all(bars[i].get_width() == 0 for i in no_target)
    assert [t.get_text() for t in ax.texts].count("Không giao chỉ tiêu") == 3
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Không giao chỉ tiêu" in legend and "Chưa báo cáo" not in legend

    # 2025-H1: Lục Ngạn sent nothing; no bar, a note with what it had reported before
    df = bg.progress("2025-H1")
    ax = charts.plot_pace(df, bg.metric)
    row = df[(df["unit_id"] == "luc-ngan") & (df["metric"] == bg.metric)].iloc[0]
    assert row["status"] == "no_report"
    i = int(row["order"]) - 1
    assert bars_of(ax)[i].get_width() == 0
    assert text_by_gid(ax, "label-luc-ngan") == "Chưa báo cáo (các kỳ trước: 22,80%)"
    assert "Chưa báo cáo" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize(
    ("plan", "share", "label"),
    [("tld", 1 / 6, "Tiến độ thời gian 16,7%"), ("bg", 0.5, "Tiến độ thời gian 50%")],
)
def test_pace_line_at_the_elapsed_share(plan: str, share: float, label: str, request) -> None:
    p: Plan = request.getfixturevalue(plan)
    ax = charts.plot_pace(p.df, p.metric)
    line = line_by_gid(ax, "pace-line")
    assert list(line.get_xdata()) == pytest.approx([share, share])
    assert line.get_linestyle() == "--"
    assert text_by_gid(ax, "pace-label") == label


def test_pace_words_in_vietnamese_and_english(tld: Plan, bg: Plan) -> None:
    ax = charts.plot_pace(tld.df, tld.metric)
    words = texts_of(ax)
    assert "Tỷ lệ thực hiện chỉ tiêu nhiệm kỳ theo đơn vị — Số đoàn viên tăng thêm" in words
    assert "% chỉ tiêu nhiệm kỳ đã thực hiện (lũy kế)" in words
    assert "Lũy kế đến hết 6 tháng đầu năm 2021 · Toàn TLĐ: 9,86%" in words
    assert {"0%", "10%", "20%"} <= set(words)
    assert any(w.startswith("Tiến độ thời gian") for w in words)
    demo = texts_of(charts.plot_pace(bg.df, bg.metric))
    assert any("SỐ LIỆU MINH HỌA" in w and "Toàn LĐLĐ tỉnh Bắc Giang: 51,16%" in w for w in demo)

    en = texts_of(charts.plot_pace(tld.df, tld.metric, lang="en"))
    assert "Time elapsed 16.7%" in en
    assert "17.99%" in en and "0.00% (cumulative -1,689)" in en
    assert "Share of the term target reached, by unit — Net increase in members" in en
    assert not any("Tiến độ" in w for w in en)


def test_pace_highlights_one_unit(tld: Plan) -> None:
    ax = charts.plot_pace(tld.df, tld.metric, unit_id="binh-phuoc")
    units = tld.units()
    i = int(np.flatnonzero(units["unit_id"] == "binh-phuoc")[0])
    ticks = ax.get_yticklabels()
    assert ticks[i].get_text() == "Bình Phước" and ticks[i].get_fontweight() == "bold"
    assert [t.get_fontweight() for k, t in enumerate(ticks) if k != i] == ["normal"] * 56
    bars = bars_of(ax)
    assert bars[i].get_edgecolor() == pytest.approx(to_rgba("black"))
    assert bars[i].get_linewidth() > 0
    assert bars[i + 1].get_edgecolor()[3] == 0  # the others have no edge
    with pytest.raises(ValueError, match="not in the progress table"):
        charts.plot_pace(tld.df, tld.metric, unit_id="atlantis")


def test_pace_laid_out_once_highlights_each_unit_alone(tld: Plan) -> None:
    # a batch's kernel keeps the laid-out chart: each unit's images are that chart with only
    # that unit highlighted, whatever was drawn before, and the kept chart is left plain
    charts._PACE_CHARTS.clear()
    plain, title = charts.pace_images(tld.df, tld.metric)
    drawn = charts.figure_images(charts.plot_pace(tld.df, tld.metric).figure)
    assert plain == drawn  # without a highlight: the very images plot_pace gives
    assert title == "Tỷ lệ thực hiện chỉ tiêu nhiệm kỳ theo đơn vị — Số đoàn viên tăng thêm"
    first, _ = charts.pace_images(tld.df, tld.metric, unit_id="binh-phuoc")
    for other in ("an-giang", "ha-noi", "thanh-hoa"):
        charts.pace_images(tld.df, tld.metric, unit_id=other)
    again, _ = charts.pace_images(tld.df, tld.metric, unit_id="binh-phuoc")
    assert again == first and first["png"] != plain["png"] and first["svg"] != plain["svg"]
    assert len(charts._PACE_CHARTS) == 1  # one layout served them all
    (kept,) = charts._PACE_CHARTS.values()
    ax = kept.figure.axes[0]
    assert {t.get_fontweight() for t in ax.get_yticklabels()} == {"normal"}
    assert {b.get_edgecolor()[3] for b in bars_of(ax)} == {0}
    assert len(ax.patches) == len(tld.units())  # the bars only: no highlight band left
    with pytest.raises(ValueError, match="not in the progress table"):
        charts.pace_images(tld.df, tld.metric, unit_id="atlantis")


def test_pace_laid_out_again_when_its_figures_change(tld: Plan) -> None:
    charts._PACE_CHARTS.clear()
    before, _ = charts.pace_images(tld.df, tld.metric, unit_id="binh-phuoc")
    changed = tld.df.copy()
    unit = (changed["unit_id"] == "binh-phuoc") & (changed["metric"] == tld.metric)
    changed.loc[unit, "cum_pct"] = changed.loc[unit, "cum_pct"] * 2
    after, _ = charts.pace_images(changed, tld.metric, unit_id="binh-phuoc")
    fresh = charts.figure_images(charts.plot_pace(changed, tld.metric, unit_id="binh-phuoc").figure)
    assert after != before and after == fresh
    english, _ = charts.pace_images(tld.df, tld.metric, "en", unit_id="binh-phuoc")
    assert english != before and len(charts._PACE_CHARTS) == 3


@pytest.mark.parametrize(
    ("plan", "lang", "units", "full"),
    [
        # the top row (beside the elapsed label), the bottom row (above the axis), rows ahead
        # and on track; a name wider than all the others in bold: its crop box grows
        (
            "tld",
            "vi",
            ["an-giang", "thua-thien-hue", "binh-phuoc", "soc-trang", "hai-phong"],
            {"hai-phong"},
        ),
        # a unit without a target (its italic note), the first and last rows, in English
        # (these two names, in bold, reach past the crop box too)
        (
            "bg",
            "en",
            ["cdn-nong-nghiep", "luc-ngan", "bac-giang", "cd-vien-chuc-tinh"],
            {"bac-giang", "cd-vien-chuc-tinh"},
        ),
    ],
)
def test_pace_unit_drawn_near_its_row_only_is_the_chart_drawn_in_full(
    plan: str, lang: str, units: list[str], full: set[str], request, monkeypatch
) -> None:
    # a unit's PNG redraws only the parts near its row and takes the plain chart's pixels
    # elsewhere; the result must be the kept chart, highlighted, drawn in full, byte for byte
    p = request.getfixturevalue(plan)
    charts._PACE_CHARTS.clear()
    charts.pace_images(p.df, p.metric, lang)
    (kept,) = charts._PACE_CHARTS.values()
    ids = p.units(p.metric)["unit_id"].to_numpy()
    drawn_near: list[str] = []
    measured: list[str] = []  # the crop box measured again, over every part
    raw, tight_box = charts._raw, charts._tight_box
    for unit in units:
        monkeypatch.setattr(
            charts, "_raw", lambda *a, unit=unit: drawn_near.append(unit) or raw(*a)
        )
        monkeypatch.setattr(
            charts,
            "_tight_box",
            lambda *a, unit=unit, **k: measured.append(unit) or tight_box(*a, **k),
        )
        images, _ = charts.pace_images(p.df, p.metric, lang, unit_id=unit)
        monkeypatch.setattr(charts, "_raw", raw)
        monkeypatch.setattr(charts, "_tight_box", tight_box)
        undo, _ = charts._highlight(kept.figure.axes[0], ids, unit)
        try:
            box = charts._tight_box(kept.figure, lay_out=False)
            in_full = charts._images(kept.figure, box, svg=True)
        finally:
            undo()
        assert images == in_full, unit
    # drawn near its row: twice (as it is, then as it was); a crop box grown: once, in full
    assert {u: drawn_near.count(u) for u in units} == {u: 1 if u in full else 2 for u in units}
    # the box is kept without measuring where the highlight (its band spans the axes, whose
    # right edge is the box's) stays within it; only a bold name reaching past it measures
    # (the first unit measures the plain chart's parts, once, for all the units after it)
    assert measured == [units[0]] + [u for u in units if u in full]


def test_pace_grows_with_the_units_and_keeps_names_inside(tld: Plan, bg: Plan) -> None:
    big = charts.plot_pace(tld.df, tld.metric)
    small = charts.plot_pace(bg.df, bg.metric)
    wide, tall = big.figure.get_size_inches()
    assert wide == pytest.approx(17 / 2.54)  # the report page's text width
    assert tall > small.figure.get_size_inches()[1]
    assert tall / 57 >= 0.14 and tall <= 10.5  # readable rows, still one A4 page
    for ax in (big, small):
        draw(ax)
        fig_w = ax.figure.bbox.width
        for t in ax.get_yticklabels() + [ax.title]:
            box = t.get_window_extent()
            assert 0 <= box.x0 and box.x1 <= fig_w, t.get_text()
        # bars' labels never run past the axes
        right = ax.get_window_extent().x1
        assert all(t.get_window_extent().x1 <= right + 1 for t in ax.texts if t.get_gid())


def test_pace_draws_on_a_given_axes(bg: Plan) -> None:
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot()
    assert charts.plot_pace(bg.df, bg.metric, ax=ax) is ax
    assert len(bars_of(ax)) == 17


def test_plots_never_open_pyplot_figures(bg: Plan) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    charts.plot_pace(bg.df, bg.metric)
    charts.plot_cumulative(bg.trend(), bg.metric)
    charts.plot_spread(bg.df, bg.metric)
    assert plt.get_fignums() == before


# -------------------------------------------------------------------------------------------
# 2. cumulative


def test_cumulative_lines_are_the_trend_columns(bg: Plan) -> None:
    tr = bg.trend()
    ax = charts.plot_cumulative(tr, bg.metric, demo=True)
    actual = line_by_gid(ax, "cum_actual")
    assert (
        list(actual.get_ydata())
        == list(tr["cum_actual"])
        == [
            11282,
            24078,
            37372,
            46827,
            61392,
        ]
    )
    assert list(line_by_gid(ax, "cum_target").get_ydata()) == list(tr["cum_target"])
    assert list(line_by_gid(ax, "pace").get_ydata()) == list(tr["pace"])
    assert actual.get_linestyle() == "-" and actual.get_marker() == "o"
    assert line_by_gid(ax, "cum_target").get_linestyle() == "--"
    assert line_by_gid(ax, "pace").get_linestyle() == ":"
    words = texts_of(ax)
    assert {"11.282", "61.392", "59.975"} <= set(words)  # values annotated, plan's end too
    assert [w for w in words if w.startswith("6T")] == [
        "6T đầu 2024",
        "6T cuối 2024",
        "6T đầu 2025",
        "6T cuối 2025",
        "6T đầu 2026",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Thực hiện lũy kế",
        "Chỉ tiêu lũy kế theo kế hoạch",
        "Tiến độ đều theo thời gian",
    ]
    assert any(
        w.startswith("SỐ LIỆU MINH HỌA") and "6T đầu 2025 (16/17 đơn vị)" in w for w in words
    )
    draw(ax)
    assert "60.000" in [t.get_text() for t in ax.get_yticklabels()]


def test_cumulative_leaves_a_gap_where_a_unit_did_not_report(bg: Plan) -> None:
    tr = bg.trend("luc-ngan")
    assert tr["actual"].isna().tolist() == [False, False, True, False, False]
    ax = charts.plot_cumulative(tr, bg.metric, unit_name="LĐLĐ huyện Lục Ngạn")
    y = line_by_gid(ax, "cum_actual").get_ydata()
    assert np.isnan(y[2])
    assert list(y[[0, 1, 3, 4]]) == [63, 114, 176, 228]
    assert "Chưa báo cáo" in texts_of(ax)
    assert ax.get_title(loc="left").endswith("LĐLĐ huyện Lục Ngạn")
    # a single unit: no "missing reports" note (the gap says it)
    assert not any("Kỳ thiếu báo cáo" in w for w in texts_of(ax))


def test_cumulative_in_english_and_with_one_half_year(tld: Plan) -> None:
    tr = tld.trend()
    ax = charts.plot_cumulative(tr, tld.metric, lang="en")
    assert list(line_by_gid(ax, "cum_actual").get_ydata()) == [146630]
    words = texts_of(ax)
    assert "146,630" in words and "H1 2021" in words
    draw(ax)
    assert "100,000" in [t.get_text() for t in ax.get_yticklabels()]
    low, high = ax.get_xlim()
    assert low < 0 < high  # the one point is inside the axes


def test_cumulative_with_a_negative_figure_keeps_it_in_view(tld: Plan) -> None:
    tr = tld.trend("bac-kan")
    ax = charts.plot_cumulative(tr, tld.metric, unit_name="Bắc Kạn")
    assert list(line_by_gid(ax, "cum_actual").get_ydata()) == [-65]
    assert ax.get_ylim()[0] < -65
    assert "-65" in texts_of(ax)


# -------------------------------------------------------------------------------------------
# 3. spread


@pytest.mark.parametrize(("plan", "n"), [("bg", 14), ("tld", 57)])
def test_spread_has_one_dot_per_unit_with_a_target_and_a_report(plan: str, n: int, request):
    p: Plan = request.getfixturevalue(plan)
    ax = charts.plot_spread(p.df, p.metric)
    (dots,) = [c for c in ax.collections if c.get_gid() == "spread-dots"]
    xy = dots.get_offsets()
    assert len(xy) == n
    units = p.units()
    shown = units[units["status"].isin(["ahead", "on_track", "behind"])]
    shown = shown.sort_values(["cum_pct", "order"], kind="stable")
    colours = [to_rgba(STATUS_COLORS[s]) for s in shown["status"]]
    np.testing.assert_allclose(dots.get_facecolors(), colours)
    # each dot's bin holds its unit's share; stacks count up from 1
    width = np.diff(sorted(set(np.round(xy[:, 0], 9))))[:1]
    half = (width[0] / 2) if len(width) else 0.5
    assert np.all(np.abs(xy[:, 0] - shown["cum_pct"].to_numpy()) <= half + 1e-9)
    assert xy[:, 1].min() == 1 and set(xy[:, 1]) <= set(range(1, n + 1))


def test_spread_marks_the_pace_and_the_federation(tld: Plan, bg: Plan) -> None:
    ax = charts.plot_spread(tld.df, tld.metric)
    assert list(line_by_gid(ax, "pace-line").get_xdata()) == pytest.approx([1 / 6, 1 / 6])
    fed = 146630 / 1487307
    assert list(line_by_gid(ax, "federation-line").get_xdata()) == pytest.approx([fed, fed])
    assert text_by_gid(ax, "federation-label") == "Toàn TLĐ: 9,86%"
    assert text_by_gid(ax, "pace-label") == "Tiến độ thời gian 16,7%"
    negative = (tld.units()["cum_actual"] < 0).sum()
    assert negative == 16
    assert "16 đơn vị lũy kế âm, tính 0%" in text_by_gid(ax, "subtitle")
    draw(ax)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "10%" in ticks and all(t.endswith("%") for t in ticks if t)

    ax = charts.plot_spread(bg.df, bg.metric)
    assert list(line_by_gid(ax, "pace-line").get_xdata()) == pytest.approx([0.5, 0.5])
    words = texts_of(ax)
    assert any("không tính 3 đơn vị không giao chỉ tiêu".lower() in w.lower() for w in words)
    assert "Số đơn vị" in words


# -------------------------------------------------------------------------------------------
# 4. saving


def test_save_writes_png_and_svg_and_no_temp_files(bg: Plan, tmp_path: Path) -> None:
    ax = charts.plot_pace(bg.df, bg.metric, unit_id="luc-ngan")
    out = tmp_path / "charts" / "pace.members_admitted"
    paths = charts.save(ax, out)
    png, svg = paths
    assert paths == [
        out.parent / "pace.members_admitted.png",
        out.parent / "pace.members_admitted.svg",
    ]
    assert sorted(os.listdir(out.parent)) == [
        "pace.members_admitted.png",
        "pace.members_admitted.svg",
    ]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # the words are drawn as glyph outlines: no font needed to show the Vietnamese letters
    assert "<text" not in text and "<path" in text
    refs = re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', text)
    assert refs and all(r.startswith("#") for r in refs)
    assert not re.search(r"(?:href|src)\s*=\s*[\"']\s*(?:https?:|//|file:)", text)
    assert "<metadata" not in text  # no creator, date or links to licences
    # a rerun replaces the files in place
    again = charts.save(charts.plot_pace(bg.df, bg.metric), out)
    assert again == paths and len(os.listdir(out.parent)) == 2
    mode = png.stat().st_mode & 0o777
    umask = os.umask(0o022)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_save_is_stable_and_closes_pyplot_figures(bg: Plan, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    a = charts.save(charts.plot_spread(bg.df, bg.metric), tmp_path / "a")
    b = charts.save(charts.plot_spread(bg.df, bg.metric), tmp_path / "b")
    assert a[1].read_bytes() == b[1].read_bytes()  # same chart, same SVG
    fig, ax = plt.subplots(figsize=(7, 4))
    charts.plot_cumulative(bg.trend(), bg.metric, ax=ax)
    charts.save(fig, tmp_path / "c")
    assert not plt.fignum_exists(fig.number)
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # a whole PNG
    assert (tmp_path / "c.svg").read_text("utf-8").rstrip().endswith("</svg>")


def test_png_bytes_for_embedding(bg: Plan) -> None:
    ax = charts.plot_cumulative(bg.trend(), bg.metric)
    data = charts.figure_to_png_bytes(ax.figure)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # 150 dpi at the page width: about 1000 pixels wide
    width = int.from_bytes(data[16:20], "big")
    assert 950 <= width <= 1100
    assert charts.figure_to_png_bytes(ax) == data
    assert b"http" not in charts.figure_to_svg_bytes(ax).split(b"<svg", 1)[1].split(b">", 1)[1]


def test_png_and_svg_come_from_one_layout(bg: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    # savefig(bbox_inches="tight") lays a chart out and draws it once more before every
    # image; figure_images lays it out and draws the PNG in one pass, then draws the SVG:
    # the PNG has the pixels of the chart laid out first and then drawn in that box
    import io

    from PIL import Image

    ax = charts.plot_pace(bg.df, bg.metric, unit_id="luc-ngan")
    fig = ax.figure
    draws: list[str] = []
    draw = Figure.draw

    def counted(self: Figure, renderer: object) -> None:
        draws.append(type(renderer).__name__)
        draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    images = charts.figure_images(fig)
    assert draws == ["RendererAgg", "MixedModeRenderer"]  # the layout with the PNG, the SVG
    again = charts.plot_pace(bg.df, bg.metric, unit_id="luc-ngan").figure
    tight = io.BytesIO()  # as savefig would: its box, not on the pixel grid
    again.savefig(tight, format="png", dpi=150, bbox_inches="tight", pad_inches=0.08)
    fresh = charts.plot_pace(bg.df, bg.metric, unit_id="luc-ngan").figure
    box = charts._tight_box(fresh)  # laid out, measured, then drawn in the box
    fresh.set_layout_engine(None)
    in_box = io.BytesIO()
    fresh.savefig(in_box, format="rgba", dpi=150, bbox_inches=box, facecolor="white")
    ours, theirs = Image.open(io.BytesIO(images["png"])), Image.open(tight)
    assert ours.mode == "RGB" and ours.info["dpi"] == pytest.approx((150, 150), abs=0.1)
    # the box widened to whole pixels: at most a pixel more on each side
    assert all(0 <= a - b <= 2 for a, b in zip(ours.size, theirs.size, strict=True))
    pixels = np.frombuffer(in_box.getvalue(), np.uint8).reshape(ours.size[1], ours.size[0], 4)
    assert (pixels[..., 3] == 255).all() and ours.tobytes() == pixels[..., :3].tobytes()
    # the SVG has the PNG's box: 150 pixels to the inch, 72 points
    root = ET.fromstring(images["svg"])
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert width == pytest.approx(ours.size[0] * 72 / 150, abs=0.5)
    assert height == pytest.approx(ours.size[1] * 72 / 150, abs=0.5)
    assert fig.get_layout_engine() is not None  # the chart's own layout, as it was


@pytest.mark.parametrize("chart", ["pace", "spread"])
def test_a_chart_measures_each_text_once_from_its_layout_to_its_png(
    tld: Plan, chart: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the canvas keeps one renderer (one resolution), and matplotlib caches the texts' sizes
    # per renderer: a chart measured at the figure's own resolution between its layout and
    # its PNG (a label kept inside the axes) made the canvas a renderer for each, and the
    # PNG's measured every text of the chart again
    from matplotlib.backends.backend_agg import RendererAgg

    renderers: set[int] = set()
    measured: list[str] = []
    real = RendererAgg.get_text_width_height_descent

    def counted(self: RendererAgg, text: str, *args: object, **kwargs: object) -> object:
        renderers.add(id(self))
        measured.append(text)
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(RendererAgg, "get_text_width_height_descent", counted)
    if chart == "pace":
        ax = charts.plot_pace(tld.df, tld.metric)
    else:
        ax = charts.plot_spread(tld.df, tld.metric)
    charts.figure_images(ax.figure, svg=False)
    labels = [t.get_text() for t in ax.get_yticklabels()] if chart == "pace" else []
    assert len(renderers) == 1
    assert all(measured.count(label) == 1 for label in labels)  # 57 units' names, once each
    assert len(measured) <= (160 if chart == "pace" else 66)  # 281 and 85 before


def test_the_pace_chart_places_no_y_label_by_its_units_names(
    tld: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    # matplotlib places an axis's label beside its tick labels, measuring them all at every
    # layout pass and draw, even for a label that is empty: the pace chart has none, and
    # its 57 units' names were measured twice as often (16 times each, from its layout to
    # its PNG). Its value labels, inside the axes by construction, are drawn without a test.
    from matplotlib.text import Text

    ax = charts.plot_pace(tld.df, tld.metric)
    names = ax.get_yticklabels()
    assert len(names) == 57 and ax.get_ylabel() == ""
    measured = {id(t): 0 for t in names}
    real = Text.get_window_extent

    def counted(self: Text, *args: object, **kwargs: object) -> object:
        if id(self) in measured:
            measured[id(self)] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Text, "get_window_extent", counted)
    charts.figure_images(ax.figure, svg=False)
    assert max(measured.values()) <= 8
    values = [t for t in ax.texts if str(t.get_gid()).startswith("label-")]
    assert len(values) == 57 and not any(t.get_annotation_clip() for t in values)


def test_a_chart_drawn_to_its_canvas_edge_is_drawn_again_in_its_box() -> None:
    # a drawing that the canvas cuts off is not cut out of it: it is drawn in its box, whole
    import io

    from PIL import Image

    ax = charts._new_axes(4, 2)
    ax.plot([0, 1], [0, 1])
    ax.figure.text(-0.02, 0.5, "Đoàn viên", fontsize=14)  # past the figure's left edge
    box, pixels = charts._lay_out(ax.figure)
    assert pixels is None and box.x0 < 0
    png = charts.figure_images(ax.figure, svg=False)["png"]
    image = Image.open(io.BytesIO(png))
    assert image.size == charts._size(box)[::-1]
    # the text's first letter is drawn left of the canvas: dark pixels in the first columns
    assert np.asarray(image.convert("L"))[:, :20].min() < 100


# -------------------------------------------------------------------------------------------
# 5. words: from the catalogues, and the same as when they were written in charts.py


def test_every_chart_word_is_translated_in_both_catalogues() -> None:
    ids = chart_ids()
    assert len(ids) == 30  # 28, and the large report's "by group" and "last bar"
    for lang in i18n.LANGS:
        with i18n.catalogue_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msg in ids:
            entry = catalog.get(msg)
            assert entry is not None and entry.string and not entry.fuzzy, (lang, msg)
            # English reads as its id; every Vietnamese word is really translated
            assert (entry.string == msg) == (lang == "en"), (lang, msg, entry.string)


def chart_words(ax) -> dict[str, object]:
    """Return a chart's words: title, subtitle parts, axis labels, reference labels, legend."""
    draw(ax)
    legend = ax.get_legend()
    subtitle = [t.get_text() for t in ax.texts if t.get_gid() == "subtitle"]
    return {
        "title": ax.get_title(loc="left").replace("\n", " "),
        "subtitle": re.split(r" · |\n", subtitle[0]) if subtitle else [],
        "x": ax.get_xlabel(),
        "y": ax.get_ylabel(),
        "labels": {
            t.get_gid(): t.get_text()
            for t in ax.texts
            if t.get_gid() in ("pace-label", "federation-label", "label-bac-kan", "label-luc-ngan")
        },
        "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
    }


LEGEND = {
    "vi": ["Vượt tiến độ", "Đúng tiến độ", "Chậm tiến độ"],
    "en": ["Ahead", "On track", "Behind"],
}
PCT_AXIS = {
    "vi": "% chỉ tiêu nhiệm kỳ đã thực hiện (lũy kế)",
    "en": "% of the term target reached (cumulative)",
}


@pytest.mark.parametrize(
    ("lang", "title", "subtitle", "labels"),
    [
        (
            "vi",
            "Tỷ lệ thực hiện chỉ tiêu nhiệm kỳ theo đơn vị — Số đoàn viên tăng thêm",
            ["Lũy kế đến hết 6 tháng đầu năm 2021", "Toàn TLĐ: 9,86%"],
            {"pace-label": "Tiến độ thời gian 16,7%", "label-bac-kan": "0,00% (lũy kế -65)"},
        ),
        (
            "en",
            "Share of the term target reached, by unit — Net increase in members",
            ["Cumulative to the end of the first half of 2021", "TLĐ as a whole: 9.86%"],
            {"pace-label": "Time elapsed 16.7%", "label-bac-kan": "0.00% (cumulative -65)"},
        ),
    ],
)
def test_pace_words_are_as_before(tld: Plan, lang: str, title, subtitle, labels) -> None:
    words = chart_words(charts.plot_pace(tld.df, tld.metric, lang=lang))
    assert words == {
        "title": title,
        "subtitle": subtitle,
        "x": PCT_AXIS[lang],
        "y": "",
        "labels": labels,
        "legend": LEGEND[lang],
    }


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        ("vi", "Chưa báo cáo (các kỳ trước: 22,80%)"),
        ("en", "No report (earlier periods: 22.80%)"),
    ],
)
def test_pace_note_of_a_unit_without_a_report_is_as_before(bg: Plan, lang: str, want) -> None:
    ax = charts.plot_pace(bg.progress("2025-H1"), bg.metric, lang=lang)
    assert chart_words(ax)["labels"]["label-luc-ngan"] == want
    assert (
        chart_words(ax)["subtitle"][0]
        == {"vi": "SỐ LIỆU MINH HỌA", "en": "ILLUSTRATIVE DATA"}[lang]
    )


@pytest.mark.parametrize(
    ("lang", "title", "subtitle", "ticks", "legend", "gap"),
    [
        (
            "vi",
            "Lũy kế thực hiện so với chỉ tiêu — Số đoàn viên kết nạp mới",
            [
                "SỐ LIỆU MINH HỌA",
                "6 tháng đầu năm 2024 – 6 tháng đầu năm 2026",
                "Kỳ thiếu báo cáo: 6T đầu 2025 (16/17 đơn vị)",
            ],
            ["6T đầu 2024", "6T cuối 2024", "6T đầu 2025", "6T cuối 2025", "6T đầu 2026"],
            ["Thực hiện lũy kế", "Chỉ tiêu lũy kế theo kế hoạch", "Tiến độ đều theo thời gian"],
            "Chưa báo cáo",
        ),
        (
            "en",
            "Cumulative actual against the target — Members admitted",
            [
                "ILLUSTRATIVE DATA",
                "The first half of 2024 – the first half of 2026",
                "Periods with missing reports: H1 2025 (16/17 units)",
            ],
            ["H1 2024", "H2 2024", "H1 2025", "H2 2025", "H1 2026"],
            ["Cumulative actual", "Cumulative target (plan)", "Even pace over the term"],
            "No report",
        ),
    ],
)
def test_cumulative_words_are_as_before(bg: Plan, lang, title, subtitle, ticks, legend, gap):
    ax = charts.plot_cumulative(bg.trend(), bg.metric, lang=lang, demo=True)
    words = chart_words(ax)
    assert words == {
        "title": title,
        "subtitle": subtitle,
        "x": "",
        "y": "",
        "labels": {},
        "legend": legend,
    }
    assert [t.get_text() for t in ax.get_xticklabels()] == ticks
    unit = charts.plot_cumulative(bg.trend("luc-ngan"), bg.metric, lang=lang, unit_name="Lục Ngạn")
    assert gap in texts_of(unit)
    assert chart_words(unit)["title"] == f"{title} — Lục Ngạn"


@pytest.mark.parametrize(
    ("lang", "title", "subtitle", "labels", "y"),
    [
        (
            "vi",
            "Phân bố tỷ lệ thực hiện chỉ tiêu nhiệm kỳ của các đơn vị — Số đoàn viên kết nạp mới",
            [
                "SỐ LIỆU MINH HỌA",
                "Lũy kế đến hết 6 tháng đầu năm 2026",
                "14 đơn vị có chỉ tiêu và báo cáo",
                "Không tính 3 đơn vị không giao chỉ tiêu",
            ],
            {
                "pace-label": "Tiến độ thời gian 50%",
                "federation-label": "Toàn LĐLĐ tỉnh Bắc Giang: 51,16%",
            },
            "Số đơn vị",
        ),
        (
            "en",
            "How the units' shares of the term target are spread — Members admitted",
            [
                "ILLUSTRATIVE DATA",
                "Cumulative to the end of the first half of 2026",
                "14 units with a target and a report",
                "Not counted: 3 no target",
            ],
            {
                "pace-label": "Time elapsed 50%",
                "federation-label": "LĐLĐ tỉnh Bắc Giang as a whole: 51.16%",
            },
            "Number of units",
        ),
    ],
)
def test_spread_words_are_as_before(bg: Plan, lang, title, subtitle, labels, y) -> None:
    words = chart_words(charts.plot_spread(bg.df, bg.metric, lang=lang))
    assert words == {
        "title": title,
        "subtitle": subtitle,
        "x": PCT_AXIS[lang],
        "y": y,
        "labels": labels,
        "legend": LEGEND[lang],
    }


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        ("vi", "16 đơn vị lũy kế âm, tính 0%"),
        ("en", "16 with a negative cumulative, counted as 0%"),
    ],
)
def test_spread_note_of_negative_cumulatives_is_as_before(tld: Plan, lang: str, want) -> None:
    assert chart_words(charts.plot_spread(tld.df, tld.metric, lang=lang))["subtitle"][-1] == want


@pytest.mark.parametrize(
    ("period", "vi", "en"),
    [
        ("2021-H1", "6 tháng đầu năm 2021", "the first half of 2021"),
        ("2021-H2", "6 tháng cuối năm 2021", "the second half of 2021"),
        ("to-2022-H2", "6 tháng cuối năm 2022", "the second half of 2022"),
        ("2022", "năm 2022", "the year 2022"),
        ("term", "cả nhiệm kỳ", "the whole term"),
        ("mid-term", "kỳ sơ kết giữa nhiệm kỳ", "the mid-term review"),
    ],
)
def test_period_names_are_as_before(period: str, vi: str, en: str) -> None:
    assert charts._period_label(period, "vi") == vi
    assert charts._period_label(period, "en") == en
    if period.endswith(("H1", "H2")):
        half = period[-2:]
        year = period[-7:-3]
        short = {"H1": "đầu", "H2": "cuối"}[half]
        assert charts._period_label(period, "vi", short=True) == f"6T {short} {year}"
        assert charts._period_label(period, "en", short=True) == f"{half} {year}"
