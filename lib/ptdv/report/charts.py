"""Charts for the progress reports: one style, Vietnamese or English words, the reader's numbers.

The words are English gettext message ids, translated through the catalogue of the chart's
language (`ptdv.base.i18n`); the numbers take that language's separators.

Every `plot_*` function draws on the Axes it is given (or on a new figure sized for an A4 page,
17 cm wide) and returns that Axes; none shows or saves anything. `save()` writes PNG and SVG
beside each other (temp file, then rename) and closes the figure.

Figures are built on matplotlib's Agg canvas directly (no pyplot), so a batch of reports never
accumulates open figures and the session's backend does not matter. In a notebook, display a
chart with `ax.figure` (or `IPython.display.display(ax.figure)`).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import sys
import tempfile
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox, ScaledTranslation

from ptdv.base.i18n import LANGS, translator
from ptdv.progress import STATUSES
from ptdv.report import context as _context
from ptdv.report.texts import STATUS_COLORS, column_label, metric_label, status_label
from ptdv.tables.numbers import format_number, format_percent

__all__ = [
    "PAGE_WIDTH_IN",
    "STYLE",
    "chart_title",
    "figure_to_png_bytes",
    "figure_to_svg_bytes",
    "pace_images",
    "plot_cumulative",
    "plot_pace",
    "plot_spread",
    "save",
    "use_style",
    "write_images",
]

#: Width of the report page's text block (A4 less margins, 17 cm), in inches.
PAGE_WIDTH_IN = 17 / 2.54
#: Resolution of the PNG files.
PNG_DPI = 150

#: The one style of every chart (rcParams).
STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",  # covers Vietnamese (ư, ơ, ạ, ế, đ ...)
    "font.size": 8.5,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 6,
    "axes.labelsize": 8.5,
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#666666",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "savefig.facecolor": "white",
    "savefig.bbox": "tight",
    "svg.fonttype": "path",  # glyphs as paths: renders offline, whatever fonts a reader has
    "svg.hashsalt": "ptdv",  # stable ids: the same chart gives the same SVG
}

_TEXT = "#333333"
_MUTED = "#6b6b6b"
_ACTUAL = "#16365c"  # cumulative actual: dark navy (not a status colour)
_PLAN = "#7b5ea7"  # the plan's cumulative target: purple, dashed
_PACE = "#444444"  # even pace / elapsed share: dark grey
_FEDERATION = "#111111"
_HIGHLIGHT = "#fff1b8"
#: A white box behind a label, so that no line runs through its words.
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"}

_SHOWN = ("ahead", "on_track", "behind")  # statuses with a percentage to plot

# ---------------------------------------------------------------------------------------------
# Style and small helpers


def use_style() -> None:
    """Set the charts' style (fonts, sizes, spines, grid, save options) for the session."""
    mpl.rcParams.update(STYLE)


@contextmanager
def _style() -> Iterator[None]:
    """Apply the style while a chart is built, without changing the session's settings."""
    with mpl.rc_context(STYLE):
        yield


@contextmanager
def _png_dpi(fig: Figure) -> Iterator[None]:
    """Set the figure at the PNG's resolution while it is measured or drawn, then back."""
    dpi, fig.dpi = fig.dpi, PNG_DPI
    try:
        yield
    finally:
        fig.dpi = dpi


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _nfc(text: object) -> str:
    """Return text in composed form (decomposed accents draw badly in matplotlib)."""
    return unicodedata.normalize("NFC", str(text))


def _new_axes(width: float, height: float) -> Axes:
    """Return the Axes of a new white figure on an Agg canvas, laid out by constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _root_figure(obj: Axes | Figure | SubFigure) -> Figure:
    fig = obj.figure if isinstance(obj, Axes) else obj
    while isinstance(fig, SubFigure):
        fig = fig.figure
    if not isinstance(fig, Figure):
        raise TypeError(f"expected a matplotlib Axes or Figure, got {type(obj).__name__}")
    return fig


def _style_axes(ax: Axes) -> None:
    """Give an Axes the style's spines and grid even when the caller created it."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(STYLE["axes.edgecolor"])
        ax.spines[side].set_linewidth(STYLE["axes.linewidth"])
    ax.tick_params(labelsize=STYLE["xtick.labelsize"], labelcolor=_TEXT, color="#666666")
    ax.grid(True, color=STYLE["grid.color"], linewidth=STYLE["grid.linewidth"])
    ax.set_axisbelow(True)


def _pct(value: float, lang: str) -> str:
    """Format a ratio as in the report's tables (two decimals: 9,86%)."""
    return format_percent(value, lang)


def _pct_short(value: float, lang: str) -> str:
    """Format a ratio for an axis or a reference line: 50%, 16,7%."""
    hundred = value * 100
    decimals = 0 if math.isclose(hundred, round(hundred), abs_tol=1e-6) else 1
    return format_percent(value, lang, decimals=decimals)


def _pct_formatter(lang: str) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: _pct_short(v, lang))


def _number_formatter(lang: str) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: format_number(v, lang))


def _period_label(period: str, lang: str, short: bool = False) -> str:
    """Return a period id in words: '6 tháng đầu năm 2026' (short: '6T đầu 2026'), 'năm 2025'."""
    _ = translator(lang)
    period = str(period)
    if period.startswith("to-"):  # a span from the term's start ends with a half-year
        period = period[3:]
    if period == "mid-term":
        return _("the mid-term review")
    if len(period) == 7 and period[4:6] == "-H":
        year, first = period[:4], period[-1] == "1"
        if short:
            return _("H1 {year}", year=year) if first else _("H2 {year}", year=year)
        if first:
            return _("the first half of {year}", year=year)
        return _("the second half of {year}", year=year)
    if period.isdigit():
        return _("the year {year}", year=period)
    if period == "term":
        return _("the whole term")
    return period


