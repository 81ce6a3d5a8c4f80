"""Pandera schemas of the processed tables: what every later step may rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _is_period(s: pd.Series) -> pd.Series:
    """Return whether each text is a period id (PERIOD_RE), as `str_matches` would.

    The pattern is tried once per distinct text, not on each of a national table's 2.8 M
    actuals (0.2-0.35 s); a non-text value is no period.
    """
    periods = [p for p in s.dropna().unique() if isinstance(p, str) and PERIOD_RE.match(p)]
    return s.isin(periods)


_PERIOD = pa.Check(_is_period, name="str_matches", error=f"str_matches('{PERIOD_RE.pattern}')")


def first_of_each_key(df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Return, for each row, whether no row before it has the same `keys` (NaN equal to NaN).

    What `~df.duplicated(keys)` returns, and what pandera's `unique=keys` checks, in a
    third of the time on a national table's 2.8 M actuals (0.25 s against 0.72 s): each key
    column's codes are combined into one integer per row and counted, and only a table that
    has a key twice is looked at row by row.
    """
    n = len(df)
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for col in keys:
        codes, uniques = pd.factorize(df[col], use_na_sentinel=False)
        if size > (2**62) // max(len(uniques), 1):  # renumber the combined key first
            key, combined = pd.factorize(key)
            size = len(combined)
        key = key * len(uniques) + codes
        size *= max(len(uniques), 1)
    if size > 4 * n + 1024:  # too many combinations to count in one array: number them
        key, combined = pd.factorize(key)
        size = len(combined)
    if n == 0 or np.bincount(key, minlength=size).max() <= 1:
        return np.ones(n, dtype=bool)
    return ~pd.Series(key).duplicated().to_numpy()


def _first_of_each_key(df: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    return pd.Series(first_of_each_key(df, list(keys)), index=df.index)


def _unique(*keys: str) -> pa.Check:
    """A table check: no two rows have the same `keys` (see first_of_each_key).

    A row that repeats a key fails it; `keys` are in the check's statistics too.
    """
    return pa.Check(
        _first_of_each_key,
        name="unique",
        error=f"{', '.join(keys)} given twice",
        keys=keys,
    )


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
    # unique unit_id, metric, period and kind, as `unique=[...]` would check, faster
    checks=_unique("unit_id", "metric", "period", "kind"),
    strict=True,
    coerce=True,
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
