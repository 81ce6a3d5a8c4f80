"""The pieces of a progress report, as HTML fragments the report notebook displays.

`ReportContext.load` gathers everything one report needs (plan card, calendar, processed
tables, progress, quality log, provenance); the functions below turn it into HTML. Numbers
go through Babel (`1.487.307`, `9,86%`), dates are dd/mm/yyyy, units keep the order of the
official table. The notebook only calls these and shows the charts from `ptdv.report.charts`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import subprocess
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from ptdv import __version__, progress
from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.plan import config
from ptdv.plan.config import PlanCard
from ptdv.plan.periods import ALIASES, Calendar
from ptdv.report.texts import STATUS_FILLS, column_label, metric_label, status_label
from ptdv.tables.numbers import format_number, format_percent
from ptdv.tables.units import unit_key

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPORT_PARAMETERS = ("plan_id", "period", "unit", "lang", "charts_dir")

#: What each quality check means, for readers of the appendix.
CHECK_TEXT = {
    "vi": {
        "duplicate_unit": "Tên đơn vị bị trùng trong bảng nguồn: hai dòng được giữ riêng, "
        "không gộp; cần sửa tại nguồn.",
        "derived_rule": "Số liệu không khớp quy tắc tính ghi ở tiêu đề cột; số liệu gốc "
        "được giữ nguyên.",
        "declared_total": "Tổng của bảng khác tổng chỉ tiêu nêu trong văn bản: bảng có thể "
        "thiếu dòng.",
        "totals_row": "Dòng tổng cộng không khớp tổng các đơn vị.",
        "net_mismatch": "Số đoàn viên tăng thêm khác số kết nạp trừ số giảm; số liệu báo "
        "cáo được giữ nguyên.",
        "missing_report": "Đơn vị chưa gửi báo cáo kỳ này: ghi là \u201cChưa báo cáo\u201d, "
        "không tính bằng 0.",
        "negative_value": "Số âm ở chỉ tiêu không thể âm.",
        "copy_differs": "Bản sao của bảng khác bản chính.",
        "unmapped_column": "Cột không có trong thẻ kế hoạch nên không được đọc.",
        "not_whole_number": "Số liệu có phần thập phân ở chỉ tiêu phải là số nguyên.",
        "empty_report": "Biểu báo cáo gửi về để trống.",
        "not_a_form": "Tệp không phải biểu báo cáo.",
        "file_name": "Tên tệp không khớp đơn vị trong biểu.",
        "demo_mark": "Biểu mang dấu số liệu minh họa.",
        "running_total": "Số lũy kế khác tổng số liệu các kỳ 6 tháng; báo cáo dùng số lũy kế.",
        "formula": "Ô tổng cộng chứa công thức chưa có giá trị hoặc chữ: không kiểm tra được.",
    },
    "en": {
        "duplicate_unit": "A unit name appears twice in the source: the rows are kept apart, "
        "not merged; correct the source.",
        "derived_rule": "A figure does not follow the rule its column header states; the "
        "source figure is kept.",
        "declared_total": "The table's total differs from the total the plan's text "
        "declares: rows may be missing.",
        "totals_row": "A totals row does not equal the sum of its units.",
        "net_mismatch": "Net increase differs from admissions minus losses; the reported "
        "figures are kept.",
        "missing_report": "The unit sent no report for the period: shown as \u201cno "
        "report\u201d, never as zero.",
        "negative_value": "A negative figure for a metric that cannot be negative.",
        "copy_differs": "A copy of the table differs from the original.",
        "unmapped_column": "A column not in the plan card was not read.",
        "not_whole_number": "A figure has decimals where a whole number is expected.",
        "empty_report": "A report form came back empty.",
        "not_a_form": "A file that is not a report form.",
        "file_name": "A file's name does not match the unit in it.",
        "demo_mark": "A form carries the demo-data mark.",
        "running_total": "A running total differs from the sum of the half-year figures; the "
        "report uses the running total.",
        "formula": "A totals cell holds a formula with no value, or text: it cannot be checked.",
    },
}
METHOD_TEXT = {
    "vi": {
        "table": "theo bảng giao chỉ tiêu của kỳ",
        "half_of_year": "bằng một nửa chỉ tiêu năm",
        "sum_of_halves": "tổng chỉ tiêu hai kỳ 6 tháng",
        "sum_of_years": "tổng chỉ tiêu các năm",
        "sum_to_date": "tổng chỉ tiêu các kỳ 6 tháng từ đầu nhiệm kỳ",
        "pro_rata_term": "chỉ tiêu nhiệm kỳ chia đều theo số kỳ 6 tháng",
        "none": "không có chỉ tiêu kỳ",
    },
    "en": progress.TARGET_METHODS,
}
#: Short names of the checks whose findings are only counted (info) in the appendix.
CHECK_NAMES = {
    "vi": {
        "layout": "bố cục bảng",
        "copy_agrees": "bản sao khớp bản chính",
        "totals_row": "dòng tổng cộng",
        "unit_name": "tên đơn vị được chuẩn hóa",
        "zero_target": "chỉ tiêu bằng 0",
        "derived_rule": "quy tắc tính của cột",
        "declared_total": "tổng nêu trong văn bản",
        "forms_read": "biểu báo cáo đã đọc",
        "no_table": "không có bảng đơn vị",
        "running_total": "số lũy kế đối chiếu với số liệu các kỳ",
    },
    "en": {},
}
SEVERITY_TEXT = {
    "vi": {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"},
    "en": {"error": "Error", "warning": "Warning", "info": "Note"},
}
T = {
    "vi": {
        "subject": "Phát triển đoàn viên, thành lập công đoàn cơ sở",
        "report": "Báo cáo tiến độ",
        "plan": "Kế hoạch",
        "doc": "Văn bản",
        "period": "Kỳ báo cáo",
        "unit": "Đơn vị",
        "demo": "SỐ LIỆU MINH HỌA — số liệu thực hiện trong báo cáo này là số liệu minh họa, "
        "không phải báo cáo thật của các đơn vị.",
        "elapsed": "Thời gian đã qua",
        "of_term": "của nhiệm kỳ",
        "term_pct": "so chỉ tiêu nhiệm kỳ",
        "period_pct": "so chỉ tiêu kỳ",
        "total": "Tổng cộng",
        "commend": "Đơn vị đạt hoặc vượt chỉ tiêu kỳ (đề nghị biểu dương)",
        "behind": "Đơn vị chậm tiến độ",
        "none": "Không có đơn vị nào.",
        "needed": "cần bình quân mỗi 6 tháng còn lại",
        "behind_note": "Xếp từ đơn vị chậm nhất so với tiến độ thời gian.",
        "quality": "Phụ lục: chất lượng số liệu",
        "quality_intro": "Các vấn đề phát hiện khi làm sạch số liệu. Không phát hiện nào "
        "làm thay đổi số liệu gốc.",
        "quality_none": "Không có lỗi hay cảnh báo.",
        "quality_info": "Ghi nhận khác (thông tin)",
        "source": "Nguồn",
        "level": "Mức độ",
        "problem": "Vấn đề",
        "row": "dòng",
        "detail": "Chi tiết",
        "footer": "Thông tin tạo báo cáo",
        "params": "Tham số",
        "inputs": "Tệp đầu vào (SHA-256)",
        "commit": "Phiên bản mã (git)",
        "version": "Phiên bản ptdv",
        "generated": "Thời điểm tạo",
        "method": "Cách tính chỉ tiêu kỳ",
        "rank_of": "xếp thứ {rank}/{n} đơn vị có chỉ tiêu",
        "no_rank": "không xếp hạng",
    },
    "en": {
        "subject": "Union membership development and new grassroots unions",
        "report": "Progress report",
        "plan": "Plan",
        "doc": "Document",
        "period": "Period",
        "unit": "Unit",
        "demo": "DEMO DATA — the actual figures in this report are made up for "
        "demonstration; they are not the units' real reports.",
        "elapsed": "Time elapsed",
        "of_term": "of the term",
        "term_pct": "of the term target",
        "period_pct": "of the period target",
        "total": "Total",
        "commend": "Units at or above their period target (for commendation)",
        "behind": "Units behind schedule",
        "none": "None.",
        "needed": "needed on average per remaining half-year",
        "behind_note": "Furthest behind the pace first.",
        "quality": "Appendix: data quality",
        "quality_intro": "Problems found while cleaning the figures. No finding changed a "
        "source figure.",
        "quality_none": "No errors or warnings.",
        "quality_info": "Other notes",
        "source": "Source",
        "level": "Severity",
        "problem": "Problem",
        "row": "row",
        "detail": "Detail",
        "footer": "About this report",
        "params": "Parameters",
        "inputs": "Input files (SHA-256)",
        "commit": "Code version (git)",
        "version": "ptdv version",
        "generated": "Generated",
        "method": "Period target",
        "rank_of": "ranked {rank} of {n} units with a target",
        "no_rank": "not ranked",
    },
}


def esc(value: object) -> str:
    """Return text escaped for HTML."""
    return html.escape("" if value is None else str(value))


def num(value: float | None, lang: str) -> str:
    """Return a count in the report's language ('–' when missing).

    A small target split in halves (2,5 unions) keeps its decimal; large ones are rounded.
    """
    if value is not None and not pd.isna(value) and abs(value) < 100 and value % 1:
        return format_number(value, lang, 1)
    return format_number(value, lang)


def pct(value: float | None, lang: str) -> str:
    """Return a ratio as a percentage with two decimals ('–' when missing)."""
    return format_percent(value, lang, 2)


def git_commit() -> str:
    """Return the project's git commit (with '+changes' when the tree differs), or 'unknown'."""
    try:
        root = str(paths.root())
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def resolve_unit(unit: str | None, units: pd.DataFrame, plan_id: str) -> str | None:
    """Return the unit id for a unit given by id or name; ConfigError lists the valid ones."""
    if unit is None or unit == "":
        return None
    if unit in set(units["unit_id"]):
        return unit
    ids = units["unit_id"].tolist()
    names = units["unit_name"].tolist()
    # a name is matched as the cleaning matched it (same key), unless the table repeats it
    hits = [i for i, n in zip(ids, names, strict=True) if unit_key(n) == unit_key(unit)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ConfigError(
            f"plan {plan_id}: unit name {unit!r} is ambiguous ({', '.join(hits)}); give the id"
        )
    valid = ", ".join(f"{i} ({n})" for i, n in zip(ids, names, strict=True))
    raise ConfigError(f"plan {plan_id} has no unit {unit!r}; valid units: {valid}")


def check_parameters(params: dict) -> None:
    """Refuse report parameters that are unknown or name no plan, period, unit or language."""
    unknown = sorted(set(params) - set(REPORT_PARAMETERS))
    if unknown:
        raise ConfigError(
            f"unknown report parameter(s) {', '.join(unknown)}; valid: "
            f"{', '.join(REPORT_PARAMETERS)}"
        )
    card = config.load_card(params["plan_id"])
    cal = Calendar.from_card(card)
    try:
        if params["period"] not in ALIASES:  # resolved later, on the cleaned figures
            cal.period(params["period"])
    except ValueError as err:
        raise ConfigError(f"plan {card.plan_id}: {err}") from None
    if params.get("lang", "vi") not in ("vi", "en"):
        raise ConfigError(f"unknown language {params['lang']!r}; valid: vi, en")
    if params.get("unit"):
        units_file = paths.processed_dir(card.plan_id) / "units.parquet"
        if units_file.is_file():
            resolve_unit(params["unit"], pd.read_parquet(units_file), card.plan_id)


@dataclass
class ReportContext:
    """Everything one report needs."""

    card: PlanCard
    cal: Calendar
    period: str
    unit_id: str | None
    lang: str
    units: pd.DataFrame
    targets: pd.DataFrame
    actuals: pd.DataFrame
    progress: pd.DataFrame
    quality: pd.DataFrame
    inputs: list[dict]
    metrics: list[str]
    #: named extra figures per unit (card columns of kind `info`); never used for progress
    info: pd.DataFrame = field(default_factory=pd.DataFrame)
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(TZ))
    commit: str = field(default_factory=git_commit)

    @classmethod
    def load(cls, plan_id: str, period: str, unit: str | None = None, lang: str = "vi"):
        """Return the context of one report, from the plan's processed tables."""
        check_parameters({"plan_id": plan_id, "period": period, "unit": unit, "lang": lang})
        card = config.load_card(plan_id)
        data = progress.load_processed(plan_id)
        d = paths.processed_dir(plan_id)
        stored = d / f"progress_{period}.parquet"
        if stored.is_file():
            prog = pd.read_parquet(stored)
        else:
            prog = progress.compute_progress(card, data.units, data.targets, data.actuals, period)
        quality = pd.read_csv(d / "quality.csv", dtype={"row": "Int64"})
        manifest = json.loads((d / "inputs.json").read_text("utf-8"))
        unit_id = resolve_unit(unit, data.units, plan_id)
        return cls(
            card=card,
            cal=Calendar.from_card(card),
            period=period,
            unit_id=unit_id,
            lang=lang,
            units=data.units,
            targets=data.targets,
            actuals=data.actuals,
            progress=prog,
            quality=quality,
            inputs=manifest["inputs"],
            metrics=list(dict.fromkeys(prog["metric"])),
            info=progress.load_info(plan_id),
        )

    @property
    def t(self) -> dict[str, str]:
        """Return the report's words in its language."""
        return T[self.lang]

    @property
    def unit_name(self) -> str | None:
        """Return the report's unit name (None for the federation report)."""
        if self.unit_id is None:
            return None
        return str(self.units.set_index("unit_id").at[self.unit_id, "unit_name"])

    def row(self, metric: str, unit_id: str | None = None) -> pd.Series:
        """Return the progress row of a unit (or the federation) for a metric."""
        p = self.progress[self.progress["metric"] == metric]
        if unit_id is None:
            return p[p["level"] == "federation"].iloc[0]
        return p[(p["level"] == "unit") & (p["unit_id"] == unit_id)].iloc[0]

    def trend(self, metric: str) -> pd.DataFrame:
        """Return the half-year trend of the report's unit (or the federation)."""
        return progress.trend(
            self.card, self.units, self.targets, self.actuals, self.period, metric, self.unit_id
        )


