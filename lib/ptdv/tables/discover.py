"""Look at an unseen table: find its header, guess what each column holds, draft a plan card.

This backs `ptdv inspect`. Guesses are guesses: the draft card is meant to be saved,
read and corrected by the analyst before `ptdv clean` uses it.

Two steps. `guess_column` reads one column's header path (outermost text first) and the
table's title lines: which metric its words name, which period, and whether it is a target,
an actual (or a running total, lũy kế), a baseline level, a derived percentage or total, or
a figure no metric names (kind `info`). `guess_columns` then looks at the table as a whole:
the term and how its half-years are cut, the periods of levels taken at the term's start,
the rules of derived columns (a percentage of the target, a total of the year columns,
net = admitted − lost) as references to the other columns, and names that two columns
would share. Given the unit rows' figures, it checks each drafted rule against them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ptdv.base.errors import DataError
from ptdv.plan.config import column_ref
from ptdv.plan.metrics import METRICS
from ptdv.tables.ingest import (
    Column,
    Table,
    cell_text,
    find_header,
    open_workbook,
    read_grid,
    read_table,
)

#: the metrics a drafted percentage or total prefers, when the header does not say
_PREFERRED = ("members_net", "members_admitted", "unions_founded", "members_lost")
#: header texts that only say "total" (a total column, or a group of total columns)
_TOTAL_WORDS = {"tong", "tong so", "tong cong", "cong", "tong cong chung", "ca nam"}
#: (metric or None for "no metric: an info column", pattern over plain words), first hit wins
_METRIC_WORDS: list[tuple[str | None, str]] = [
    ("nonmember_workers", r"\bchua (la|gia nhap|vao|tham gia) (dv|doan vien|cong doan)"),
    (None, r"\bchua (co|thanh lap) (cdcs|cong doan|to chuc cong doan)\b"),
    (
        "members_admitted",
        r"\bket nap\b|\bphat trien (moi )?(dv|doan vien) moi\b|\b(dv|doan vien) moi\b",
    ),
    ("members_net", r"\btang them\b|\btang giam\b|\btang rong\b|\btang truong\b"),
    ("members_lost", r"\bgiam\b"),
    ("unions_founded", r"\bcdcs\b|\bcong doan co so\b|\bthanh lap\b|\bnghiep doan\b"),
    (None, r"^(tong )?(so )?(cac )?(doanh nghiep|dn|don vi)\b"),
    ("workers", r"\b(cnld|cnvcld|cnvc|nld|lao dong|cong nhan|nguoi lao dong)\b"),
    (
        "members_total",
        r"\btong so (dv|doan vien)\b|\b(dv|doan vien) (den|tinh den|hien co|tai|dau ky|cuoi ky)\b",
    ),
    ("members", r"\b(dv|doan vien)\b"),
]
_TARGET_CUE = r"\bchi tieu\b|\bgiao\b|\bke hoach\b|\bphan dau\b"
_ACTUAL_CUE = r"\bthuc hien\b|\bket qua\b|\bda (ket nap|thanh lap|phat trien)\b|\bdat duoc\b"
_ESTIMATE_CUE = r"\buoc\b"
_PERCENT_CUE = r"\bty le\b|\bso (voi )?(chi tieu|ke hoach)\b|\bphan tram\b"
_ADMITTED_TITLE = r"\bket nap\b|\bphat trien (moi )?(dv|doan vien) moi\b"
#: day/month pairs that end a half-year, by scheme
_STATISTICAL_ENDS = {(31, 5), (30, 5), (30, 11)}
_CALENDAR_ENDS = {(30, 6), (31, 12)}


def plain(text: object) -> str:
    """Return text without accents, markup or case, 'đ' as 'd', punctuation kept."""
    t = re.sub(r"<[^>]+>", " ", str(text or "")).replace("**", " ")
    t = unicodedata.normalize("NFD", t).casefold().replace("đ", "d")
    return "".join(ch for ch in t if not unicodedata.combining(ch))


def words(text: object) -> str:
    """Return header text as plain words: 'Số CNLĐ (đến 30/11/2025)' -> 'so cnld den 30 11 2025'."""
    return " ".join(re.findall(r"[0-9a-z]+", plain(text)))


def _strip_remarks(text: str) -> str:
    """Return text without parenthesised remarks of two words or more ("(bằng 20% số …)")."""

    def repl(m: re.Match[str]) -> str:
        return " " if len(words(m.group(1)).split()) >= 2 else m.group(0)

    return re.sub(r"\(([^)]*)\)", repl, text)


@dataclass
class Guess:
    """What a column seems to hold: a plan card's column entry, with the reasons to check it."""

    kind: str
    metric: str | None
    period: str | None
    rule: dict | None = None
    why: list[str] = field(default_factory=list)
    cumulative: bool = False
    name: str | None = None
    id: str | None = None
    #: a total column ("Tổng số", "Tổng cộng"): its rule sums the columns it adds up
    total: bool = field(default=False, repr=False)
    #: a percentage column ("So chỉ tiêu giao (%)", "Tỷ lệ"): its rule is a percent
    percent: bool = field(default=False, repr=False)
    #: the year spans ("giai đoạn 2021 - 2023") its header names
    spans: list[tuple[int, int]] = field(default_factory=list, repr=False)
    #: what its period came from: half, endyear, year, date, month, span, term or None
    period_from: str | None = field(default=None, repr=False)
    #: the header path's texts and its group (the path without the leaf), compared loosely
    path: list[str] = field(default_factory=list, repr=False)
    #: the header words said target/actual/estimate (None: guessed from the rest)
    cue: str | None = field(default=None, repr=False)
    #: a level at a date ('đến', 'hiện có'): a baseline at the term's start, or not
    at_date: bool = field(default=False, repr=False)

    @property
    def ref(self) -> str:
        """Return the name rules use for the column (as ColumnMap.ref does)."""
        return column_ref(self.kind, self.metric, self.period, self.cumulative, self.name, self.id)

    @property
    def group(self) -> tuple[str, ...]:
        """Return the header texts above the leaf, as plain words."""
        return tuple(words(t) for t in self.path[:-1])

    def entry(self, header: str | list[str]) -> dict:
        """Return the plan card's column entry for this guess."""
        out: dict = {"header": header, "kind": self.kind}
        if self.kind == "info":
            out["name"] = self.name
            if self.period:
                out["period"] = self.period
        else:
            out["metric"] = self.metric
            out["period"] = self.period
            if self.cumulative:
                out["cumulative"] = True
        if self.id:
            out["id"] = self.id
        if self.rule:
            out["rule"] = self.rule
        return out

    def summary(self) -> str:
        """Return the guess in one line: 'actual members_net cumulative to 2025-H2 (rule: …)'."""
        if self.kind == "info":
            text = f"info {self.name!r}" + (f" {self.period}" if self.period else "")
        elif self.cumulative:
            text = f"{self.kind} {self.metric} cumulative to {self.period}"
        else:
            text = f"{self.kind} {self.metric} {self.period}"
        if self.id:
            text += f" as {self.id!r}"
        if self.rule:
            text += f" (rule: {describe_rule(self.rule)})"
        return text


