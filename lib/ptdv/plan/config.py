"""Plan cards (config/plans/<plan-id>.yaml): load, validate strictly, explain errors by key."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.plan.metrics import METRICS
from ptdv.plan.periods import HALF_YEAR_SCHEMES, check_period


def _metric_name(value: object) -> object:
    if isinstance(value, str) and value not in METRICS:
        raise ValueError(f"unknown metric {value!r}; known: {', '.join(METRICS)}")
    return value


def _period_id(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # YAML reads an unquoted 2025 as a number
    if isinstance(value, str):
        check_period(value)
    return value


MetricName = Annotated[str, BeforeValidator(_metric_name)]
PeriodId = Annotated[str, BeforeValidator(_period_id)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(_Strict):
    """The official document a plan comes from."""

    number: str
    date: dt.date | str
    date_note: str | None = None

    @field_validator("date")
    @classmethod
    def _partial_date(cls, value: dt.date | str) -> dt.date | str:
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
            raise ValueError("expected a date YYYY-MM-DD, or YYYY-MM when the day is blank")
        return value


class Term(_Strict):
    """First and last day of the plan's term."""

    start: dt.date
    end: dt.date
    #: the half-year of the mid-term review (sơ kết giữa nhiệm kỳ); default: the one at or
    #: after the term's midpoint
    midterm: PeriodId | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end <= self.start:
            raise ValueError("term.end must come after term.start")
        return self


class DeclaredTotal(_Strict):
    """A total the plan's text declares, to check the table against."""

    metric: MetricName
    period: PeriodId
    value: float
    where: str | None = None


class OtherTarget(_Strict):
    """A target the plan states that is not a unit count (coverage, quality)."""

    label: str
    label_vi: str
    value: float
    unit: Literal["percent", "unions", "members"]


class Rule(_Strict):
    """How a derived column is computed from other columns (referenced as metric@period)."""

    share: float | None = None
    of: str | None = None
    sum: list[str] | None = None
    difference: list[str] | None = Field(default=None, min_length=2, max_length=2)
    percent: list[str] | None = Field(default=None, min_length=2, max_length=2)

    @model_validator(mode="after")
    def _one_form(self) -> Rule:
        forms = [f for f in ("share", "sum", "difference", "percent") if getattr(self, f)]
        if len(forms) != 1:
            raise ValueError(
                "a rule takes exactly one of: share (with of), sum, difference, percent"
            )
        if (self.share is None) != (self.of is None):
            raise ValueError("'share' and 'of' go together")
        return self

    def refs(self) -> list[str]:
        """Return the column references the rule reads."""
        if self.of:
            return [self.of]
        return list(self.sum or self.difference or self.percent or [])


def column_ref(
    kind: str,
    metric: str | None,
    period: str | None,
    cumulative: bool = False,
    name: str | None = None,
    id: str | None = None,  # noqa: A002 - the card's key
) -> str:
    """Return the name rules use for a column.

    `metric@period`, `metric@to-period` for a running total, the `name` of an info column,
    unless `id` is set.
    """
    if id:
        return id
    if kind == "info":
        return str(name)
    if cumulative:
        return f"{metric}@to-{period}"
    return f"{metric}@{period}"