def demo_banner(ctx: ReportContext) -> str:
    """Return the demo-data mark, or '' when the figures are real."""
    if not (ctx.card.actuals.demo or ctx.card.demo):
        return ""
    return f'<div class="ptdv-demo">{esc(ctx.t["demo"])}</div>'


def title_block(ctx: ReportContext) -> str:
    """Return the report's title block: issuer, subject, plan, document, period."""
    t, card, lang = ctx.t, ctx.card, ctx.lang
    doc_date = card.document.date
    if isinstance(doc_date, dt.date):
        doc_date = doc_date.strftime("%d/%m/%Y")
    else:
        parts = doc_date.split("-")
        doc_date = "/".join(reversed(parts))
    who = f'<p class="ptdv-unit">{esc(t["unit"])}: {esc(ctx.unit_name)}</p>' if ctx.unit_id else ""
    return (
        '<header class="ptdv-title">'
        f'<p class="ptdv-issuer">{esc(card.issuer.upper())}</p>'
        f"<h1>{esc(t['subject'])}</h1>"
        f'<p class="ptdv-kind">{esc(t["report"])} · {esc(ctx.cal.label(ctx.period, lang))}</p>'
        f"{who}"
        '<table class="ptdv-meta">'
        f"<tr><th>{esc(t['plan'])}</th><td>{esc(card.title)}</td></tr>"
        f"<tr><th>{esc(t['doc'])}</th><td>{esc(card.document.number)}, {esc(doc_date)}</td></tr>"
        f"<tr><th>{esc(t['period'])}</th><td>{esc(ctx.cal.label(ctx.period, lang))} "
        f"({esc(ctx.cal.date_range(ctx.period))})</td></tr>"
        f"<tr><th>{esc(t['elapsed'])}</th><td>"
        f"{pct(float(ctx.cal.elapsed_share(ctx.period)), lang)} {esc(t['of_term'])} "
        f"({esc(ctx.cal.date_range('term'))})</td></tr>"
        "</table></header>"
    )