def describe_rule(rule: dict) -> str:
    """Return a drafted rule in words: 'percent of a over b', 'sum of a, b', '20% of a'."""
    if "share" in rule:
        return f"{rule['share']:.0%} of {rule['of']}"
    if "sum" in rule:
        return "sum of " + ", ".join(rule["sum"])
    if "difference" in rule:
        a, b = rule["difference"]
        return f"{a} minus {b}"
    if "percent" in rule:
        a, b = rule["percent"]
        return f"percent of {a} over {b}"
    return str(rule)


# --- periods -----------------------------------------------------------------------------


def half_of_date(day: int, month: int, year: int, scheme: str) -> str:
    """Return the half-year that holds a date (a half-year's last day gives that half-year)."""
    if scheme == "statistical":
        if month == 12:
            return f"{year + 1}-H1"
        return f"{year}-H{1 if month <= 5 else 2}"
    return f"{year}-H{1 if month <= 6 else 2}"


def half_end(period: str, scheme: str) -> dt.date:
    """Return the last day of a half-year or year id ('2025-H1', '2025')."""
    year = int(period[:4])
    if period.endswith("-H1"):
        return dt.date(year, 5, 31) if scheme == "statistical" else dt.date(year, 6, 30)
    return dt.date(year, 11, 30) if scheme == "statistical" else dt.date(year, 12, 31)


def scheme_hints(text: str) -> tuple[int, int]:
    """Return how many dates in `text` end statistical and calendar half-years."""
    w = words(text)
    stat = cal = 0
    dates = re.findall(r"\b(\d{1,2}) (?:thang )?(\d{1,2}) (?:nam )?(20\d\d)\b", w)
    months = re.findall(r"\bthang (\d{1,2}) (?:nam )?20\d\d\b", w)
    for d, m, _ in dates:
        stat += (int(d), int(m)) in _STATISTICAL_ENDS
        cal += (int(d), int(m)) in _CALENDAR_ENDS
    for m in months:
        stat += int(m) in (5, 11)
        cal += int(m) in (6, 12)
    return stat, cal


def _periods_in(text: str, scheme: str) -> tuple[dict, list[tuple[int, int]]]:
    """Return the period clues of one header text, and its year spans."""
    w = words(text)
    spans = []
    for m in re.finditer(r"\b(20\d\d) (?:den )?(?:nam )?(20\d\d)\b", w):
        x, y = int(m.group(1)), int(m.group(2))
        if x < y:
            spans.append((x, y))
    w_rest = re.sub(r"\b(20\d\d) (?:den )?(?:nam )?(20\d\d)\b", " ", w)
    found: dict = {}
    m = re.search(r"\b(?:6 thang|nua) (dau|cuoi)(?: nam)?(?: (20\d\d))?\b", w_rest)
    if m:
        found["half"] = (1 if m.group(1) == "dau" else 2, m.group(2))
    m = re.search(r"\bhet nam (20\d\d)\b", w_rest)
    if m:
        found["endyear"] = f"{m.group(1)}-H2"
    m = re.search(r"\bnam (20\d\d)\b", w_rest) or re.fullmatch(r"(?:nam )?(20\d\d)", w_rest.strip())
    if m and "endyear" not in found:
        found["year"] = m.group(1)
    date = r"(\d{1,2}) (?:thang )?(\d{1,2}) (?:nam )?(20\d\d)"
    m = re.search(rf"\btu (?:ngay )?{date} den (?:het )?(?:ngay )?{date}\b", w_rest)
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(5)) <= 12:
        # a range of dates: one half-year ("từ 01/12/2024 đến 31/5/2025"), or a longer span
        first = half_of_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), scheme)
        last = half_of_date(int(m.group(4)), int(m.group(5)), int(m.group(6)), scheme)
        if first == last:
            found.setdefault("half", (int(last[-1]), last[:4]))
        else:
            found["date"] = last
    m = re.search(rf"\b{date}\b", w_rest)
    m_month = re.search(r"\bthang (\d{1,2}) (?:nam )?(20\d\d)\b", w_rest)
    if "half" in found or "date" in found:
        pass
    elif m and 1 <= int(m.group(2)) <= 12:
        found["date"] = half_of_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), scheme)
    elif m_month and 1 <= int(m_month.group(1)) <= 12:
        found["month"] = half_of_date(28, int(m_month.group(1)), int(m_month.group(2)), scheme)
    if spans:
        found["span"] = spans[-1]
    if re.search(r"\bnhiem ky\b|\bgiai doan\b|\bca ky\b", w_rest):
        found["term"] = True
    return found, spans


