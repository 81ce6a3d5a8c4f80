"""Periods: ids (`2021-H1`, `2025`, `term`), their days under a plan's cut, and the term's pace.

Half-years are cut either on the calendar (1/1-30/6 and 1/7-31/12) or on the statistical
year that ends on 30/11 (H1 = 1/12 of the year before - 31/5, H2 = 1/6 - 30/11; year Y =
1/12 of Y-1 - 30/11 of Y). The elapsed share of a term is counted in half-years: at the end
of 2021-H1 one half-year of the six in a 2021-2023 term has passed, 1/6.

Reports also cover spans from the term's start: `to-2026-H1` (the term to the end of that
half-year), `mid-term` (sơ kết giữa nhiệm kỳ: the term to the end of the half-year at or after
its midpoint, or the one the card names), and the aliases `to-date` (to the latest half-year
with figures) and `latest` (the latest half-year completed), resolved by `resolve_period`.
A `term` report before the term has ended is refused: it would call the whole term elapsed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Protocol

from ptdv.base.i18n import translator


class _Term(Protocol):
    start: dt.date
    end: dt.date
    midterm: str | None


class CardLike(Protocol):
    """What a calendar needs of a plan card (periods sits below config: no import of it)."""

    half_years: str
    term: _Term


#: Periods figures belong to: a half-year, a year, or the whole term.
PERIOD_RE = re.compile(r"^(?:(?P<year>\d{4})(?:-H(?P<half>[12]))?|term)$")
#: Periods a report covers: those, plus spans from the term's start.
REPORT_PERIOD_RE = re.compile(
    r"^(?:(?P<year>\d{4})(?:-H(?P<half>[12]))?|term|mid-term|to-(?P<to>\d{4}-H[12]))$"
)
#: Period names resolved against a plan's calendar, the date and its figures.
ALIASES = ("latest", "to-date")

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


@dataclass(frozen=True)
class Period:
    """One period of a plan, with its first and last day."""

    id: str
    kind: Literal["half", "year", "span", "term"]
    start: dt.date
    end: dt.date


def _fmt(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


class Calendar:
    """The periods of one plan's term under its half-year cut."""

    def __init__(
        self, scheme: str, term_start: dt.date, term_end: dt.date, midterm: str | None = None
    ) -> None:
        if scheme not in HALF_YEAR_SCHEMES:
            raise ValueError(f"unknown half-year scheme {scheme!r}; known: {HALF_YEAR_SCHEMES}")
        self.scheme = scheme
        self.term_start = term_start
        self.term_end = term_end
        halves = []
        year = term_start.year - 1
        while True:
            for h in (1, 2):
                p = self._half(year, h)
                if p.start >= term_start and p.end <= term_end:
                    halves.append(p)
            if self._half(year, 2).end >= term_end:
                break
            year += 1
        if not halves or halves[0].start != term_start or halves[-1].end != term_end:
            raise ValueError(
                f"the term {_fmt(term_start)} - {_fmt(term_end)} does not start and end on "
                f"{scheme} half-year boundaries"
            )
        self._halves = halves
        ids = [h.id for h in halves]
        if midterm is not None and midterm not in ids:
            raise ValueError(
                f"the mid-term half-year {midterm!r} is not a half-year of the term; valid: "
                f"{', '.join(ids)}"
            )
        # the half-year at or after the term's midpoint: the k-th of n, k = ceil(n / 2)
        self.midterm = midterm or ids[(len(ids) + 1) // 2 - 1]

    @classmethod
    def from_card(cls, card: CardLike) -> Calendar:
        """Return the calendar of a plan card."""
        return cls(card.half_years, card.term.start, card.term.end, card.term.midterm)

    def _half(self, year: int, half: int) -> Period:
        if self.scheme == "calendar":
            if half == 1:
                return Period(f"{year}-H1", "half", dt.date(year, 1, 1), dt.date(year, 6, 30))
            return Period(f"{year}-H2", "half", dt.date(year, 7, 1), dt.date(year, 12, 31))
        if half == 1:
            return Period(f"{year}-H1", "half", dt.date(year - 1, 12, 1), dt.date(year, 5, 31))
        return Period(f"{year}-H2", "half", dt.date(year, 6, 1), dt.date(year, 11, 30))

    def halves(self) -> list[Period]:
        """Return the term's half-years, in order."""
        return list(self._halves)

    def years(self) -> list[str]:
        """Return the ids of the years whose both halves lie in the term."""
        ids = [p.id[:4] for p in self._halves]
        return sorted({y for y in ids if ids.count(y) == 2})

    def valid_ids(self) -> list[str]:
        """Return every period id of the term: half-years, years, 'term', then the spans."""
        return (
            [p.id for p in self._halves]
            + self.years()
            + ["term", "mid-term", f"to-{self._halves[0].id} … to-{self._halves[-1].id}"]
        )

    def period(self, pid: str) -> Period:
        """Return the period `pid`, or raise ValueError listing the valid ids."""
        m = REPORT_PERIOD_RE.match(str(pid))
        if m and pid == "term":
            return Period("term", "term", self.term_start, self.term_end)
        halves = {p.id: p for p in self._halves}
        if m and pid == "mid-term":
            return Period("mid-term", "span", self.term_start, halves[self.midterm].end)
        if m and m.group("to") and m.group("to") in halves:
            return Period(pid, "span", self.term_start, halves[m.group("to")].end)
        if m and m.group("half") and pid in halves:
            return halves[pid]
        if m and m.group("year") and not m.group("half") and pid in self.years():
            h1, h2 = halves[f"{pid}-H1"], halves[f"{pid}-H2"]
            return Period(pid, "year", h1.start, h2.end)
        raise ValueError(
            f"{pid!r} is not a period of this plan's term "
            f"({_fmt(self.term_start)} - {_fmt(self.term_end)}); valid: "
            f"{', '.join(self.valid_ids())}"
        )

    def halves_in(self, pid: str) -> list[Period]:
        """Return the half-years a period covers."""
        p = self.period(pid)
        return [h for h in self._halves if h.start >= p.start and h.end <= p.end]

    def halves_through(self, pid: str) -> list[Period]:
        """Return the half-years from the term's start to the end of period `pid`."""
        p = self.period(pid)
        return [h for h in self._halves if h.end <= p.end]

    def elapsed_share(self, pid: str) -> Fraction:
        """Return the share of the term elapsed at the end of `pid`, in half-years."""
        return Fraction(len(self.halves_through(pid)), len(self._halves))

    def remaining_halves(self, pid: str) -> int:
        """Return how many half-years of the term remain after `pid`."""
        return len(self._halves) - len(self.halves_through(pid))

    def latest_completed(self, on: dt.date) -> Period | None:
        """Return the latest half-year that ended before `on` (None before the first)."""
        done = [h for h in self._halves if h.end < on]
        return done[-1] if done else None

    def label(self, pid: str, lang: str = "vi") -> str:
        """Return a period's name: '6 tháng đầu năm 2026', 'Năm 2025', 'Cả nhiệm kỳ 2021–2023'."""
        _ = translator(lang)
        p = self.period(pid)
        if p.kind == "span":
            if p.id == "mid-term":
                return _("Mid-term review (to {end})", end=_fmt(p.end))
            return _("Term to date (to {end})", end=_fmt(p.end))
        if p.kind == "half":
            year = p.id[:4]
            if p.id.endswith("1"):
                return _("First half of {year}", year=year)
            return _("Second half of {year}", year=year)
        if p.kind == "year":
            return _("Year {year}", year=p.id)
        first, last = self._halves[0].id[:4], self._halves[-1].id[:4]
        return _("Whole term {first}–{last}", first=first, last=last)

    def date_range(self, pid: str) -> str:
        """Return a period's days as '01/12/2025 – 31/05/2026'."""
        p = self.period(pid)
        return f"{_fmt(p.start)} – {_fmt(p.end)}"


def resolve_period(
    cal: Calendar,
    pid: str,
    today: dt.date,
    halves_with_figures: list[str] | None = None,
) -> str:
    """Return the period a report of `pid` covers on `today`, or raise ValueError saying why.

    `latest` is the latest half-year ended before `today`; `to-date` the span from the term's
    start to the latest half-year with figures (`halves_with_figures`, ids). `term` is
    refused before the term has ended, and `mid-term` before its half-year has.
    """
    if pid == "latest":
        done = cal.latest_completed(today)
        if done is None:
            raise ValueError(
                f"no half-year of its term has ended by {_fmt(today)} (the term starts "
                f"{_fmt(cal.term_start)}): no latest period to report"
            )
        return done.id
    if pid == "to-date":
        ids = [h.id for h in cal.halves()]
        have = [h for h in ids if h in set(halves_with_figures or [])]
        if not have:
            raise ValueError("no half-year of the term has figures yet: nothing to report to date")
        return f"to-{have[-1]}"
    p = cal.period(pid)
    if p.kind == "term" and today <= cal.term_end:
        raise ValueError(
            f"the term runs until {_fmt(cal.term_end)}: a 'term' report before then would count "
            "the whole term as elapsed and every unit as behind; use --period to-date (from "
            "the term's start to the latest half-year with figures) or mid-term"
        )
    if pid == "mid-term" and today <= p.end:
        raise ValueError(
            f"the mid-term half-year {cal.midterm} ends on {_fmt(p.end)}: no mid-term review "
            "before then; use --period to-date"
        )
    return pid