def _lower_first(text: str) -> str:
    """Return text with its first letter in lower case (abbreviations such as CĐCS kept)."""
    return text[:1].lower() + text[1:]


def _sentence_vi(ctx: ReportContext, metric: str, r: pd.Series, units: pd.DataFrame) -> str:
    lang = "vi"
    who = ctx.unit_name if ctx.unit_id else "Toàn hệ thống"
    counts = units["status"].value_counts()
    p = ctx.cal.period(ctx.period)
    if p.kind == "span":  # from the term's start: to-date, mid-term
        review = "Sơ kết giữa nhiệm kỳ: t" if p.id == "mid-term" else "T"
        opening = f"{review}ừ đầu nhiệm kỳ đến {p.end:%d/%m/%Y}"
    else:
        opening = f"Đến hết {ctx.cal.label(ctx.period, lang).lower()}"
    s = (
        f"{opening} "
        f"({ctx.cal.date_range(ctx.period)}), {who.lower() if not ctx.unit_id else who} "
        f"đạt {num(r['cum_actual'], lang)} ({_lower_first(metric_label(metric, lang))}), bằng "
        f"{pct(r['cum_pct'], lang)} chỉ tiêu nhiệm kỳ ({num(r['term_target'], lang)}), "
        f"trong khi thời gian đã qua {pct(r['elapsed_share'], lang)} nhiệm kỳ: "
        f"{status_label(r['status'], lang).lower()}."
    )
    if p.kind == "span" and not pd.isna(r["period_target"]):
        s += (
            f" So với tổng chỉ tiêu các kỳ đến nay ({num(r['period_target'], lang)}), đạt "
            f"{pct(r['period_pct'], lang)}."
        )
    elif not pd.isna(r["period_actual"]) and not pd.isna(r["period_target"]):
        s += (
            f" Riêng kỳ này thực hiện {num(r['period_actual'], lang)}, bằng "
            f"{pct(r['period_pct'], lang)} chỉ tiêu kỳ ({num(r['period_target'], lang)})."
        )
    if ctx.unit_id is None:
        s += (
            f" Có {counts.get('behind', 0)}/{len(units)} đơn vị chậm tiến độ, "
            f"{counts.get('on_track', 0)} đúng tiến độ, {counts.get('ahead', 0)} vượt tiến độ"
        )
        if counts.get("no_report", 0):
            s += f", {counts.get('no_report', 0)} chưa báo cáo"
        if counts.get("no_target", 0):
            s += f", {counts.get('no_target', 0)} không được giao chỉ tiêu"
        s += "."
    if not pd.isna(r["needed_per_half"]) and r["halves_remaining"]:
        s += (
            f" Để hoàn thành chỉ tiêu nhiệm kỳ, mỗi 6 tháng còn lại cần bình quân "
            f"{num(r['needed_per_half'], lang)}."
        )
    return s