def _pick_period(path: list[str], scheme: str) -> tuple[str | None, str | None, list]:
    """Return (period, what it came from, spans) from the innermost text that names one.

    A half-year without its year ("6 tháng đầu" under "Năm 2026") takes the year of an
    outer text.
    """
    spans: list[tuple[int, int]] = []
    pending: int | None = None
    chosen: tuple[str, str] | None = None
    for text in reversed(path):
        found, here = _periods_in(text, scheme)
        spans += here
        if chosen is not None:
            continue
        if pending is not None:
            if "year" in found:
                chosen = (f"{found['year']}-H{pending}", "half")
            continue
        if "half" in found:
            half, year = found["half"]
            year = year or found.get("year")
            if year:
                chosen = (f"{year}-H{half}", "half")
            else:
                pending = half
            continue
        for key in ("endyear", "year", "date", "month"):
            if key in found:
                chosen = (found[key], key)
                break
        else:
            if "span" in found:
                chosen = (f"{found['span'][1]}-H2", "span")
            elif found.get("term"):
                chosen = ("term", "term")
    if chosen is None:
        return None, None, spans
    return chosen[0], chosen[1], spans


def title_period(titles: str, scheme: str) -> str | None:
    """Return the one half-year or year the title lines report on ('Kỳ báo cáo: 6 tháng …')."""
    w = re.sub(r"\b(20\d\d) (?:den )?(?:nam )?(20\d\d)\b", " ", words(titles))
    found = {
        f"{m.group(2)}-H{1 if m.group(1) == 'dau' else 2}"
        for m in re.finditer(r"\b(?:6 thang|nua) (dau|cuoi) nam (20\d\d)\b", w)
    }
    if not found:
        date = r"(\d{1,2}) (\d{1,2}) (20\d\d)"
        for m in re.finditer(rf"\b{date} (?:den )?{date}\b", w):
            first = half_of_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), scheme)
            last = half_of_date(int(m.group(4)), int(m.group(5)), int(m.group(6)), scheme)
            if first == last:
                found.add(last)
    if not found:
        found = set(re.findall(r"\bnam (20\d\d)\b", w))
    return found.pop() if len(found) == 1 else None


def _first_cue(w: str) -> str | None:
    """Return the earliest of the target/actual/estimate cues in plain words."""
    hits = []
    for cue, pattern in (
        ("estimate", _ESTIMATE_CUE),
        ("target", _TARGET_CUE),
        ("actual", _ACTUAL_CUE),
    ):
        m = re.search(pattern, w)
        if m:
            hits.append((m.start(), cue))
    return min(hits)[1] if hits else None


def _metric_of(text: str) -> str | None | bool:
    """Return the metric one header text names, None for 'no metric', False for no clue."""
    w = words(_strip_remarks(text))
    for metric, pattern in _METRIC_WORDS:
        if re.search(pattern, w):
            return metric
    return False


# --- one column --------------------------------------------------------------------------