def _unit_rows(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Return the unit rows of one metric in the official table order."""
    missing = {"level", "metric", "order", "unit_name", "cum_pct", "status"} - set(df.columns)
    if missing:
        raise ValueError(f"not a progress table: missing column(s) {', '.join(sorted(missing))}")
    units = df[(df["level"] == "unit") & (df["metric"] == metric)]
    if units.empty:
        known = ", ".join(sorted(set(df["metric"])))
        raise ValueError(f"the progress table has no unit rows for {metric!r} (it has: {known})")
    return units.sort_values("order", kind="stable").reset_index(drop=True)


def _federation_row(df: pd.DataFrame, metric: str) -> pd.Series | None:
    fed = df[(df["level"] == "federation") & (df["metric"] == metric)]
    return None if fed.empty else fed.iloc[0]


def _unit_labels(units: pd.DataFrame, lang: str) -> list[str]:
    """Return the units' names; a name that appears twice gets its row number (TT 27)."""
    names = [_nfc(n) for n in units["unit_name"]]
    tt = column_label("order", lang)
    return [
        f"{name} ({tt} {order})" if names.count(name) > 1 else name
        for name, order in zip(names, units["order"], strict=True)
    ]


def _is_demo(df: pd.DataFrame) -> bool:
    return "demo" in df.columns and bool(df["demo"].fillna(False).astype(bool).any())


def _renderer(fig: Figure, dpi: float | None = None) -> object:
    """Return a renderer for the figure: at its own resolution, or at `dpi`."""
    before = fig.dpi
    if dpi is not None:
        fig.dpi = dpi
    try:
        canvas = fig.canvas
        return canvas.get_renderer() if hasattr(canvas, "get_renderer") else fig._get_renderer()
    finally:
        fig.dpi = before


def _wrap(parts: list[str], sep: str, width_px: float, prop: FontProperties, renderer) -> str:
    """Pack `parts` joined by `sep` into lines no wider than width_px (long parts by words)."""

    def fits(text: str) -> bool:
        w, _h, _d = renderer.get_text_width_height_descent(text, prop, ismath=False)
        return w <= width_px

    pieces: list[tuple[str, bool]] = []  # (text, whether it starts one of the parts)
    for part in parts:
        line, first = "", True
        for word in part.split(" "):
            if line and not fits(f"{line} {word}"):
                pieces.append((line, first))
                line, first = word, False
            else:
                line = f"{line} {word}".strip()
        pieces.append((line, first))
    lines: list[str] = []
    for text, first in pieces:
        if lines and first and fits(f"{lines[-1]}{sep}{text}"):
            lines[-1] = f"{lines[-1]}{sep}{text}"
        else:
            if lines and first and sep.strip() == "—":
                lines[-1] += " —"
            lines.append(text)
    return "\n".join(lines)


def _finish(
    ax: Axes,
    title: list[str],
    subtitle: list[str],
    legend: list | None = None,
    legend_lines: bool = False,
) -> None:
    """Set the title and subtitle (wrapped, left-aligned with the y labels), and a legend below.

    Runs one layout pass to measure the axes' labels, so that nothing is wider than the figure
    and the legend sits just under the x-axis label whatever the chart's height. The pass runs
    at the PNG's resolution, so that the renderer that draws the PNG, the same on the same
    canvas, has the texts' sizes measured already.
    """
    fig = _root_figure(ax)
    with _png_dpi(fig):
        fig.draw_without_rendering()
        renderer = _renderer(fig)
        box = ax.get_window_extent(renderer)
        ylab = ax.yaxis.get_tightbbox(renderer)
        left_px = min(box.x0, ylab.x0) if ylab is not None else box.x0
        x0 = (left_px - box.x0) / box.width  # axes fraction, <= 0
        width_px = box.x1 - left_px - 2
        sizes = mpl.rcParams
        title_prop = FontProperties(size=sizes["axes.titlesize"], weight="bold")
        sub_prop = FontProperties(size=8)
        title_text = _wrap(title, " — ", width_px, title_prop, renderer)
        subtitle = [p[:1].upper() + p[1:] for p in subtitle]
        sub_text = _wrap(subtitle, " · ", width_px, sub_prop, renderer) if subtitle else ""
        sub_lines = sub_text.count("\n") + 1 if sub_text else 0
        t = ax.set_title(
            title_text,
            loc="left",
            pad=(12 + 10.5 * sub_lines) if sub_lines else 6,
            fontweight="bold",
        )
        t.set_x(x0)
        if sub_text:
            ax.annotate(
                sub_text,
                xy=(x0, 1),
                xycoords="axes fraction",
                xytext=(0, 5),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=8,
                linespacing=1.25,
                color=_MUTED,
                annotation_clip=False,
                gid="subtitle",
            )
        if legend:
            xax = ax.xaxis.get_tightbbox(renderer)
            below_in = (box.y0 - xax.y0) / fig.dpi + 0.06 if xax is not None else 0.45
            for ncol in range(len(legend), 0, -1):  # as many columns as the width allows
                leg = ax.legend(
                    handles=legend,
                    loc="upper left",
                    bbox_to_anchor=(x0, 0),
                    bbox_transform=ax.transAxes
                    + ScaledTranslation(0, -below_in, fig.dpi_scale_trans),
                    borderaxespad=0,
                    ncol=ncol,
                    handlelength=2.8 if legend_lines else 1.4,
                    handletextpad=0.5,
                    columnspacing=1.4,
                )
                if leg.get_window_extent(renderer).width <= width_px:
                    break


def _keep_inside(ax: Axes, labels: list, step: float = 11) -> None:
    """Move a line's label that sticks out of the axes to the line's other side, `step` lower.

    Measured at the PNG's resolution, like `_finish`: the canvas keeps one renderer, for
    one resolution, and the texts' sizes are cached per renderer. Measured at the figure's
    own, the canvas made a renderer for it, then another for the PNG, which measured every
    text of the chart again (128 texts of the 57-unit pace chart, 0.1 s).
    """
    fig = _root_figure(ax)
    with _png_dpi(fig):
        renderer = _renderer(fig)
        box = ax.get_window_extent(renderer)
        drop = 0
        for label in labels:
            bb = label.get_window_extent(renderer)
            dx, dy = label.xyann
            if bb.x0 < box.x0 - 1 and label.get_horizontalalignment() == "right":
                drop += 1
                label.set_horizontalalignment("left")
                label.xyann = (abs(dx), dy - step * drop)
            elif bb.x1 > box.x1 + 1 and label.get_horizontalalignment() == "left":
                drop += 1
                label.set_horizontalalignment("right")
                label.xyann = (-abs(dx), dy - step * drop)


def _status_handles(statuses: list[str], lang: str) -> list[Patch]:
    return [
        Patch(facecolor=STATUS_COLORS[s], edgecolor="none", label=status_label(s, lang))
        for s in STATUSES
        if s in statuses
    ]


# ---------------------------------------------------------------------------------------------
# 1. Pace: one bar per unit


def _pace_height(n: int) -> float:
    """Return a figure height that keeps each unit's row readable (57 units fit one A4 page)."""
    per_unit = 0.24 if n <= 20 else max(0.145, min(0.24, 8.2 / n))
    return 1.3 + per_unit * (n + 1.5)


def plot_pace(
    df: pd.DataFrame,
    metric: str,
    lang: str = "vi",
    ax: Axes | None = None,
    unit_id: str | None = None,
    by: str = "unit",
) -> Axes:
    """Draw each unit's share of its term target reached, against the share of the term elapsed.

    One horizontal bar per unit in the table's order (first unit on top), as long as the
    unit's `cum_pct` (a negative cumulative counts as 0, its figure is printed beside the bar),
    coloured by status; units without a target or without a report get a note instead of a
    bar (a bar of width 0). A dashed line marks the elapsed share of the term; `unit_id`
    highlights one unit. `by="group"` says the rows are groups of units
    (`pieces.pace_rows` of a large federation).
    """
    lang = _check_lang(lang)
    _ = translator(lang)
    units = _unit_rows(df, metric)
    if unit_id is not None and unit_id not in set(units["unit_id"]):
        raise ValueError(f"unit {unit_id!r} is not in the progress table for {metric!r}")
    fed = _federation_row(df, metric)
    elapsed = float(units["elapsed_share"].iloc[0])
    n = len(units)
    shown = units["status"].isin(_SHOWN) & units["cum_pct"].notna()
    widths = units["cum_pct"].where(shown, 0.0).clip(lower=0.0).to_numpy(dtype=float)
    colors = [STATUS_COLORS[s] for s in units["status"]]
    labels = _unit_labels(units, lang)
    small = n > 30
    fs = 7 if small else 8

    with _style():
        if ax is None:
            ax = _new_axes(PAGE_WIDTH_IN, _pace_height(n))
        _style_axes(ax)
        y = np.arange(n)
        bars = ax.barh(
            y, widths, height=0.72, color=colors, edgecolor="none", label="_nolegend_", zorder=2
        )
        for bar in bars:
            bar.set_gid("pace-bar")
        ax.set_yticks(y, labels, fontsize=7.5 if small else 8)
        ax.tick_params(axis="y", length=0, pad=4)
        if not ax.get_ylabel():
            # no y-axis label to place: matplotlib would place it by the units' names anyway,
            # measuring all of them again at each layout pass and draw (0.12 s of 1.4 s)
            ax.yaxis.set_label_coords(0, 0.5)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)

        top = max([float(widths.max()), elapsed, 0.05])
        if fed is not None and pd.notna(fed["cum_pct"]):
            top = max(top, float(fed["cum_pct"]))
        ax.set_xlim(0, top * 1.2)
        ax.set_ylim(n - 0.5, -1.6)  # inverted; a spare row on top for the elapsed label
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(_pct_formatter(lang))
        ax.set_xlabel(
            _("% of the term target reached (cumulative)"), fontsize=STYLE["axes.labelsize"]
        )

        for i, r in units.iterrows():
            status = r["status"]
            if status in _SHOWN and pd.notna(r["cum_pct"]):
                text = _pct(r["cum_pct"], lang)
                if pd.notna(r.get("cum_actual")) and r["cum_actual"] < 0:
                    negative = _("cumulative {n}", n=format_number(r["cum_actual"], lang))
                    text += f" ({negative})"
                style, color = "normal", _TEXT
            else:
                text = status_label(status, lang)
                if status == "no_report" and pd.notna(r["cum_pct"]):
                    earlier = _("earlier periods: {pct}", pct=_pct(r["cum_pct"], lang))
                    text += f" ({earlier})"
                style, color = "italic", STATUS_COLORS[status]
            ax.annotate(
                text,
                xy=(widths[i], i),
                xytext=(3, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=fs,
                fontstyle=style,
                color=color,
                zorder=4,
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 1.0},
                gid=f"label-{r['unit_id']}",
                # inside the axes by construction: not tested for it at every measure
                annotation_clip=False,
            )

        line = ax.axvline(elapsed, color=_PACE, linestyle="--", linewidth=1.1, zorder=3)
        line.set_gid("pace-line")
        pace_label = ax.annotate(
            _("Time elapsed {pct}", pct=_pct_short(elapsed, lang)),
            xy=(elapsed, -1.05),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=fs + 0.5,
            color=_PACE,
            fontweight="bold",
            gid="pace-label",
        )

        if unit_id is not None:
            _highlight(ax, units["unit_id"].to_numpy(), unit_id)  # for good: no undo

        parts = [_("Illustrative data").upper()] if _is_demo(df) else []
        parts.append(
            _(
                "Cumulative to the end of {period}",
                period=_period_label(units["period"].iloc[0], lang),
            )
        )
        if fed is not None and pd.notna(fed["cum_pct"]):
            name = _nfc(fed["unit_name"])
            parts.append(_("{name} as a whole: {pct}", name=name, pct=_pct(fed["cum_pct"], lang)))
        if by == "group":
            title = [_("Share of the term target reached, by group"), metric_label(metric, lang)]
        else:
            title = [_("Share of the term target reached, by unit"), metric_label(metric, lang)]
        _finish(ax, title, parts, legend=_status_handles(list(units["status"]), lang))
        _keep_inside(ax, [pace_label], step=0)
    return ax


