"""Words the reports use, in Vietnamese and English, and the one palette of statuses."""

from __future__ import annotations

from ptdv.plan.metrics import METRICS
from ptdv.progress import STATUS_LABELS

LANGS = ("vi", "en")

#: One colour per status, shared by charts, HTML tables and Excel cells.
STATUS_COLORS = {
    "ahead": "#1a7f37",  # green
    "on_track": "#2f6fbf",  # blue
    "behind": "#c62828",  # red
    "no_target": "#8c8c8c",  # grey
    "no_report": "#e08a00",  # amber
}
#: Light backgrounds for table cells of each status (text stays black).
STATUS_FILLS = {
    "ahead": "#d8f0dc",
    "on_track": "#dbe7f7",
    "behind": "#f8d7d5",
    "no_target": "#ececec",
    "no_report": "#fde9c8",
}

COLUMNS = {
    "vi": {
        "order": "TT",
        "unit_name": "Đơn vị",
        "period_target": "Chỉ tiêu kỳ",
        "period_actual": "Thực hiện kỳ",
        "period_pct": "% kỳ",
        "term_target": "Chỉ tiêu nhiệm kỳ",
        "cum_actual": "Lũy kế",
        "cum_pct": "% nhiệm kỳ",
        "expected_cum": "Lũy kế theo tiến độ",
        "gap": "Chênh lệch",
        "status": "Đánh giá",
        "needed_per_half": "Cần mỗi 6 tháng còn lại",
        "forecast_term_end": "Dự báo cuối nhiệm kỳ",
        "rank": "Xếp hạng",
        "missing_periods": "Kỳ chưa báo cáo",
    },
    "en": {
        "order": "No.",
        "unit_name": "Unit",
        "period_target": "Period target",
        "period_actual": "Period actual",
        "period_pct": "% of period",
        "term_target": "Term target",
        "cum_actual": "Cumulative",
        "cum_pct": "% of term",
        "expected_cum": "Due at pace",
        "gap": "Gap",
        "status": "Status",
        "needed_per_half": "Needed per remaining half-year",
        "forecast_term_end": "Term-end forecast",
        "rank": "Rank",
        "missing_periods": "Periods not reported",
    },
}


def status_label(status: str, lang: str = "vi") -> str:
    """Return a status in words."""
    return STATUS_LABELS[lang][status]


def metric_label(metric: str, lang: str = "vi") -> str:
    """Return a metric in words."""
    m = METRICS[metric]
    return m.label_vi if lang == "vi" else m.label_en


def column_label(column: str, lang: str = "vi") -> str:
    """Return a progress-table column heading."""
    return COLUMNS[lang].get(column, column)
