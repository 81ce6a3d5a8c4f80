"""Text columns made by Arrow are the columns pandas would make (ptdv.base.frames)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ptdv.base import frames


def test_texts_made_by_arrow_are_the_column_pandas_makes() -> None:
    # what a DataFrame makes of an object array of texts: same dtype, values and missing
    values = np.array(["Bắc Giang", None, "", math.nan, "Thanh Hóa"], dtype=object)
    made = pd.Series(frames.texts(values))
    pd.testing.assert_series_equal(made, pd.DataFrame({"x": values})["x"], check_names=False)
    assert made.isna().tolist() == [False, True, False, True, False]
    at = np.array([4, 4, 0, 1], dtype=np.int64)
    taken = pd.Series(frames.texts(values, at))
    pd.testing.assert_series_equal(taken, pd.Series(values[at]), check_names=False)
    assert taken.tolist()[:3] == ["Thanh Hóa", "Thanh Hóa", "Bắc Giang"]
    assert len(frames.texts(np.array([], dtype=object))) == 0


def test_a_repeated_text_is_the_column_pandas_makes() -> None:
    made = pd.Series(frames.repeated("quoc-gia", 4))
    expected = pd.DataFrame({"x": ["quoc-gia"] * 4})["x"]
    pd.testing.assert_series_equal(made, expected, check_names=False)
    assert made.tolist() == ["quoc-gia"] * 4 and len(frames.repeated("x", 0)) == 0


def test_no_text_repeated_is_a_missing_text_column() -> None:
    # a text table's figures have no sheet: the column is missing throughout, yet text, so
    # that the schema has nothing to convert (an object column took 0.18 s at 2.8 M rows)
    made = pd.Series(frames.repeated(None, 3))
    assert made.dtype == frames.TEXT and made.isna().all() and len(made) == 3
    expected = pd.DataFrame({"x": [None] * 3})["x"].astype(frames.TEXT)
    pd.testing.assert_series_equal(made, expected, check_names=False)