def _highlight(ax: Axes, ids: np.ndarray, unit_id: str) -> tuple[Callable[[], None], list[Artist]]:
    """Highlight a unit's row of the pace chart (band, outlined bar, bold label).

    `ids` are the chart's unit ids, first row first. Returns the undo (which acts once), and
    the artists the highlight changes or adds (the bar, the label, the band).
    """
    i = int(np.flatnonzero(ids == unit_id)[0])
    bar = [p for p in ax.patches if p.get_gid() == "pace-bar"][i]
    tick = ax.get_yticklabels()[i]
    before = (bar.get_edgecolor(), bar.get_linewidth(), tick.get_fontweight(), tick.get_color())
    bar.set_edgecolor("black")
    bar.set_linewidth(1.2)
    band = ax.axhspan(i - 0.5, i + 0.5, color=_HIGHLIGHT, zorder=0, linewidth=0)
    tick.set_fontweight("bold")
    tick.set_color("black")
    undone = False

    def undo() -> None:  # once: later calls do nothing
        nonlocal undone
        if undone:
            return
        undone = True
        band.remove()
        bar.set_edgecolor(before[0])
        bar.set_linewidth(before[1])
        tick.set_fontweight(before[2])
        tick.set_color(before[3])

    return undo, [bar, tick, band]


