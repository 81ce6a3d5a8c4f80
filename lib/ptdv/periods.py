"""Period ids (`2021-H1`, `2025`, `term`) and their checks."""

from __future__ import annotations

import re

PERIOD_RE = re.compile(r"^(?:(?P<year>\d{4})(?:-H(?P<half>[12]))?|term)$")

#: How a plan cuts its half-years: calendar (30/6, 31/12) or statistical (31/5, 30/11).
HALF_YEAR_SCHEMES = ("calendar", "statistical")


def is_period(period: str) -> bool:
    """Return True if `period` is a well-formed period id."""
    return bool(PERIOD_RE.match(period))


def check_period(period: str) -> str:
    """Return `period` unchanged, or raise ValueError saying what a period id looks like."""
    if not is_period(period):
        raise ValueError(
            f"{period!r} is not a period id: expected a half-year (2021-H1), a year (2025) "
            "or 'term'"
        )
    return period