def _sentence_en(ctx: ReportContext, metric: str, r: pd.Series, units: pd.DataFrame) -> str:
    lang = "en"
    who = ctx.unit_name if ctx.unit_id else "the federation as a whole"
    counts = units["status"].value_counts()
    p = ctx.cal.period(ctx.period)
    if p.kind == "span":  # from the term's start: to-date, mid-term
        review = "Mid-term review: f" if p.id == "mid-term" else "F"
        opening = f"{review}rom the start of the term to {p.end:%d/%m/%Y}"
    else:
        opening = f"By the end of the {ctx.cal.label(ctx.period, lang).lower()}"
    s = (
        f"{opening} "
        f"({ctx.cal.date_range(ctx.period)}), {who} reached "
        f"{num(r['cum_actual'], lang)} ({_lower_first(metric_label(metric, lang))}), "
        f"{pct(r['cum_pct'], lang)} of the term target ({num(r['term_target'], lang)}), with "
        f"{pct(r['elapsed_share'], lang)} of the term elapsed: "
        f"{status_label(r['status'], lang).lower()}."
    )
    if p.kind == "span" and not pd.isna(r["period_target"]):
        s += (
            f" Against the targets of the half-years so far ({num(r['period_target'], lang)}), "
            f"that is {pct(r['period_pct'], lang)}."
        )
    elif not pd.isna(r["period_actual"]) and not pd.isna(r["period_target"]):
        s += (
            f" In this period alone: {num(r['period_actual'], lang)}, "
            f"{pct(r['period_pct'], lang)} of the period target "
            f"({num(r['period_target'], lang)})."
        )
    if ctx.unit_id is None:
        s += (
            f" {counts.get('behind', 0)} of {len(units)} units are behind, "
            f"{counts.get('on_track', 0)} on track, {counts.get('ahead', 0)} ahead"
        )
        if counts.get("no_report", 0):
            s += f", {counts.get('no_report', 0)} sent no report"
        if counts.get("no_target", 0):
            s += f", {counts.get('no_target', 0)} have no target"
        s += "."
    if not pd.isna(r["needed_per_half"]) and r["halves_remaining"]:
        s += (
            f" To reach the term target, each remaining half-year needs "
            f"{num(r['needed_per_half'], lang)} on average."
        )
    return s