@dataclass
class _KeptChart:
    """A chart laid out once and drawn many times, a part of it changed each time.

    `measure` is a renderer at the PNG's resolution, kept with the chart: matplotlib caches
    the size of each text per renderer, and a fresh renderer for every image measured all 114
    texts of a 57-unit chart anew. `box` is the plain chart's crop box and `pixels` its PNG's
    pixels, drawn with its layout; made when first needed: `extents`, where each of its
    drawn parts lies, and `drawn`, the box they fill, unpadded.
    """

    figure: Figure
    measure: object
    box: Bbox
    pixels: np.ndarray | None = None
    extents: list[tuple[Artist, Bbox | None]] | None = None
    drawn: Bbox | None = None


#: Pace charts laid out and kept, without a highlight, by what they show (see pace_images).
_PACE_CHARTS: OrderedDict[str, _KeptChart] = OrderedDict()
#: How many are kept: a report draws one per metric.
_PACE_KEPT = 4


def pace_images(
    df: pd.DataFrame,
    metric: str,
    lang: str = "vi",
    unit_id: str | None = None,
    by: str = "unit",
    svg: bool = True,
) -> tuple[dict[str, bytes], str]:
    """Return the pace chart's images (as `figure_images`) and its title, `unit_id` highlighted.

    Every unit report of a plan and period shows the same pace chart, each with its own unit
    highlighted: laying it out took half of the chart's time. So the chart is laid out once
    per progress table, metric, language and grouping in this process (a batch's worker
    kernel renders unit after unit) and kept; a unit's images are that chart drawn with the
    unit highlighted, after which the highlight is removed again. The images are cropped to
    what each draws (a bold label may reach further left than the layout measured).

    Where the crop box is the plain chart's, the PNG redraws only the parts near the unit's
    row and takes the rest from the plain chart's pixels (`_changed_png`): the same image,
    pixel for pixel, without drawing the other rows' 112 texts again. The SVG is drawn whole.
    """
    lang = _check_lang(lang)
    ids = _unit_rows(df, metric)["unit_id"].to_numpy()
    if unit_id is not None and unit_id not in set(ids):
        raise ValueError(f"unit {unit_id!r} is not in the progress table for {metric!r}")
    key = _pace_key(df, metric, lang, by)
    kept = _PACE_CHARTS.pop(key, None)
    if kept is None:
        fig = _root_figure(plot_pace(df, metric, lang, by=by))
        box, pixels = _lay_out(fig)  # the layout, at the PNG's resolution, then frozen
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
        kept = _KeptChart(fig, _renderer(fig, PNG_DPI), box, pixels)
        while len(_PACE_CHARTS) >= _PACE_KEPT:
            _close(_PACE_CHARTS.popitem(last=False)[1].figure)
    _PACE_CHARTS[key] = kept  # the most recently used last
    fig = kept.figure
    if kept.pixels is None:  # the plain chart's pixels
        kept.pixels = _raw(fig, kept.box)
    if unit_id is None:
        return _images(fig, kept.box, svg, kept.pixels), chart_title(fig)
    if kept.extents is None:  # the plain chart's parts, for every unit after
        kept.extents = _extents(fig, kept.measure)
        kept.drawn = _tight_box(fig, lay_out=False, renderer=kept.measure, pad=0.0)
    label = fig.axes[0].get_yticklabels()[int(np.flatnonzero(ids == unit_id)[0])]
    was = _extent(label, kept.measure)
    undo, changed = _highlight(fig.axes[0], ids, unit_id)
    try:
        now = [_extent(a, kept.measure) for a in changed]
        if _same_box(kept, was, now):
            box = kept.box
        else:
            box = _tight_box(fig, lay_out=False, renderer=kept.measure)
        if box.bounds != kept.box.bounds:  # a bold label reaches further: draw it all
            return _images(fig, box, svg), chart_title(fig)
        images = {"svg": _render(fig, "svg", box)} if svg else {}
        images = {"png": _changed_png(kept, [was, *now], undo), **images}
        return images, chart_title(fig)
    finally:
        undo()