def guess_column(path: list[str], titles: str = "", scheme: str | None = None) -> Guess:
    """Return the likely kind, metric and period of a column from its header texts.

    `path` is the header's texts, outermost first; `titles` the lines above the table;
    `scheme` how half-years are cut (calendar, statistical), from the dates of the headers
    when not given. Rules that name other columns are drafted by `guess_columns`.
    """
    path = [cell_text(t) for t in path if cell_text(t)]
    if scheme is None:
        stat, cal = scheme_hints(" ".join(path))
        scheme = "statistical" if stat > cal else "calendar"
    full = " ".join(path)
    why: list[str] = []
    # metric: the innermost specific one; "ĐV" alone is the members the table counts
    specific: str | None | bool = False
    generic = False
    for text in reversed(path):
        m = _metric_of(text)
        if m == "members":
            generic = True
            continue
        if m is not False:
            specific = m
            break
    metric = specific
    if specific is False and generic:
        if re.search(_ADMITTED_TITLE, words(titles)):
            metric = "members_admitted"
        else:
            metric = "members_net"
    # clues
    plain_words = [words(t) for t in path]
    leafward = list(reversed(plain_words))
    total = any(w in _TOTAL_WORDS for w in plain_words)
    no_share = re.sub(r"\d[\d.,]*\s*%", " ", full)
    percent = "%" in no_share or any(re.search(_PERCENT_CUE, w) for w in plain_words)
    cue = next((c for c in (_first_cue(w) for w in leafward) if c), None)
    title_cue = _first_cue(words(titles))
    all_words = " ".join(plain_words)
    # a running total: "lũy kế", or a count "tính đến" a date that names no half-year or year
    running = bool(re.search(r"\blu[yi] ke\b", all_words))
    at_date = bool(
        re.search(
            r"\b(den|tinh den|hien co|tai thoi diem|dau ky|dau nhiem ky|cuoi ky)\b", all_words
        )
    )
    period, period_from, spans = _pick_period(path, scheme)
    reported = title_period(titles, scheme) if period is None else None
    level = bool(specific) and METRICS[str(specific)].stock
    if reported and specific is not None and (not level or "cuoi ky" in all_words):
        # a report form: figures with no period of their own are the reported period's
        period, period_from = reported, "title"
        why.append(f"period {reported} from the title lines: check it")
    if period_from in ("date", "month") and cue != "target":
        running = running or bool(re.search(r"\b(tinh den|den ngay|tu dau)\b", all_words))
    share = re.search(r"bang\s*(\d+(?:[.,]\d+)?)\s*%", plain(full))
    rule = None
    if share:
        value = float(share.group(1).replace(",", "."))
        rest = words(plain(full)[share.end() :])
        of = "nonmember_workers" if re.search(r"\bchua la\b", rest) else "?"
        rule = {"share": value / 100, "of": of}
        why.append(f"header states a rule ({share.group(1)}% of another column): check 'of'")

    def done(kind: str, metric: str | None, period: str | None, **kw) -> Guess:
        g = Guess(kind, metric, period, rule, why, **kw)
        g.total, g.percent, g.spans, g.period_from = total, percent, spans, period_from
        g.path, g.cue, g.at_date = path, cue, at_date
        return g

    if percent and not share:
        # the metric of the actual it measures, unless the header names a flow
        flow = specific if specific and not METRICS[specific].stock else None
        return done("derived", flow, period)
    if metric == "members_net" and specific is False:
        why.append("'ĐV' read as the net increase (no word says kết nạp): check it")
    if metric is None or (metric is False and not total and cue in (None, "estimate")):
        name = path[-1] if path else "?"
        why.append("no metric fits this header: kept as a named extra figure; check it")
        return done("info", None, period if period not in (None, "term") else None, name=name)
    if metric is False:
        metric = "members_net"
        why.append("no word names the metric: read as the net increase in members; check it")
    stock = METRICS[metric].stock
    if metric in ("workers", "nonmember_workers") or cue == "estimate":
        kind = "baseline"
    elif metric == "members_total":
        kind = cue if cue in ("target", "actual") else "baseline"
    elif cue == "actual" or running:
        kind = "actual"
    elif cue == "target" or rule:
        kind = "target"
    elif period_from == "half" and not total:
        kind = "actual"
        why.append("no word says target or actual: a half-year's figure read as actual")
    elif title_cue == "actual" and not total:
        kind = "actual"
        why.append("the title says results (thực hiện, kết quả): read as actual")
    else:
        kind = "target"
        if title_cue != "target" and not total:
            why.append("no word says target or actual: read as a target; check it")
    cumulative = False
    if kind == "actual" and not stock:
        if (
            running
            or period_from in ("date", "endyear", "span", "term")
            or (period_from == "month" and re.search(r"\bden thang\b", all_words))
        ):
            cumulative = True
            if period_from == "year":
                period = f"{period}-H2"
            if period == "term":
                period = None  # the term's last half-year, once the term is known
    if kind == "target" and period_from == "span":
        period = "term"
    if period is None:
        if total and kind != "baseline":
            period = "term"
        elif kind != "baseline" and not cumulative:
            period = "term"
            why.append("period not recognised: set it")
    return done(kind, metric, period, cumulative=cumulative)


# --- the whole table ---------------------------------------------------------------------


@dataclass
class PlanGuess:
    """What a table says about its plan: term, half-year cut, document, level."""

    half_years: str
    term_start: dt.date
    term_end: dt.date
    level: str = "province"
    issuer: str | None = None
    document_number: str | None = None
    document_date: str | None = None
    notes: list[str] = field(default_factory=list)

    def term_label(self) -> str:
        """Return the term as 'dd/mm/yyyy – dd/mm/yyyy'."""
        return f"{self.term_start:%d/%m/%Y} – {self.term_end:%d/%m/%Y}"


def _guess_term(guesses: list[Guess], titles: str, scheme: str) -> tuple[dt.date, dt.date, str]:
    """Return the term's first and last day, and where they came from."""
    t_spans = []
    for m in re.finditer(r"\b(20\d\d) (?:den )?(?:nam )?(20\d\d)\b", words(titles)):
        if int(m.group(1)) < int(m.group(2)):
            t_spans.append((int(m.group(1)), int(m.group(2))))
    target_spans = [s for g in guesses if g.kind == "target" for s in g.spans]
    other_spans = [s for g in guesses if g.kind not in ("actual", "derived") for s in g.spans]
    span, source = None, ""
    for spans, where in (
        (target_spans, "the targets' headers"),
        (t_spans, "the title"),
        (other_spans, "the headers"),
    ):
        if spans:
            span = max(spans, key=lambda s: (s[1] - s[0], s[1]))
            source = f"'{span[0]} – {span[1]}' in {where}"
            break
    years = sorted(
        int(g.period[:4])
        for g in guesses
        if g.period
        and g.period[:4].isdigit()
        and g.kind in ("target", "actual")
        and not g.cumulative
    )
    if span is None:
        ends = [int(g.period[:4]) for g in guesses if g.cumulative and g.period]
        if not years and not ends:
            years, source = [dt.date.today().year], "nothing in the table: set it"
        else:
            source = "the years of the targets and actuals: set it"
        first, last = min(years + ends), max(years + ends)
    else:
        # a five-year term is named by its congress years: "2023 – 2028" runs from late 2023
        first = span[0] + 1 if span[1] - span[0] == 5 else span[0]
        last = span[1]
        if years:
            first = max(span[0], min(first, years[0]))
            last = max(last, years[-1])
    if scheme == "statistical":
        return dt.date(first - 1, 12, 1), dt.date(last, 11, 30), source
    return dt.date(first, 1, 1), dt.date(last, 12, 31), source