def headline(ctx: ReportContext) -> str:
    """Return the headline figures and a paragraph written from the data, per metric."""
    out = []
    lang = ctx.lang
    for metric in ctx.metrics:
        r = ctx.row(metric, ctx.unit_id)
        units = ctx.progress[(ctx.progress["metric"] == metric) & (ctx.progress["level"] == "unit")]
        sentence = (_sentence_vi if lang == "vi" else _sentence_en)(ctx, metric, r, units)
        status = r["status"]
        out.append(
            '<section class="ptdv-headline">'
            f"<h2>{esc(metric_label(metric, lang))}</h2>"
            '<div class="ptdv-cards">'
            f'<div class="ptdv-card"><span class="big">{num(r["cum_actual"], lang)}</span>'
            f"<span>/ {num(r['term_target'], lang)} · {pct(r['cum_pct'], lang)} "
            f"{esc(ctx.t['term_pct'])}</span></div>"
            f'<div class="ptdv-card"><span class="big">{pct(r["elapsed_share"], lang)}</span>'
            f"<span>{esc(ctx.t['elapsed'])}</span></div>"
            f'<div class="ptdv-card" style="background:{STATUS_FILLS[status]}">'
            f'<span class="big">{esc(status_label(status, lang))}</span>'
            f"<span>{esc(column_label('status', lang))}</span></div>"
            "</div>"
            f"<p>{esc(sentence)}</p>"
            "</section>"
        )
    return "".join(out)


