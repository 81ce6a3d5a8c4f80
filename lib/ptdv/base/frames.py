"""Text columns of pandas frames, made by Arrow.

A DataFrame given an object array of Python texts scans every item for its type, then
converts it to pandas' text dtype; a national table's long tables have 2.8 M rows, its
progress table 270,000. These make the same columns straight from Arrow, a repeated text
by position rather than once per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow

#: pandas' text dtype: what a column of Python texts becomes in a DataFrame
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def texts(values: object, take: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """Return Python texts (None or NaN: missing) as a pandas text column; with `take`, the
    texts at those positions (each unit's name repeated over its figures, say)."""
    column = pyarrow.array(values, type=pyarrow.large_string(), from_pandas=True)
    return pd.array(column if take is None else column.take(take), dtype=TEXT)


def repeated(text: str | None, n: int) -> pd.api.extensions.ExtensionArray:
    """Return one text `n` times as a pandas text column (2.8 M rows: 15 ms); None: a column
    of missing texts (not an object column, which a schema would convert item by item)."""
    column = pyarrow.repeat(pyarrow.scalar(text, pyarrow.large_string()), n)
    return pd.array(column, dtype=TEXT)