def _pace_key(df: pd.DataFrame, metric: str, lang: str, by: str) -> str:
    """Return what a pace chart depends on, as a digest: its rows' content and its options."""
    digest = hashlib.sha256(f"{metric}|{lang}|{by}|{list(df.columns)}".encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    digest.update(repr(sorted(STYLE.items())).encode())
    return digest.hexdigest()


#: How far around a changed part its pixels may change, in pixels (antialiasing, a line's
#: width, a label's background box), when only that part of a kept chart is drawn again.
_CHANGE_MARGIN = 6.0


def _extent(artist: Artist, renderer: object) -> Bbox | None:
    """Return where an artist draws (display units at the PNG's resolution), or None.

    Only texts, lines and patches are measured: a collection's extent, for one, leaves out
    its markers' size, so any other artist is said to draw anywhere.
    """
    if not isinstance(artist, (Text, Line2D, Patch)):
        return None
    with _png_dpi(artist.get_figure(root=True)):
        try:
            box = artist.get_window_extent(renderer)
        except Exception:  # noqa: BLE001 - an artist that cannot say is drawn every time
            return None
    if not np.isfinite(box.get_points()).all():
        return None
    return box


def _same_box(kept: _KeptChart, was: Bbox | None, now: list[Bbox | None]) -> bool:
    """Return True if a kept chart, a few of its parts changed, surely keeps its crop box.

    The box is what all the parts draw, padded. It stays the same if the part that changed
    lay inside it, off every edge (`was`: other parts make the edges; a pixel of room on
    every side absorbs rounding), and the changed parts now lie within it (`now`), edges
    included: the highlight's band spans the axes, whose edge is often the box's. If in
    doubt, the box is measured again, which takes a pass over all the parts.
    """
    drawn = Bbox(kept.drawn.get_points() * PNG_DPI)
    inner = drawn.padded(-1.0)

    def within(b: Bbox | None, box: Bbox) -> bool:
        return b is not None and (
            box.x0 <= b.x0 and b.x1 <= box.x1 and box.y0 <= b.y0 and b.y1 <= box.y1
        )

    return within(was, inner) and all(within(b, drawn) for b in now)


def _extents(fig: Figure, renderer: object) -> list[tuple[Artist, Bbox | None]]:
    """Return the figure's drawn parts (artists without children) and near where each draws.

    Each extent is widened by `_CHANGE_MARGIN` pixels on every side.
    """
    leaves = fig.findobj(lambda a: not a.get_children() and a.get_visible())
    return [(a, _near(_extent(a, renderer))) for a in leaves]


def _near(extent: Bbox | None) -> Bbox | None:
    """Return an extent widened by `_CHANGE_MARGIN` pixels on every side (None stays None)."""
    return None if extent is None else extent.padded(_CHANGE_MARGIN)


def _changed_png(kept: _KeptChart, changed: list[Bbox | None], undo: Callable[[], None]) -> bytes:
    """Return the PNG of a kept chart of which a few parts changed, drawing only near them.

    `changed` holds the extents of the changed parts, before and after the change, and `undo`
    turns the chart back as it was. The parts that lie near them (the row's bar, lines and
    labels, the axes' background) are drawn twice, as they are now and, after `undo`, as
    they were, each time with every other part hidden. The pixels that differ between the
    two are the pixels the change made, and they replace those of the plain chart. Every
    part that draws on such a pixel is among the parts drawn, so the result is the changed
    chart drawn in full, pixel for pixel; a part whose extent is unknown is always drawn.
    """
    fig = kept.figure
    if any(c is None for c in changed):
        return _render(fig, "png", kept.box)
    where = [_near(c) for c in changed]
    hidden = [
        a
        for a, extent in kept.extents
        if extent is not None and not any(extent.overlaps(w) for w in where)
    ]
    for artist in hidden:
        artist.set_visible(False)
    try:
        after = _raw(fig, kept.box)
        undo()
        before = _raw(fig, kept.box)
    finally:
        for artist in hidden:
            artist.set_visible(True)
    pixels = kept.pixels.copy()
    differ = after.view(np.uint32)[..., 0] != before.view(np.uint32)[..., 0]  # RGBA at once
    np.copyto(pixels, after, where=differ[..., np.newaxis])
    return _png(pixels)


def _raw(fig: Figure, box: Bbox) -> np.ndarray:
    """Return the figure's part `box` (on the pixel grid) drawn as RGBA pixels."""
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=PNG_DPI, bbox_inches=box, facecolor="white")
    raw = np.frombuffer(buf.getvalue(), dtype=np.uint8)
    shape = (*_size(box), 4)
    if raw.size != math.prod(shape):  # a box on the pixel grid: never expected
        raise ValueError(f"{raw.size} RGBA bytes drawn where {shape} were expected")
    return raw.reshape(shape)


# ---------------------------------------------------------------------------------------------
# 2. Cumulative: half-year by half-year