TABLE_COLUMNS = [
    "order", "unit_name", "period_target", "period_actual", "period_pct", "term_target",
    "cum_actual", "cum_pct", "status", "needed_per_half", "rank",
]  # fmt: skip


def _cell(col: str, value: object, lang: str) -> str:
    if col in ("period_pct", "cum_pct"):
        return pct(value, lang)
    if col in ("order", "rank"):
        return "" if value is None or pd.isna(value) or value == 0 else str(int(value))
    if col == "status":
        return esc(status_label(str(value), lang))
    if col == "unit_name":
        return esc(value)
    return num(value, lang)


def units_table(ctx: ReportContext, metric: str) -> str:
    """Return the table of units (official order) with the federation total, status colours."""
    lang = ctx.lang
    p = ctx.progress[ctx.progress["metric"] == metric]
    units = p[p["level"] == "unit"].sort_values("order")
    fed = p[p["level"] == "federation"]
    methods = sorted(set(units["target_method"]))
    if ctx.unit_id is not None:  # a unit's report: its row against the federation's
        units = units[units["unit_id"] == ctx.unit_id]
    head = "".join(f"<th>{esc(column_label(c, lang))}</th>" for c in TABLE_COLUMNS)
    body = []
    for _, r in pd.concat([units, fed]).iterrows():
        cls = ["fed"] if r["level"] == "federation" else []
        if ctx.unit_id and r["unit_id"] == ctx.unit_id and r["level"] == "unit":
            cls.append("me")
        cells = []
        for c in TABLE_COLUMNS:
            value = r[c]
            if c == "unit_name" and r["level"] == "federation":
                value = f"{ctx.t['total']} ({r['unit_name']})"
            style = f' style="background:{STATUS_FILLS[r["status"]]}"' if c == "status" else ""
            kind = "txt" if c in ("unit_name", "status") else "num"
            kind = "status" if c == "status" else kind
            cells.append(f'<td class="{kind}"{style}>{_cell(c, value, lang)}</td>')
        body.append(f'<tr class="{" ".join(cls)}">{"".join(cells)}</tr>')
    note = "; ".join(METHOD_TEXT[lang][m] for m in methods)
    return (
        f"<h3>{esc(metric_label(metric, lang))}</h3>"
        f'<table class="ptdv-units"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<p class="ptdv-note">{esc(ctx.t["method"])}: {esc(note)}.</p>'
    )


LIST_COLUMNS = ["order", "unit_name", "period_actual", "period_target", "period_pct", "cum_pct"]