def _plan_facts(titles: list[str]) -> dict:
    """Return the issuer, level, document number and date the title lines state."""
    text = " ".join(titles)
    w = words(text)
    out: dict = {}
    if re.search(r"\b(ldld|lien doan lao dong) (huyen|quan|thi xa|thanh pho)\b", w) and not (
        re.search(r"\b(ldld|lien doan lao dong) tinh\b", w)
    ):
        out["level"] = "district"
    elif re.search(r"\btong lien doan\b|\btld\b", w) and not re.search(
        r"\b(ldld|lien doan lao dong) tinh\b", w
    ):
        out["level"] = "national"
    else:
        out["level"] = "province"
    for line in titles:
        lw = words(line)
        if re.match(r"(tong lien doan|lien doan lao dong)\b", lw):
            out["issuer"] = cell_text(line)
            break
    m = re.search(r"\bsố\s+([^\s,;()]*/[^\s,;()]+)", text, re.IGNORECASE)
    if m:
        out["number"] = m.group(1)
    m = re.search(r"\bngày\s*(\d{0,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", text, re.IGNORECASE)
    if m:
        day, month, year = m.group(1), int(m.group(2)), int(m.group(3))
        try:
            out["date"] = (
                dt.date(year, month, int(day)).isoformat() if day else f"{year}-{month:02d}"
            )
        except ValueError:
            pass
    return out


def guess_columns(
    paths: Sequence[Sequence[str]],
    titles: str | Sequence[str] = "",
    *,
    letters: Sequence[str] | None = None,
    figures: Sequence[Sequence[float | None]] | None = None,
) -> tuple[list[Guess], PlanGuess]:
    """Return a guess for every column of a table, and what the table says about its plan.

    `paths` holds each figure column's header texts (outermost first), `titles` the lines
    above the table, `letters` the columns' names for drafted ids, and `figures` (optional)
    the unit rows' values, one list per row in the order of `paths`, to check drafted rules.
    """
    lines = [titles] if isinstance(titles, str) else list(titles)
    title_text = " ".join(cell_text(t) for t in lines)
    letters = list(letters) if letters else [f"c{i + 1}" for i in range(len(paths))]
    every = title_text + " " + " ".join(" ".join(p) for p in paths)
    stat, cal = scheme_hints(every)
    scheme = "statistical" if stat > cal else "calendar"
    notes = []
    if stat and cal:
        notes.append(
            f"dates in the header end both statistical ({stat}) and calendar ({cal}) "
            f"half-years: {scheme} chosen; check half_years"
        )
    elif stat:
        notes.append("half_years: statistical (a date in the header ends on 31/5 or 30/11)")
    elif cal:
        notes.append("half_years: calendar (a date in the header ends on 30/6 or 31/12)")
    else:
        notes.append("half_years: no date in the header says how half-years are cut: check it")
    guesses = [guess_column(list(p), title_text, scheme) for p in paths]
    start, end, source = _guess_term(guesses, title_text, scheme)
    notes.append(f"term {start:%d/%m/%Y} – {end:%d/%m/%Y}, from {source}")
    facts = _plan_facts([cell_text(t) for t in lines])
    plan = PlanGuess(
        scheme,
        start,
        end,
        facts.get("level", "province"),
        facts.get("issuer"),
        facts.get("number"),
        facts.get("date"),
        notes,
    )
    start_half = f"{start.year}-H2" if scheme == "statistical" else f"{start.year - 1}-H2"
    last_half = f"{end.year}-H2"
    for g in guesses:
        _place_in_term(g, scheme, start, start_half, last_half)
    for g in guesses:
        if g.percent and g.kind == "derived":
            _percent_metric(g, guesses)
        if g.total and g.kind != "info":
            _total_kind(g, guesses)
    _dedupe(guesses, letters)
    cols = [_values(figures, i) for i in range(len(guesses))] if figures else None
    for i, g in enumerate(guesses):
        _draft_rule(i, g, guesses, cols)
    return guesses, plan


def _place_in_term(g: Guess, scheme: str, start: dt.date, start_half: str, last_half: str) -> None:
    """Settle what needs the term: levels at its start, running totals to its end."""
    if g.kind == "baseline" and g.period is None:
        g.period = start_half
        g.why.append(f"no date in the header: read as the level at the term's start ({start_half})")
    if g.cumulative and g.period is None:
        g.period = last_half
        g.why.append(f"a running total with no end date: read as to the term's end ({last_half})")
    if g.metric == "members_total" and g.kind == "baseline" and g.at_date and g.period:
        if g.period != "term" and half_end(g.period, scheme) > start:
            # a level after the term has started is a result, unless the header says target
            g.kind = "actual"
            g.why.append("a level at a date inside the term: read as actual")