def plot_cumulative(
    trend_df: pd.DataFrame,
    metric: str,
    lang: str = "vi",
    ax: Axes | None = None,
    *,
    unit_name: str | None = None,
    demo: bool = False,
    n_units: int | None = None,
) -> Axes:
    """Draw the cumulative actual against the plan's cumulative target and the even pace.

    `trend_df` is `progress.trend()`'s frame. The actual line leaves a gap at a half-year
    nobody reported (its `actual` is NaN), since the cumulative there is not known.
    `unit_name` goes into the title; `demo` marks illustrative figures; `n_units` (default:
    the most units that reported in any half-year) names the half-years some units missed.
    """
    lang = _check_lang(lang)
    _ = translator(lang)
    missing = {"period", "actual", "cum_actual", "cum_target", "pace"} - set(trend_df.columns)
    if missing:
        raise ValueError(f"not a trend frame: missing column(s) {', '.join(sorted(missing))}")
    t = trend_df.reset_index(drop=True)
    if t.empty:
        raise ValueError("the trend frame has no half-years")
    x = np.arange(len(t), dtype=float)
    actual_y = t["cum_actual"].to_numpy(dtype=float)  # NaN where not known
    plan_y = t["cum_target"].to_numpy(dtype=float)
    pace_y = t["pace"].to_numpy(dtype=float)
    ticks = [_period_label(p, lang, short=True) for p in t["period"]]

    with _style():
        if ax is None:
            ax = _new_axes(PAGE_WIDTH_IN, 3.4)
        _style_axes(ax)
        actual_line = ax.plot(
            x,
            actual_y,
            linestyle="-",
            linewidth=2.2,
            color=_ACTUAL,
            marker="o",
            markersize=5,
            label=_("Cumulative actual"),
            gid="cum_actual",
            zorder=4,
        )[0]
        plan_line = ax.plot(
            x,
            plan_y,
            linestyle="--",
            linewidth=1.5,
            color=_PLAN,
            marker="s",
            markersize=3.5,
            label=_("Cumulative target (plan)"),
            gid="cum_target",
            zorder=3,
        )[0]
        pace_line = ax.plot(
            x,
            pace_y,
            linestyle=":",
            linewidth=1.8,
            color=_PACE,
            marker="o",
            markersize=2.5,
            label=_("Even pace over the term"),
            gid="pace",
            zorder=3,
        )[0]
        values = np.concatenate([actual_y, plan_y, pace_y])
        values = values[~np.isnan(values)]
        hi = float(values.max()) if values.size else 1.0
        lo = float(values.min()) if values.size else 0.0
        hi = hi if hi > 0 else 1.0
        span = hi - min(lo, 0.0)
        y0, y1 = (lo - 0.14 * span if lo < 0 else 0.0), hi + 0.18 * span
        ax.set_ylim(y0, y1)
        # each actual value above its point when ahead of the plan, below it when behind (so
        # that the figure never sits on the plan's line), unless that is too close to the axis
        for xi, v, p in zip(x, actual_y, plan_y, strict=True):
            if math.isnan(v):
                continue
            above = math.isnan(p) or v >= p or (v - y0) < 0.12 * (y1 - y0)
            ax.annotate(
                format_number(v, lang),
                xy=(xi, v),
                xytext=(0, 7 if above else -8),
                textcoords="offset points",
                ha="center",
                va="bottom" if above else "top",
                fontsize=7.5,
                color=_ACTUAL,
                fontweight="bold",
                zorder=5,
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            )
        if not math.isnan(plan_y[-1]):
            below = not math.isnan(actual_y[-1]) and actual_y[-1] > plan_y[-1]
            ax.annotate(
                format_number(plan_y[-1], lang),
                xy=(x[-1], plan_y[-1]),
                xytext=(6, -3 if below else 3),
                textcoords="offset points",
                ha="left",
                va="top" if below else "bottom",
                fontsize=7.5,
                color=_PLAN,
                zorder=5,
                gid="plan-end",
            )

        # half-years nobody reported: one shaded span and one note per run of them
        unknown = ~t["covered"] if "covered" in t.columns else t["actual"].isna()
        gaps = np.flatnonzero(unknown.to_numpy(dtype=bool))
        runs = np.split(gaps, np.flatnonzero(np.diff(gaps) > 1) + 1) if gaps.size else []
        for run in runs:
            ax.axvspan(run[0] - 0.4, run[-1] + 0.4, color=STATUS_COLORS["no_report"], alpha=0.08)
            ax.annotate(
                _("No report"),
                xy=((run[0] + run[-1]) / 2, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7.5,
                fontstyle="italic",
                color=STATUS_COLORS["no_report"],
            )

        # half-year names on two lines (and only every k-th) when the slots are narrow
        slot_in = ax.get_position().width * _root_figure(ax).get_figwidth() / len(t)
        if slot_in < 0.95:
            ticks = [" ".join(k.split(" ")[:-1]) + "\n" + k.split(" ")[-1] for k in ticks]
        step = max(1, math.ceil(0.5 / slot_in)) if slot_in < 0.5 else 1
        ticks = [k if (len(t) - 1 - i) % step == 0 else "" for i, k in enumerate(ticks)]
        ax.set_xticks(x, ticks)
        ax.set_xlim(-0.5, len(t) - 0.5 + 0.3)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.yaxis.set_major_formatter(_number_formatter(lang))

        parts = [_("Illustrative data").upper()] if demo else []
        if len(t) > 1:
            first, last = (_period_label(t["period"].iloc[k], lang) for k in (0, -1))
            parts.append(f"{first} – {last}")
        else:
            parts.append(_period_label(t["period"].iloc[0], lang))
        if "reported" in t.columns:
            total = n_units if n_units is not None else int(t["reported"].max())
            short = t[(t["reported"] < total) & (t["reported"] > 0)] if total > 1 else t[:0]
            if not short.empty:
                items = ", ".join(
                    _(
                        "{period} ({n}/{total} units)",
                        period=_period_label(r.period, lang, short=True),
                        n=int(r.reported),
                        total=total,
                    )
                    for r in short.itertuples()
                )
                parts.append(_("Periods with missing reports: {items}", items=items))
        title = [_("Cumulative actual against the target"), metric_label(metric, lang)]
        if unit_name:
            title.append(_nfc(unit_name))
        _finish(ax, title, parts, legend=[actual_line, plan_line, pace_line], legend_lines=True)
    return ax


# ---------------------------------------------------------------------------------------------
# 3. Spread: how units' shares are distributed


def _bin_width(span: float) -> float:
    """Return a round bin width (as a ratio) giving at most 30 bins over `span`."""
    for w in (0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0):
        if span / w <= 30:
            return w
    return float(10 ** math.ceil(math.log10(span / 30)))


def plot_spread(df: pd.DataFrame, metric: str, lang: str = "vi", ax: Axes | None = None) -> Axes:
    """Draw how the units' shares of their term target are spread, against the elapsed share.

    A dot histogram: one dot per unit with a target and a report, stacked in bins of its
    `cum_pct` (negative cumulatives count as 0) and coloured by status; a dashed line marks
    the elapsed share of the term and a solid one the federation's own share.
    """
    lang = _check_lang(lang)
    _ = translator(lang)
    units = _unit_rows(df, metric)
    fed = _federation_row(df, metric)
    elapsed = float(units["elapsed_share"].iloc[0])
    keep = units["status"].isin(_SHOWN) & units["cum_pct"].notna()
    shown = units[keep].sort_values(["cum_pct", "order"], kind="stable")
    fed_pct = float(fed["cum_pct"]) if fed is not None and pd.notna(fed["cum_pct"]) else None
    values = shown["cum_pct"].clip(lower=0).to_numpy(dtype=float)
    refs = [elapsed] + ([fed_pct] if fed_pct is not None else [])
    histogram = len(values) > _context.LARGE_REPORT_UNITS  # bars of counts, not a dot each
    top = max([float(values.max()) if values.size else 0.0, *refs, 0.05])
    over = 0  # a histogram's outliers, counted in its last bar
    if histogram:
        cap = max([float(np.quantile(values, 0.98)) * 1.25, *refs, 0.05])
        if top > cap:
            over, top = int((values > cap).sum()), cap
    low = min([float(values.min()) if values.size else 0.0, *refs])
    # start at 0 unless every value sits far from it (dots, unlike bars, need no zero)
    start = 0.0 if low < 0.4 * top or histogram else low * 0.9
    width = _bin_width(top - start)
    start = math.floor(start / width) * width
    bins = np.floor(values / width + 1e-9)
    if over:
        bins = np.minimum(bins, math.floor(top / width + 1e-9))
    xs = (bins + 0.5) * width
    ys = np.zeros(len(values))
    seen: dict[float, int] = {}
    for k, b in enumerate(bins):
        seen[b] = seen.get(b, 0) + 1
        ys[k] = seen[b]
    colors = [STATUS_COLORS[s] for s in shown["status"]]
    height = max(seen.values()) if seen else 1

    with _style():
        if ax is None:
            ax = _new_axes(PAGE_WIDTH_IN, 3.2)
        _style_axes(ax)
        if histogram:
            statuses = shown["status"].to_numpy()
            base = np.zeros(len(seen))
            keys = np.array(sorted(seen))
            for status in _SHOWN:
                counts = np.array([np.sum((bins == b) & (statuses == status)) for b in keys])
                if counts.any():
                    ax.bar(
                        (keys + 0.5) * width,
                        counts,
                        width=width * 0.92,
                        bottom=base,
                        color=STATUS_COLORS[status],
                        edgecolor="none",
                        zorder=3,
                        gid=f"spread-bars-{status}",
                    )
                base = base + counts
            ax.set_ylim(0, height * 1.25)
        else:
            dots = ax.scatter(
                xs, ys, s=44, c=colors, edgecolors="white", linewidths=0.6, zorder=3,
                label="_nolegend_",
            )  # fmt: skip
            dots.set_gid("spread-dots")
            ax.set_ylim(0.3, max(height + 2.6, height * 1.2 + 1.2))
        ax.set_xlim(start, (math.floor(top * 1.08 / width) + 1) * width)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6, min_n_ticks=1))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(_pct_formatter(lang))
        ax.set_xlabel(
            _("% of the term target reached (cumulative)"), fontsize=STYLE["axes.labelsize"]
        )
        ax.set_ylabel(_("Number of units"), fontsize=STYLE["axes.labelsize"])
        ax.grid(axis="x", visible=False)

        pace_text = _("Time elapsed {pct}", pct=_pct_short(elapsed, lang))
        line = ax.axvline(elapsed, color=_PACE, linestyle="--", linewidth=1.1, zorder=2)
        line.set_gid("pace-line")
        # the two reference lines get their labels on opposite sides so that they never meet
        fed_left = fed_pct is not None and fed_pct < elapsed
        pace_label = ax.annotate(
            pace_text,
            xy=(elapsed, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-4 if not fed_left else 4, -2),
            textcoords="offset points",
            ha="right" if not fed_left else "left",
            va="top",
            fontsize=8,
            color=_PACE,
            fontweight="bold",
            gid="pace-label",
            bbox=_LABEL_BOX,
            zorder=4,
        )
        labels = [pace_label]
        if fed_pct is not None:
            fed_text = _(
                "{name} as a whole: {pct}", name=_nfc(fed["unit_name"]), pct=_pct(fed_pct, lang)
            )
            fline = ax.axvline(fed_pct, color=_FEDERATION, linestyle="-", linewidth=1.3, zorder=2)
            fline.set_gid("federation-line")
            labels.append(
                ax.annotate(
                    fed_text,
                    xy=(fed_pct, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(-4 if fed_left else 4, -2),
                    textcoords="offset points",
                    ha="right" if fed_left else "left",
                    va="top",
                    fontsize=8,
                    color=_FEDERATION,
                    fontweight="bold",
                    gid="federation-label",
                    bbox=_LABEL_BOX,
                    zorder=4,
                )
            )

        parts = [_("Illustrative data").upper()] if _is_demo(df) else []
        parts.append(
            _(
                "Cumulative to the end of {period}",
                period=_period_label(units["period"].iloc[0], lang),
            )
        )
        parts.append(_("{n} units with a target and a report", n=format_number(len(shown), lang)))
        if over:
            parts.append(
                _(
                    "{n} units above {pct}, counted in the last bar",
                    n=format_number(over, lang),
                    pct=_pct_short(top, lang),
                )
            )
        negative = int((shown["cum_actual"] < 0).sum()) if "cum_actual" in shown else 0
        if negative:
            parts.append(_("{n} with a negative cumulative, counted as 0%", n=negative))
        left_out = units[~keep]["status"].value_counts()
        if not left_out.empty:
            items = ", ".join(
                _("{n} {status}", n=int(left_out[s]), status=status_label(s, lang).lower())
                for s in STATUSES
                if s in left_out.index
            )
            parts.append(_("not counted: {items}", items=items))
        title = [
            _("How the units' shares of the term target are spread"),
            metric_label(metric, lang),
        ]
        _finish(ax, title, parts, legend=_status_handles(list(shown["status"]), lang))
        _keep_inside(ax, labels)
    return ax


# ---------------------------------------------------------------------------------------------
# 4. Output


_SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


#: White space kept around a chart's drawn area, in inches.
PAD_INCHES = 0.08


def _tight_box(
    fig: Figure, lay_out: bool = True, renderer: object = None, pad: float = PAD_INCHES
) -> Bbox:
    """Lay the figure out at the PNG's resolution; return the box its drawing fills, padded.

    This is what `savefig(bbox_inches="tight")` measures with a draw of its own before every
    image. `lay_out=False` only measures a figure whose layout is frozen already, with
    `renderer` if given, one at the PNG's resolution (see `pace_images`). The box is in
    inches, with `pad` inches of white space around the drawing; a padded box is widened to
    whole pixels (`_whole_pixels`).
    """
    with _png_dpi(fig):
        if lay_out:
            fig.draw_without_rendering()  # runs the layout engine, renders nothing
        box = fig.get_tightbbox(renderer or _renderer(fig))
    return _whole_pixels(box.padded(pad)) if pad else box


def _whole_pixels(box: Bbox) -> Bbox:
    """Return a box (inches) widened to whole pixels at the PNG's resolution.

    Its corners on the pixel grid, a chart drawn in that box is the chart drawn on its whole
    canvas, shifted by whole pixels: the same pixels, so a canvas already drawn can be cut to
    it (`_lay_out`). The far corner lies a hair past its pixel, since Agg truncates the
    canvas's size to whole pixels.
    """
    p = box.get_points() * PNG_DPI
    return Bbox([np.floor(p[0] + 1e-6) / PNG_DPI, (np.ceil(p[1] - 1e-6) + 1e-6) / PNG_DPI])


def _size(box: Bbox) -> tuple[int, int]:
    """Return the height and width, in pixels, of the PNG of a box on the pixel grid."""
    w, h = np.round(np.array([box.width, box.height]) * PNG_DPI).astype(int)
    return int(h), int(w)


def _lay_out(fig: Figure) -> tuple[Bbox, np.ndarray | None]:
    """Lay the figure out and draw it at the PNG's resolution, once; return its box and pixels.

    `_tight_box` lays a chart out without drawing it, and its PNG is drawn afterwards: two
    passes over every part. Here one draw on the figure's own Agg canvas does both: the
    layout engine runs, the parts are drawn, the box they fill is measured with the same
    renderer (its text sizes cached) and the canvas's pixels are cut to it, white where the
    box reaches past the canvas. Those are the pixels `_render` would draw in that box, pixel
    for pixel. The pixels are None (to be drawn in the box, as before) when the figure is on
    another canvas or something is drawn within two pixels of its edge, where the canvas
    cuts it off and a drawing in the box would not.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        return _tight_box(fig), None
    with _png_dpi(fig):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        drawn = fig.get_tightbbox(renderer)
        canvas = np.asarray(renderer.buffer_rgba())
    box = _whole_pixels(drawn.padded(PAD_INCHES))
    height, width = canvas.shape[:2]
    (dx0, dy0), (dx1, dy1) = drawn.get_points() * PNG_DPI
    if not (dx0 >= 2 and dy0 >= 2 and dx1 <= width - 2 and dy1 <= height - 2):
        return box, None
    x0, y0 = np.round(box.get_points()[0] * PNG_DPI).astype(int)
    h, w = _size(box)
    x1, y1 = x0 + w, y0 + h
    pixels = np.full((h, w, 4), 255, dtype=np.uint8)  # the white of savefig's facecolor
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    # rows run from the top down in the pixels, y from the bottom up in the box
    pixels[y1 - cy1 : y1 - cy0, cx0 - x0 : cx1 - x0] = canvas[height - cy1 : height - cy0, cx0:cx1]
    return box, pixels


#: zlib's effort for the PNG files (PIL's default is 6). Measured over a batch's charts, each
#: kept as RGB: 1 encodes in two thirds of the time and the files are no larger (flat colour
#: compresses well at any effort).
_PNG_COMPRESSION = 1


def _png(pixels: np.ndarray) -> bytes:
    """Return RGBA pixels as PNG bytes at the PNG's resolution.

    A chart on white is opaque: its PNG is written as RGB, a quarter fewer bytes to compress,
    and a PDF takes its colours as they are, where an alpha channel must be split off into a
    mask of its own, encoded again.
    """
    from PIL import Image

    image = Image.fromarray(pixels)
    if image.getextrema()[3] == (255, 255):  # every pixel opaque
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="png", dpi=(PNG_DPI, PNG_DPI), compress_level=_PNG_COMPRESSION)
    return buf.getvalue()


def _images(
    fig: Figure, box: Bbox, svg: bool, pixels: np.ndarray | None = None
) -> dict[str, bytes]:
    """Return the PNG and, with `svg`, the SVG of a figure whose layout is frozen.

    `pixels` are the PNG's, when drawn already (`_lay_out`).
    """
    images = {"png": _png(pixels) if pixels is not None else _render(fig, "png", box)}
    if svg:
        images["svg"] = _render(fig, "svg", box)
    return images


def chart_title(fig: Figure) -> str:
    """Return a chart's title on one line (its image's text alternative)."""
    titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    return " ".join(" ".join(t for t in titles if t).split())


def _render(fig: Figure, fmt: str, box: Bbox) -> bytes:
    """Return the part `box` (inches) of a laid-out figure as PNG or SVG bytes."""
    if fmt == "png":
        return _png(_raw(fig, box))
    buf = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": "ptdv"}):
        fig.savefig(
            buf,
            format=fmt,
            dpi=PNG_DPI,
            bbox_inches=box,
            facecolor="white",
            metadata=_SVG_METADATA,
        )
    return buf.getvalue()


def figure_images(fig: Figure | Axes, svg: bool = True) -> dict[str, bytes]:
    """Return a chart as PNG bytes (150 dpi, white background) and, with `svg`, SVG bytes.

    One pass lays the figure out and draws its PNG (`_lay_out`); the SVG is then drawn with
    the layout frozen (its glyphs as paths, no external references). Each
    `savefig(bbox_inches="tight")` would lay the figure out twice more.
    """
    fig = _root_figure(fig)
    box, pixels = _lay_out(fig)
    engine = fig.get_layout_engine()
    # no engine at all: savefig lays out (draws) once more before drawing if there is one,
    # even the placeholder that set_layout_engine("none") leaves
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    try:
        return _images(fig, box, svg, pixels)
    finally:
        fig.set_layout_engine(engine)


def figure_to_png_bytes(fig: Figure | Axes) -> bytes:
    """Return a chart as PNG bytes (150 dpi, white background), e.g. to embed in HTML or mail."""
    return figure_images(fig, svg=False)["png"]


def figure_to_svg_bytes(fig: Figure | Axes) -> bytes:
    """Return a chart as a self-contained SVG (glyphs drawn as paths, no external references)."""
    return figure_images(fig)["svg"]


def _close(fig: Figure) -> None:
    """Release a figure: through pyplot if pyplot manages it, else by clearing it."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and getattr(fig.canvas, "manager", None) is not None:
        pyplot.close(fig)
    else:
        fig.clear()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(
    ax_or_fig: Axes | Figure,
    stem: Path | str,
    images: dict[str, bytes] | None = None,
    svg: bool = True,
) -> list[Path]:
    """Write `<stem>.png` and, with `svg`, `<stem>.svg`, each via a temp file beside it.

    `images` are the figure's `figure_images` when the caller has rendered them already
    (`figure_html`), so that they are not rendered twice. Every image is rendered before
    any file is touched, so a failure leaves the previous files as they were. Closes the
    figure; returns the paths, PNG first.
    """
    fig = _root_figure(ax_or_fig)
    try:
        if images is None or (svg and "svg" not in images):
            images = figure_images(fig, svg=svg)
    finally:
        _close(fig)
    return write_images(stem, images)


def write_images(stem: Path | str, images: dict[str, bytes]) -> list[Path]:
    """Write `<stem>.<format>` for each of `images`, each via a temp file beside it."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~_umask()
    written = []
    for fmt, data in images.items():
        final = stem.parent / f"{stem.name}.{fmt}"
        fd, tmp = tempfile.mkstemp(prefix=f".{stem.name}.", suffix=f".{fmt}.tmp", dir=stem.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)  # mkstemp makes 0600 files; the images are to be shared
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        written.append(final)
    return written