class ColumnMap(_Strict):
    """Maps a header (a text, or a path of texts over header rows) to what its figures are.

    `kind: actual` with `cumulative: true` is a running total (lũy kế): counted from the
    term's start to the end of `period`. `kind: info` keeps a column no metric names (workers
    by source, an estimate) as a named extra figure: `name` says what it is; it is shown in
    the unit's row of the reports and never used for progress.
    """

    header: str | list[str]
    kind: Literal["target", "actual", "baseline", "derived", "info"]
    metric: MetricName | None = None
    period: PeriodId | None = None
    cumulative: bool = False
    name: str | None = Field(default=None, min_length=1)
    id: str | None = None
    rule: Rule | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ColumnMap:
        where = f"column {self.header_label!r}"
        if self.kind == "info":
            if not self.name:
                raise ValueError(f"{where}: kind 'info' needs a 'name' saying what it holds")
            if self.cumulative:
                raise ValueError(f"{where}: 'cumulative' goes with kind 'actual', not 'info'")
            return self
        if self.name is not None:
            raise ValueError(f"{where}: 'name' goes with kind 'info' (a metric names the rest)")
        missing = [k for k in ("metric", "period") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{where}: kind {self.kind!r} needs {' and '.join(missing)}")
        if self.cumulative:
            from ptdv.plan.metrics import METRICS

            if self.kind != "actual":
                raise ValueError(
                    f"{where}: 'cumulative' (a running total) goes with kind 'actual', "
                    f"not {self.kind!r}"
                )
            if METRICS[self.metric].stock:
                raise ValueError(
                    f"{where}: {self.metric} is a level at a date, not a flow: it has no "
                    "running total; map it as kind 'actual' without 'cumulative'"
                )
            if self.period == "term":
                raise ValueError(
                    f"{where}: a running total runs to the end of a half-year or year: set "
                    "'period' to the one whose end it runs to (e.g. 2025-H2), not 'term'"
                )
        return self

    @property
    def tidy_kind(self) -> str:
        """Return its figures' kind in the tidy tables ('cumulative' for a running total)."""
        return "cumulative" if self.cumulative else self.kind

    @property
    def ref(self) -> str:
        """Return the name rules use for this column (see `column_ref`)."""
        return column_ref(self.kind, self.metric, self.period, self.cumulative, self.name, self.id)

    @property
    def header_path(self) -> list[str]:
        """Return the header as a list of texts, outermost first."""
        return [self.header] if isinstance(self.header, str) else list(self.header)

    @property
    def header_label(self) -> str:
        """Return the header as one readable text."""
        return " › ".join(self.header_path)


class Source(_Strict):
    """One table of figures: a file, its sheet, and the mapping of its columns."""

    file: str
    sheet: str | None = None
    copies: list[str] = []
    row_number: str = "TT"
    unit_name: str = "Đơn vị"
    aliases: dict[str, str] = {}
    columns: list[ColumnMap] = Field(min_length=1)

    @model_validator(mode="after")
    def _refs_known(self) -> Source:
        refs = [c.ref for c in self.columns]
        seen: dict[object, ColumnMap] = {}
        for col in self.columns:
            # the same name for rules, or the same figure in the tidy tables
            keys: list[tuple[object, str]] = [(("ref", col.ref), f"the name {col.ref!r}")]
            if col.kind == "info":
                keys.append((("info", col.name, col.period), f"info {col.name!r}"))
            elif col.kind != "derived":
                what = f"{col.tidy_kind} {col.metric} {col.period}"
                keys.append(((col.tidy_kind, col.metric, col.period), what))
            for key, what in keys:
                if key in seen:
                    raise ValueError(
                        f"columns {seen[key].header_label!r} and {col.header_label!r} both "
                        f"give {what}: give one of them another kind, metric or period, or "
                        "keep it as kind 'info' with a name"
                    )
                seen[key] = col
        for col in self.columns:
            for ref in col.rule.refs() if col.rule else []:
                if ref not in refs:
                    close = difflib.get_close_matches(ref, refs, n=1, cutoff=0.8)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ValueError(
                        f"rule of column {col.header_label!r} refers to {ref!r}, which no "
                        f"column of this source maps{hint}; known: {', '.join(refs)}"
                    )
        return self


class Actuals(_Strict):
    """Where units' half-year figures come from: forms under data/raw/<plan>/<folder>/<period>/."""

    folder: str = "actuals"
    #: True when the figures are made up for demonstration: every output says so
    demo: bool = False
    #: variant unit names seen in forms -> the unit's name in the allocation table
    aliases: dict[str, str] = {}
    #: forms are due this many days after a half-year ends (the date reminders give)
    due_days: int = Field(default=5, ge=0, le=90)
    #: blank forms also ask for running totals from the term's start (lũy kế); forms that
    #: carry them are read whatever this says
    running_totals: bool = False


class ProgressSettings(_Strict):
    """How progress is judged."""

    #: a unit is "on track" when its cumulative actual is at least this share of the pace
    on_track_ratio: float = Field(default=0.9, gt=0, le=1)
    #: half-year targets: half of the year's target (split_year) or the term target pro rata
    half_year_targets: Literal["split_year", "pro_rata_term"] = "split_year"


class PlanCard(_Strict):
    """Everything ptdv needs to know about one plan."""

    plan_id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    issuer: str
    issuer_short: str
    level: Literal["national", "province", "district"]
    document: Document
    term: Term
    half_years: Literal[HALF_YEAR_SCHEMES]  # type: ignore[valid-type]
    demo: bool = False
    #: the language of the plan's reports: its outputs keep the plain names (tong-hop.html),
    #: another language's carry its code (tong-hop.en.html); `ptdv send` sends it by default
    language: Literal["vi", "en"] = "vi"
    members_target: Literal["net", "admitted"]
    metrics: list[MetricName] = Field(min_length=1)
    declared_totals: list[DeclaredTotal] = []
    other_targets: list[OtherTarget] = []
    sources: list[Source] = []
    actuals: Actuals = Actuals()
    progress: ProgressSettings = ProgressSettings()

    @model_validator(mode="after")
    def _term_on_half_years(self) -> PlanCard:
        from ptdv.plan.periods import Calendar

        try:
            Calendar(self.half_years, self.term.start, self.term.end)
        except ValueError as err:
            raise ValueError(f"keys 'term' and 'half_years': {err}") from None
        return self

    @property
    def card_path(self) -> Path:
        """Return where this card lives."""
        return paths.plan_card_path(self.plan_id)

    def raw_path(self, file: str) -> Path:
        """Return the path of one of this plan's raw files."""
        return paths.raw_dir(self.plan_id) / file


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not re.fullmatch(r"[A-Za-z_][\w-]*", str(part)):
            continue  # pydantic's internal branch names (e.g. 'str', 'list[str]')
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_of(annotation: object) -> type[BaseModel] | None:
    """Return the pydantic model an annotation holds (through Optional), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _keys_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Return the valid keys of the mapping at `loc` inside `model` ([] when unknown)."""
    here: object = model
    for part in loc:
        found = _model_of(here)
        if found is not None and isinstance(part, str) and part in found.model_fields:
            here = found.model_fields[part].annotation
            continue
        args = typing.get_args(here)
        for arg in args:  # X | None: look inside X
            if typing.get_origin(arg) in (list, dict):
                here, args = arg, typing.get_args(arg)
                break
        if typing.get_origin(here) is list and isinstance(part, int) and args:
            here = args[0]
        elif typing.get_origin(here) is dict and args:
            here = args[-1]
        else:
            return []
    found = _model_of(here)
    return list(found.model_fields) if found is not None else []


def _unknown_key(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Return the closest valid key to an unknown one ('' if none) and the hint to print."""
    if model is None or not loc or not isinstance(loc[-1], str):
        return "", ""
    valid = _keys_at(model, loc[:-1])
    if not valid:
        return "", ""
    close = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.6)
    if close:
        return close[0], f" (did you mean '{close[0]}'?)"
    return "", f" (valid keys here: {', '.join(valid)})"


def describe_validation_error(err: ValidationError, model: type[BaseModel] | None = None) -> str:
    """Return one line per problem of a pydantic error, each naming its key.

    With `model` (the validated class), an unknown key gets the closest valid key as a
    hint, and a required key that the misspelt one stands for is not also called missing.
    """
    lines = []
    seen = set()
    errors = err.errors()
    meant = set()
    for e in errors:
        if e["type"] == "extra_forbidden":
            close, _hint = _unknown_key(model, tuple(e["loc"]))
            if close:
                meant.add((*tuple(e["loc"])[:-1], close))
    for e in errors:
        key = _loc(tuple(e["loc"]))
        if e["type"] == "extra_forbidden":
            msg = f"unknown key '{key}'" + _unknown_key(model, tuple(e["loc"]))[1]
        elif e["type"] == "missing" and tuple(e["loc"]) in meant:
            continue  # said by the unknown key's hint
        elif e["type"] == "missing":
            msg = f"missing key '{key}'"
        elif not e["loc"]:  # a check across keys: its text names them
            msg = e["msg"].removeprefix("Value error, ")
        else:
            text = e["msg"].removeprefix("Value error, ")
            got = e.get("input")
            # a check over a whole mapping names what it found; the mapping would be noise
            shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
            if shown and repr(got) in text:  # the text names it already
                shown = ""
            msg = f"key '{key}': {text}{shown}"
        if msg not in seen:
            seen.add(msg)
            lines.append(msg)
    return "; ".join(lines)


def describe_yaml_error(err: yaml.YAMLError) -> str:
    """Return 'line L, column C: YAML error: what', with where an unclosed bracket opened."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    text = f"YAML error: {problem}"
    context, opened = getattr(err, "context", None), getattr(err, "context_mark", None)
    if context and opened and (mark is None or opened.line != mark.line):
        text += f" ({context} started on line {opened.line + 1}, column {opened.column + 1})"
    return f"line {mark.line + 1}, column {mark.column + 1}: {text}" if mark else text


def parse_card(text: str, origin: str) -> PlanCard:
    """Return the plan card in `text`, or raise ConfigError naming `origin` and the key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{origin}: {describe_yaml_error(err)}") from None
    if data is None:
        raise ConfigError(
            f"{origin}: the plan card is empty: expected its keys (plan_id, title, issuer, "
            "term, half_years, ...); start from `ptdv inspect <table>` or a shipped card"
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of keys at the top level")
    try:
        return PlanCard.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{origin}: {describe_validation_error(err, PlanCard)}") from None


def available_plans() -> list[str]:
    """Return the ids of the plan cards in config/plans."""
    return sorted(p.stem for p in paths.plans_dir().glob("*.yaml"))


def load_card(plan_id: str) -> PlanCard:
    """Return the validated card of `plan_id`, or raise ConfigError listing known plans."""
    path = paths.plan_card_path(plan_id)
    if not path.is_file():
        if not paths.plans_dir().is_dir():  # not a ptdv project at all: say where it looked
            root = paths.root()
            via = f" (PTDV_ROOT={os.environ['PTDV_ROOT']})" if os.environ.get("PTDV_ROOT") else ""
            raise ConfigError(
                f"unknown plan {plan_id!r}: {root}{via} has no config/plans folder of plan "
                "cards: is it the project's folder?"
            )
        known = ", ".join(available_plans()) or "none"
        raise ConfigError(f"unknown plan {plan_id!r}: no {path}; known plans: {known}")
    card = parse_card(path.read_text(encoding="utf-8"), str(path))
    if card.plan_id != plan_id:
        raise ConfigError(
            f"{path}: key 'plan_id' is {card.plan_id!r}, the file name says {plan_id!r}"
        )
    return card