def _percent_metric(g: Guess, guesses: list[Guess]) -> None:
    """Give a percentage column the metric and period of the actual it measures."""
    siblings = [
        o
        for o in guesses
        if o is not g and o.kind == "actual" and o.group == g.group and o.metric in _PREFERRED
    ]
    if not siblings:
        left = [o for o in guesses[: _position(g, guesses)] if o.kind == "actual"]
        siblings = left[-1:]
    if g.metric:
        siblings = [o for o in siblings if o.metric == g.metric] or siblings
    targeted = {o.metric for o in guesses if o.kind == "target"}
    ranked = sorted(
        siblings,
        key=lambda o: (
            o.metric != g.metric,
            o.metric not in targeted,
            _PREFERRED.index(o.metric) if o.metric in _PREFERRED else 9,
        ),
    )
    if ranked:
        num = ranked[0]
        g.metric = g.metric or num.metric
        if g.period is None or g.period_from in ("span", "term") or num.cumulative:
            g.period = num.period
    else:
        g.metric = g.metric or "members_net"
        g.period = g.period or "term"
        g.why.append("no actual column beside this percentage: set its metric, period and rule")


def _total_kind(g: Guess, guesses: list[Guess]) -> None:
    """Give a total column the kind of the columns it adds up."""
    parts = _sum_parts(g, guesses)
    if parts:
        kinds = [p.kind for p in parts]
        g.kind = max(sorted(set(kinds)), key=kinds.count)
        halves = {p.period for p in parts if p.period and "-H" in p.period}
        if halves and len(halves) == len(parts) and len({h[:4] for h in halves}) == 1:
            g.period = next(iter(halves))[:4]  # "Cả năm" over two half-years


def _position(g: Guess, guesses: list[Guess]) -> int:
    """Return where a guess stands among the table's (by identity: two may be equal)."""
    return next(i for i, o in enumerate(guesses) if o is g)


def _sum_parts(g: Guess, guesses: list[Guess]) -> list[Guess]:
    """Return the columns a total column adds up: same metric, a year or half-year each."""
    leaf_total = words(g.path[-1]) in _TOTAL_WORDS if g.path else False
    parts = [
        o
        for o in guesses
        if o is not g
        and not o.total
        and o.metric == g.metric
        and o.kind in ("target", "actual")
        and not o.cumulative
        and o.period not in (None, "term")
        and (not leaf_total or o.group == g.group)
    ]
    years = [o for o in parts if "-H" not in str(o.period)]
    return years if years and len(years) >= 2 else parts


def _dedupe(guesses: list[Guess], letters: list[str]) -> None:
    """Keep the figures of a source distinct: one column per kind, metric and period; one name."""
    seen: dict[tuple, Guess] = {}
    for g in guesses:
        if g.kind in ("info", "derived"):
            continue
        key = ("cumulative" if g.cumulative else g.kind, g.metric, g.period)
        if key not in seen:
            seen[key] = g
            continue
        first = seen[key]
        if _qualified(first) and not _qualified(g):
            seen[key], g = g, first  # keep the plain header; the qualified one becomes info
        g.why.append(
            f"gives the same {key[0]} {key[1]} {key[2]} as another column: kept as a named "
            "extra figure; check it"
        )
        g.kind, g.name, g.cumulative, g.metric, g.rule = "info", g.path[-1], False, None, None
    names: dict[str, int] = {}
    for g in guesses:
        if g.kind == "info":
            label = g.name or "?"
            if label in names:
                label = " › ".join(g.path)
            g.name = label
            names[label] = names.get(label, 0) + 1
    # the same metric@period as another column (a year's target and its actual): the one
    # that is not a target gets an id, so that rules keep naming targets by metric@period
    refs: set[str] = set()
    order = sorted(range(len(guesses)), key=lambda i: guesses[i].kind != "target")
    for i in order:
        g = guesses[i]
        if g.ref in refs:
            g.id = f"{g.ref}-{g.kind}"
            if g.ref in refs:
                g.id = f"{g.ref}-{letters[i]}"
        refs.add(g.ref)


def _qualified(g: Guess) -> bool:
    """Return True for a header that names a part ('trong đó', 'khu vực FDI')."""
    return bool(
        re.search(
            r"\btrong do\b|\bkhu vuc\b|\bfdi\b|\bnha nuoc\b|\bngoai\b", words(" ".join(g.path))
        )
    )


def _values(figures: Sequence[Sequence[float | None]], i: int) -> list[float | None]:
    return [row[i] if i < len(row) else None for row in figures]


def _holds(
    rule: dict, stated: list[float | None], inputs: list[list[float | None]]
) -> tuple[int, int]:
    """Return (rows checked, rows where the stated figure agrees with the rule)."""
    checked = agree = 0
    for r, value in enumerate(stated):
        vals = [col[r] for col in inputs]
        if value is None or any(v is None for v in vals):
            continue
        if "share" in rule:
            computed, tol = rule["share"] * vals[0], 1.0
        elif "sum" in rule:
            computed, tol = float(sum(vals)), 0.5
        elif "difference" in rule:
            computed, tol = vals[0] - vals[1], 0.5
        else:
            if vals[1] == 0:
                continue
            computed, tol = 100.0 * vals[0] / vals[1], 0.5
            if computed < 0 and value == 0:
                checked += 1
                agree += 1  # the tables print a negative achievement as 0 %
                continue
        checked += 1
        agree += math.isclose(value, computed, abs_tol=tol)
    return checked, agree


