"""Words the reports share, as gettext message ids, and the one palette of statuses.

The words are English message ids marked with `N_`; the functions below translate them
through the catalogue of the report's language (`ptdv.base.i18n`, one per language).
"""

from __future__ import annotations

from ptdv.base.i18n import N_, translator
from ptdv.plan.metrics import METRICS
from ptdv.progress import STATUS_LABELS, TARGET_METHODS

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

#: The progress table's column headings.
COLUMNS = {
    "order": N_("No."),
    "unit_name": N_("Unit"),
    "group": N_("Group"),
    "period_target": N_("Period target"),
    "period_actual": N_("Period actual"),
    "period_pct": N_("% of period"),
    "term_target": N_("Term target"),
    "cum_actual": N_("Cumulative"),
    "cum_pct": N_("% of term"),
    "expected_cum": N_("Due at pace"),
    "gap": N_("Gap"),
    "status": N_("Status"),
    "needed_per_half": N_("Needed per remaining half-year"),
    "forecast_term_end": N_("Term-end forecast"),
    "rank": N_("Rank"),
    "missing_periods": N_("Periods not reported"),
}

#: The severities of the data-quality log.
SEVERITY_TEXT = {"error": N_("Error"), "warning": N_("Warning"), "info": N_("Note")}

#: What each quality check means, for readers of the appendix.
CHECK_TEXT = {
    "duplicate_unit": N_(
        "A unit name appears twice in the source: the rows are kept apart, not merged; "
        "correct the source."
    ),
    "derived_rule": N_(
        "A figure does not follow the rule its column header states; the source figure is kept."
    ),
    "declared_total": N_(
        "The table's total differs from the total the plan's text declares: rows may be missing."
    ),
    "totals_row": N_("A totals row does not equal the sum of its units."),
    "net_mismatch": N_(
        "Net increase differs from admissions minus losses; the reported figures are kept."
    ),
    "missing_report": N_(
        "The unit sent no report for the period: shown as \u201cno report\u201d, never as zero."
    ),
    "negative_value": N_("A negative figure for a metric that cannot be negative."),
    "copy_differs": N_("A copy of the table differs from the original."),
    "unmapped_column": N_("A column not in the plan card was not read."),
    "not_whole_number": N_("A figure has decimals where a whole number is expected."),
    "empty_report": N_("A report form came back empty."),
    "not_a_form": N_("A file that is not a report form."),
    "file_name": N_("A file's name does not match the unit in it."),
    "demo_mark": N_("A form carries the demo-data mark."),
    "running_total": N_(
        "A running total differs from the sum of the half-year figures; the report uses the "
        "running total."
    ),
    "formula": N_("A totals cell holds a formula with no value, or text: it cannot be checked."),
}

#: Short names of the checks whose findings are only counted (info) in the appendix.
CHECK_NAMES = {
    "layout": N_("table layout"),
    "copy_agrees": N_("copy agrees with the original"),
    "totals_row": N_("totals row"),
    "unit_name": N_("unit names normalised"),
    "zero_target": N_("zero target"),
    "derived_rule": N_("column rule"),
    "declared_total": N_("total stated in the plan's text"),
    "forms_read": N_("report forms read"),
    "no_table": N_("no table of units"),
    "running_total": N_("running totals against the half-year figures"),
}


def status_label(status: str, lang: str = "vi") -> str:
    """Return a status in words."""
    return translator(lang)(STATUS_LABELS[status])


def metric_label(metric: str, lang: str = "vi") -> str:
    """Return a metric in words."""
    return translator(lang)(METRICS[metric].label)


def column_label(column: str, lang: str = "vi") -> str:
    """Return a progress-table column heading (the column's name when it has none)."""
    return translator(lang)(COLUMNS[column]) if column in COLUMNS else column


def method_text(method: str, lang: str = "vi") -> str:
    """Return how a period target was obtained (`target_method`), in words."""
    return translator(lang)(TARGET_METHODS[method]) if method in TARGET_METHODS else method


def severity_label(severity: str, lang: str = "vi") -> str:
    """Return a quality finding's severity in words (Lỗi, Cảnh báo, Thông tin)."""
    return translator(lang)(SEVERITY_TEXT[severity]) if severity in SEVERITY_TEXT else severity


def check_text(check: str, lang: str = "vi") -> str:
    """Return what a quality check's finding means (the check's name when it has no text)."""
    return translator(lang)(CHECK_TEXT[check]) if check in CHECK_TEXT else check


def check_name(check: str, lang: str = "vi") -> str:
    """Return the short name of a quality check (its id when it has none)."""
    return translator(lang)(CHECK_NAMES[check]) if check in CHECK_NAMES else check
