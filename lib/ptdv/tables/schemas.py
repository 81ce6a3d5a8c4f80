"""Pandera schemas of the processed tables: what every later step may rely on."""

from __future__ import annotations

import pandera.pandas as pa

from ptdv.plan.metrics import KINDS, METRICS
from ptdv.plan.periods import PERIOD_RE
from ptdv.tables.checks import SEVERITIES

#: The tidy tables' columns, in order (the schemas below check them).
FIGURE_COLUMNS = [
    "plan_id",
    "level",
    "unit_id",
    "unit_name",
    "metric",
    "period",
    "kind",
    "value",
    "source_file",
    "sheet",
    "row",
    "column",
]
UNIT_COLUMNS = [
    "plan_id",
    "unit_id",
    "unit_name",
    "order",
    "tt",
    "group",
    "source_file",
    "sheet",
    "row",
]
#: Named extra figures (card columns of kind `info`): shown beside a unit, never progress.
INFO_COLUMNS = [
    "plan_id",
    "unit_id",
    "unit_name",
    "name",
    "period",
    "value",
    "source_file",
    "sheet",
    "row",
    "column",
]

_PERIOD = pa.Check.str_matches(PERIOD_RE.pattern)

UNITS = pa.DataFrameSchema(
    {
        "plan_id": pa.Column(str),
        "unit_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9]+(-[a-z0-9]+)*$"), unique=True),
        "unit_name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "order": pa.Column(int, pa.Check.ge(1), unique=True),
        "tt": pa.Column("Int64", nullable=True),
        "group": pa.Column(str, nullable=True),
        "source_file": pa.Column(str),
        "sheet": pa.Column(str, nullable=True),
        "row": pa.Column(int, pa.Check.ge(1)),
    },
    strict=True,
    coerce=True,
)

FIGURES = pa.DataFrameSchema(
    {
        "plan_id": pa.Column(str),
        "level": pa.Column(str, pa.Check.isin(["unit", "plan"])),
        "unit_id": pa.Column(str),
        "unit_name": pa.Column(str),
        "metric": pa.Column(str, pa.Check.isin(list(METRICS))),
        "period": pa.Column(str, _PERIOD),
        "kind": pa.Column(str, pa.Check.isin(list(KINDS))),
        "value": pa.Column(float, nullable=True),
        "source_file": pa.Column(str),
        "sheet": pa.Column(str, nullable=True),
        "row": pa.Column("Int64", nullable=True),
        "column": pa.Column(str),
    },
    strict=True,
    coerce=True,
    unique=["unit_id", "metric", "period", "kind"],
)

INFO = pa.DataFrameSchema(
    {
        "plan_id": pa.Column(str),
        "unit_id": pa.Column(str),
        "unit_name": pa.Column(str),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "period": pa.Column(str, _PERIOD, nullable=True),
        "value": pa.Column(float, nullable=True),
        "source_file": pa.Column(str),
        "sheet": pa.Column(str, nullable=True),
        "row": pa.Column("Int64", nullable=True),
        "column": pa.Column(str),
    },
    strict=True,
    coerce=True,
    unique=["unit_id", "name", "period"],
)

QUALITY = pa.DataFrameSchema(
    {
        "severity": pa.Column(str, pa.Check.isin(list(SEVERITIES))),
        "check": pa.Column(str),
        "source": pa.Column(str),
        "row": pa.Column("Int64", nullable=True),
        "unit": pa.Column(str, nullable=True),
        "message": pa.Column(str),
        # the finding's machine form: where, and its sentence's template and parameters
        "file": pa.Column(str, nullable=True),
        "sheet": pa.Column(str, nullable=True),
        "column": pa.Column(str, nullable=True),
        "template": pa.Column(str),
        "params": pa.Column(str, pa.Check.str_startswith("{")),
    },
    strict=True,
    coerce=True,
)