def _draft_rule(i: int, g: Guess, guesses: list[Guess], cols: list | None) -> None:
    """Draft the rule of a derived, total or net column as references to other columns."""
    index = {id(o): n for n, o in enumerate(guesses)}

    def check(rule: dict, parts: list[Guess]) -> tuple[int, int] | None:
        if cols is None:
            return None
        return _holds(rule, cols[i], [cols[index[id(p)]] for p in parts])

    def note(result: tuple[int, int] | None) -> None:
        if result and result[0]:
            checked, agree = result
            if agree == checked:
                g.why.append(f"the figures fit this rule on all {checked} rows")
            else:
                g.why.append(
                    f"the figures disagree with this rule on {checked - agree} of {checked} "
                    "rows: check it"
                )

    if g.kind == "info":
        return
    if g.rule and "share" in g.rule:
        of = [o for o in guesses if o.metric == g.rule["of"] and o is not g and o.kind != "info"]
        if of:
            g.rule["of"] = of[0].ref
            note(check(g.rule, of[:1]))
        else:
            g.rule["of"] = "TODO: metric@period of the column it is a share of"
        return
    if g.percent and g.kind == "derived":
        pairs = _percent_pairs(g, guesses)
        if not pairs:
            g.rule = {"percent": ["TODO: the actual's metric@period", "TODO: the target's"]}
            g.why.append("no actual and target of the same metric found for this percentage")
            return
        chosen = pairs[0]
        if cols is not None:
            results = [(p, check({"percent": [p[0].ref, p[1].ref]}, list(p))) for p in pairs]
            fits = [p for p, r in results if r and r[0] and r[0] == r[1]]
            if fits and fits[0] is not pairs[0]:
                chosen = fits[0]
                g.why.append("the words suggested another pair; the figures fit this one")
        g.rule = {"percent": [chosen[0].ref, chosen[1].ref]}
        g.metric = chosen[0].metric
        note(check(g.rule, list(chosen)))
        return
    if g.total:
        parts = _sum_parts(g, guesses)
        if len(parts) >= 2:
            g.rule = {"sum": [p.ref for p in parts]}
            note(check(g.rule, parts))
        else:
            g.why.append("a total header with no columns to add up: check it")
        return
    if g.metric == "members_net" and g.kind == "actual" and not g.rule:
        like = [
            o
            for o in guesses
            if o.group == g.group
            and o.kind == g.kind
            and o.cumulative == g.cumulative
            and o.period == g.period
        ]
        admitted = [o for o in like if o.metric == "members_admitted"]
        lost = [o for o in like if o.metric == "members_lost"]
        if admitted and lost:
            g.rule = {"difference": [admitted[0].ref, lost[0].ref]}
            note(check(g.rule, [admitted[0], lost[0]]))


def _percent_pairs(g: Guess, guesses: list[Guess]) -> list[tuple[Guess, Guess]]:
    """Return the (actual, target) pairs a percentage may compare, the likeliest first."""
    nums = [o for o in guesses if o.kind == "actual" and o.group == g.group and o is not g]
    if not nums:
        nums = [o for o in guesses[: _position(g, guesses)] if o.kind == "actual"][-1:]
    nums.sort(key=lambda o: (o.metric != g.metric, o.period != g.period))
    pairs = []
    for num in nums:
        targets = [o for o in guesses if o.kind == "target" and o.metric == num.metric]
        year = num.period[:4] if num.period and num.period[:4].isdigit() else None

        def rank(t: Guess, num: Guess = num, year: str | None = year) -> int:
            if num.cumulative:
                return 0 if t.period == "term" else 1
            if t.period == num.period:
                return 0
            if t.period == year:
                return 1
            return 2 if t.period == "term" else 3

        pairs += [(num, t) for t in sorted(targets, key=rank)]
    return pairs


# --- a file ------------------------------------------------------------------------------


@dataclass
class Inspection:
    """What `ptdv inspect` found in a file."""

    file: Path
    sheet: str | None
    sheets: list[str]
    table: Table
    guesses: dict[int, Guess]
    text_columns: list[tuple[Column, str]]
    plan: PlanGuess | None = None


def inspect_file(path: str | Path, sheet: str | None = None) -> Inspection:
    """Read a table whose layout is unknown and guess its columns."""
    path = Path(path)
    sheets: list[str] = []
    if path.suffix.lower() in (".xlsx", ".xlsm") and sheet is None:
        # checked first like every input (a folder, an empty, damaged or hostile file...)
        wb = open_workbook(path, read_only=True)
        try:
            sheets = wb.sheetnames
            visible = [n for n in sheets if getattr(wb[n], "sheet_state", "visible") == "visible"]
        finally:
            wb.close()
        sheet = (visible or sheets)[0]  # the first sheet Excel shows
    grid = read_grid(path, sheet)
    first, _ = find_header(grid)
    titles = [" ".join(cell_text(v) for v in row if cell_text(v)) for row in grid.rows[:first]]
    titles = [t for t in titles if t]
    # map every figure column, dropping those that hold text, until the table reads
    probe = read_table(path, sheet, [])
    candidates = [c for c in probe.columns if c.index > probe.name_col and c.path]
    text_columns: list[tuple[Column, str]] = []
    while True:
        spec = [(f"c{c.index}", c.path) for c in candidates]
        try:
            table = read_table(path, sheet, spec)
            break
        except DataError as err:
            bad = [c for c in candidates if err.column and err.column.startswith(c.letter + " ")]
            if not bad:
                raise
            candidates.remove(bad[0])
            text_columns.append((bad[0], err.detail))
    figures = [
        [None if (v := r.values.get(f"c{c.index}")) is None else float(v.value) for c in candidates]
        for r in table.units
    ]
    found, plan = guess_columns(
        [c.path for c in candidates],
        titles,
        letters=[c.letter for c in candidates],
        figures=figures,
    )
    guesses = {c.index: g for c, g in zip(candidates, found, strict=True)}
    return Inspection(path, grid.sheet, sheets, table, guesses, text_columns, plan)