def lists(ctx: ReportContext, metric: str) -> str:
    """Return the units to commend and the units behind, with what each still needs."""
    lang, t = ctx.lang, ctx.t
    good = progress.commend(ctx.progress, metric)
    bad = progress.behind(ctx.progress, metric)

    def table(df: pd.DataFrame, needed: bool) -> str:
        if df.empty:
            return f"<p>{esc(t['none'])}</p>"
        cols = LIST_COLUMNS + (["needed_per_half"] if needed else [])
        head = "".join(f"<th>{esc(column_label(c, lang))}</th>" for c in cols)
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td class="{"txt" if c == "unit_name" else "num"}">{_cell(c, r[c], lang)}</td>'
                for c in cols
            )
            + "</tr>"
            for _, r in df.iterrows()
        )
        return (
            f'<table class="ptdv-list"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        )

    label = esc(metric_label(metric, lang))
    return (
        f'<section class="ptdv-lists"><h3>{esc(t["commend"])} — {label}</h3>{table(good, False)}'
        f"<h3>{esc(t['behind'])} — {label}</h3>"
        f'<p class="ptdv-note">{esc(t["behind_note"])}</p>{table(bad, True)}</section>'
    )


UNIT_FIGURES = [
    "period_target", "period_actual", "period_pct", "term_target", "cum_actual", "cum_pct",
    "expected_cum", "gap", "needed_per_half", "forecast_term_end",
]  # fmt: skip


def unit_summary(ctx: ReportContext) -> str:
    """Return a unit's own figures, status and rank, metrics side by side (federation: '')."""
    if ctx.unit_id is None:
        return ""
    lang, t = ctx.lang, ctx.t
    rows = {m: ctx.row(m, ctx.unit_id) for m in ctx.metrics}
    head = "".join(f"<th>{esc(metric_label(m, lang))}</th>" for m in ctx.metrics)

    def rank(m: str) -> str:
        r = rows[m]
        units = ctx.progress[(ctx.progress["metric"] == m) & (ctx.progress["level"] == "unit")]
        if pd.isna(r["rank"]):
            return t["no_rank"]
        return t["rank_of"].format(rank=int(r["rank"]), n=int(units["rank"].notna().sum()))

    body = [
        f"<tr><th>{esc(column_label('status', lang))}</th>"
        + "".join(
            f'<td style="background:{STATUS_FILLS[rows[m]["status"]]}">'
            f"{esc(status_label(rows[m]['status'], lang))}</td>"
            for m in ctx.metrics
        )
        + "</tr>",
        f"<tr><th>{esc(column_label('rank', lang))}</th>"
        + "".join(f"<td>{esc(rank(m))}</td>" for m in ctx.metrics)
        + "</tr>",
    ]
    for c in UNIT_FIGURES:
        body.append(
            f"<tr><th>{esc(column_label(c, lang))}</th>"
            + "".join(f'<td class="num">{_cell(c, rows[m][c], lang)}</td>' for m in ctx.metrics)
            + "</tr>"
        )
    missing = rows[ctx.metrics[0]]["missing_periods"] or "–"
    body.append(
        f"<tr><th>{esc(column_label('missing_periods', lang))}</th>"
        f'<td colspan="{len(ctx.metrics)}">{esc(missing)}</td></tr>'
    )
    for label, value in info_of(ctx.info, ctx.unit_id).items():
        body.append(
            f"<tr><th>{esc(label)}</th>"
            f'<td class="num" colspan="{len(ctx.metrics)}">{num(value, lang)}</td></tr>'
        )
    return (
        f'<section class="ptdv-unit-summary"><h3>{esc(ctx.unit_name)}</h3>'
        f'<table class="ptdv-figures"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></section>"
    )


def info_label(name: str, period: object) -> str:
    """Return an extra figure's heading: its name, with its period when the card gives one."""
    return name if period is None or pd.isna(period) else f"{name} ({period})"


def info_of(info: pd.DataFrame, unit_id: str) -> dict[str, float]:
    """Return a unit's named extra figures (card columns of kind `info`), in table order."""
    if info.empty:
        return {}
    mine = info[info["unit_id"] == unit_id]
    return {
        info_label(n, p): v
        for n, p, v in zip(mine["name"], mine["period"], mine["value"], strict=True)
    }


def quality_appendix(ctx: ReportContext) -> str:
    """Return the data-quality log in words a reader understands (errors and warnings)."""
    lang, t = ctx.lang, ctx.t
    q = ctx.quality
    if ctx.unit_id is not None:
        name = ctx.unit_name
        q = q[(q["unit"] == name) | q["unit"].isna()]
    main = q[q["severity"].isin(["error", "warning"])]
    rows = []
    for _, r in main.iterrows():
        where = esc(r["source"])
        if not pd.isna(r["row"]):
            where += f", {esc(t['row'])} {int(r['row'])}"
        rows.append(
            f'<tr class="{esc(r["severity"])}"><td>{esc(SEVERITY_TEXT[lang][r["severity"]])}</td>'
            f"<td>{esc(CHECK_TEXT[lang].get(r['check'], r['check']))}</td>"
            f"<td>{esc('' if pd.isna(r['unit']) else r['unit'])}</td><td>{where}</td>"
            f'<td class="detail">{esc(r["message"])}</td></tr>'
        )
    heads = [t["level"], t["problem"], t["unit"], t["source"], t["detail"]]
    table = (
        "<table class='ptdv-quality'><thead><tr>"
        + "".join(f"<th>{esc(h)}</th>" for h in heads)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else f"<p>{esc(t['quality_none'])}</p>"
    )
    info = q[q["severity"] == "info"]["check"].value_counts()
    names = CHECK_NAMES[lang]
    info_text = ", ".join(f"{esc(names.get(k, k))}: {v}" for k, v in info.items()) or "–"
    return (
        f'<section class="ptdv-appendix"><h2>{esc(t["quality"])}</h2>'
        f"<p>{esc(t['quality_intro'])}</p>{table}"
        f'<p class="ptdv-note">{esc(t["quality_info"])}: {info_text}.</p></section>'
    )


def report_inputs(ctx: ReportContext) -> list[dict]:
    """Return the input files of a report: all of them, or for a unit its own forms only."""
    if ctx.unit_id is None:
        return ctx.inputs
    ids = set(ctx.units["unit_id"])
    folder = f"/{ctx.card.actuals.folder}/"

    def mine(path: str) -> bool:
        if folder not in path:
            return True
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return stem == ctx.unit_id or stem not in ids  # its form, or a consolidated sheet

    return [i for i in ctx.inputs if mine(i["path"])]


def footer(ctx: ReportContext, params: dict) -> str:
    """Return the provenance footer: parameters, input hashes, commit, version, time."""
    t = ctx.t
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    prefix = f"data/raw/{ctx.card.plan_id}/"
    inputs = "".join(
        f"<tr><td>{esc(i['path'].removeprefix(prefix))}</td><td>{esc(i['sha256'])}</td></tr>"
        for i in report_inputs(ctx)
    )
    when = ctx.generated.strftime("%d/%m/%Y %H:%M (%Z)")
    return (
        f'<footer class="ptdv-footer"><h2>{esc(t["footer"])}</h2>'
        f"<p><b>{esc(t['params'])}:</b> <code>{esc(shown)}</code></p>"
        f"<p><b>{esc(t['commit'])}:</b> <code>{esc(ctx.commit)}</code> · "
        f"<b>{esc(t['version'])}:</b> {esc(__version__)} · "
        f"<b>{esc(t['generated'])}:</b> {esc(when)}</p>"
        f"<p><b>{esc(t['inputs'])}</b> ({esc(prefix)}…):</p>"
        f'<table class="ptdv-inputs"><tbody>{inputs}</tbody></table></footer>'
    )


def provenance(ctx: ReportContext, params: dict) -> dict:
    """Return the provenance of a report as data (for run.json and the Excel file)."""
    return {
        "parameters": params,
        "git_commit": ctx.commit,
        "ptdv_version": __version__,
        "generated": ctx.generated.isoformat(timespec="seconds"),
        "inputs": ctx.inputs,
    }


def figure_html(fig, alt: str, stem=None) -> str:  # noqa: ANN001 - a matplotlib Figure
    """Return a chart as an <img> with the PNG inline; also save PNG and SVG if `stem` is set."""
    import base64

    from ptdv.report import charts

    png = charts.figure_to_png_bytes(fig)
    if stem is not None:
        charts.save(fig, stem)
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="ptdv-chart" alt="{esc(alt)}" src="data:image/png;base64,{data}"/>'