def draft_card(ins: Inspection) -> str:
    """Return a draft plan card (YAML) for the inspected file, to be saved and corrected."""
    cols = []
    notes = []
    for col in ins.table.columns:
        g = ins.guesses.get(col.index)
        if g is None:
            continue
        cols.append(g.entry(col.path if len(col.path) > 1 else col.path[0]))
        for why in g.why:
            notes.append(f"{col.letter} ({col.path[-1]}): {why}")
    plan = ins.plan
    if plan is None:  # an Inspection built by hand
        _, plan = guess_columns([c.path for c in ins.table.columns if c.index in ins.guesses])
    gs = list(ins.guesses.values())
    targeted = sorted({g.metric for g in gs if g.kind == "target" and g.metric})
    admitted = "members_admitted" in targeted and "members_net" not in targeted
    card = {
        "plan_id": "new-plan",
        "title": "TODO: the plan's title",
        "issuer": plan.issuer or "TODO: issuing federation",
        "issuer_short": "TODO",
        "level": plan.level,
        "document": {
            "number": plan.document_number or "TODO/KH-LĐLĐ",
            "date": _date_or_text(plan.document_date) or dt.date(plan.term_start.year, 1, 1),
        },
        "term": {"start": plan.term_start, "end": plan.term_end},
        "half_years": plan.half_years,
        "demo": False,
        "members_target": "admitted" if admitted else "net",
        "metrics": targeted or ["members_net"],
        "declared_totals": [],
        "sources": [
            {
                "file": ins.file.name,
                **({"sheet": ins.sheet} if ins.sheet else {}),
                "row_number": ins.table.columns[ins.table.tt_col].path[0],
                "unit_name": ins.table.columns[ins.table.name_col].path[0],
                "columns": cols,
            }
        ],
    }
    head = (
        "# Draft plan card written by `ptdv inspect`: every value is a guess.\n"
        "# Save it as config/plans/<plan-id>.yaml, set plan_id to the file's name, fill the\n"
        "# TODOs, check each column's kind/metric/period (and any rule's references), then run\n"
        "# `ptdv clean --plan <plan-id>`.\n"
    )
    head += "".join(f"# - {n}\n" for n in plan.notes)
    if not plan.document_date:
        head += "# - document.date: not found above the table: set it\n"
    head += "".join(f"# - {n}\n" for n in notes)
    return head + yaml.safe_dump(card, allow_unicode=True, sort_keys=False, width=100)


def _date_or_text(value: str | None) -> dt.date | str | None:
    """Return an ISO date as a date (YAML writes it unquoted); 'YYYY-MM' stays text."""
    try:
        return dt.date.fromisoformat(value) if value and len(value) == 10 else value
    except ValueError:
        return value


def describe(ins: Inspection, rows: int = 5) -> str:
    """Return a readable account of what was found in the file."""
    t = ins.table
    out = [f"File: {ins.file}"]
    if ins.sheets:
        out.append(f"Sheets: {', '.join(ins.sheets)} (inspecting {ins.sheet!r}; use --sheet)")
    elif ins.sheet:
        out.append(f"Sheet: {ins.sheet}")
    hr = t.header_row_numbers
    out.append(f"Header: rows {hr[0]}-{hr[-1]}" if len(hr) > 1 else f"Header: row {hr[0]}")
    out.append(
        f"Row-number column: {t.columns[t.tt_col].letter}; "
        f"unit-name column: {t.columns[t.name_col].letter}"
    )
    if ins.plan:
        out.append(f"Term (guessed): {ins.plan.term_label()}, {ins.plan.half_years} half-years")
    out.append("Columns:")
    for col in t.columns:
        if col.index <= t.name_col or not col.path:
            continue
        g = ins.guesses.get(col.index)
        guess = g.summary() if g else "text: not a figure column"
        note = f"  [{'; '.join(g.why)}]" if g and g.why else ""
        out.append(f"  {col.letter}  {col.label}\n      -> {guess}{note}")
    for col, why in ins.text_columns:
        out.append(f"  {col.letter} holds text: {why}")
    units = t.units
    out.append(
        f"Unit rows: {len(units)}"
        + (f" (rows {units[0].number}-{units[-1].number})" if units else "")
    )
    for r in units[:rows]:
        vals = ", ".join(
            f"{t.columns[int(k[1:])].letter}={'' if v is None else _num(v.value)}"
            for k, v in r.values.items()
        )
        out.append(f"  row {r.number}: {r.tt} {r.name}: {vals}")
    for r in t.totals:
        out.append(f"Totals row: row {r.number} ({r.name})")
    for r in t.rows:
        if r.kind == "group":
            out.append(f"Group label: row {r.number} ({r.name})")
    for number, drift in t.repeats:
        out.append(f"Header repeated: row {number}" + (" (spelling differs)" if drift else ""))
    if t.trailer:
        out.append(
            f"Notes below the table: {len(t.trailer)} line(s) from row {t.trailer[0].number}"
        )
    return "\n".join(out)


def _num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,}"
