"""A tab-separated file's rows, split when read, and its columns taken whole (TextRows)."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa

from ptdv.tables import ingest
from ptdv.tables.ingest import TextRows, read_grid
from ptdv.tables.numbers import parse_column

TEXT = (
    "Bảng giao chỉ tiêu\n"
    "\n"
    "TT\tĐơn vị\tKết nạp\n"
    "1\tCĐCS An Phát\t1.234\t\t\n"
    "2\t\tx\n"
    "\t\t\n"
    "3\tCĐCS <B>Bình Minh</B>\t5\n"
    "4\tCĐCS Hòa ** Bình\t(7)\textra\n"
)
ROWS = [
    ["Bảng giao chỉ tiêu"],
    [],
    ["TT", "Đơn vị", "Kết nạp"],
    ["1", "CĐCS An Phát", "1.234"],
    ["2", None, "x"],
    [],
    ["3", "CĐCS <B>Bình Minh</B>", "5"],
    ["4", "CĐCS Hòa ** Bình", "(7)", "extra"],
]


def test_rows_read_one_by_one_as_the_whole_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "bang.txt"
    path.write_text(TEXT, encoding="utf-8")
    grid = read_grid(path)
    assert isinstance(grid.rows, TextRows)
    assert len(grid.rows) == 8
    assert grid.rows[7] == ROWS[7]  # a row read before the others
    assert list(grid.rows) == ROWS
    assert grid.rows[2:4] == ROWS[2:4]
    assert grid.rows[-1] == ROWS[-1]
    assert grid.row_numbers == list(range(1, 9))
    # bold: a cell marked <b> in any case, or starting with ** (not ** inside a name)
    assert grid.bold == [False] * 6 + [True, False]


def test_a_column_is_the_cells_of_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "bang.txt"
    path.write_text(TEXT, encoding="utf-8")
    rows = read_grid(path).rows
    for j in range(5):
        for first in (0, 3, 7):
            cells = [row[j] if j < len(row) else None for row in ROWS[first:]]
            assert rows.column(j, first).to_pylist() == cells, (j, first)
    assert rows.column(2, 3).to_pylist() == ["1.234", "x", None, "5", "(7)"]


def test_a_cell_of_spaces_is_read_the_long_way(tmp_path: Path) -> None:
    path = tmp_path / "bang.txt"
    path.write_text("TT\tĐơn vị\n1\t \u00a0\t5\n", encoding="utf-8")
    grid = read_grid(path)
    assert not isinstance(grid.rows, TextRows)
    assert grid.rows == [["TT", "Đơn vị"], ["1", None, "5"]]


def test_a_column_from_arrow_parses_as_the_same_cells_in_a_list() -> None:
    cells = ["98.149", None, "(1.689)", "12,5%", "abc", "1.234.567", "0", "(0)", "1.5"]
    listed, arrow = parse_column(cells), parse_column(pa.array(cells, pa.large_string()))
    assert np.array_equal(arrow.value, listed.value, equal_nan=True)
    assert arrow.value[[0, 2, 5]].tolist() == [98149.0, -1689.0, 1234567.0]
    assert np.array_equal(arrow.decimals, listed.decimals)
    assert np.array_equal(arrow.percent, listed.percent)
    # "abc" is no number; "1.5" neither (a dot groups three digits in Vietnamese)
    assert sorted(arrow.errors) == sorted(listed.errors) == [4, 8]
    assert [str(arrow.errors[k]) for k in (4, 8)] == [str(listed.errors[k]) for k in (4, 8)]


def test_other_spaces_are_what_str_split_takes_for_a_space() -> None:
    every = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(ingest._OTHER_SPACES) == every - {" "}


def test_plain_unit_names_only_where_the_one_by_one_test_agrees() -> None:
    # a True says the name is its own text; a False only sends it the long way
    names = [
        "CĐCS Trường Mầm non Việt Tiến 001-0001",  # plain
        "Công ty TNHH Hưng Thịnh",  # plain
        "CĐCS <b>An Phát</b> và Cộng sự",  # markup
        "CĐCS **An Phát** và Cộng sự",  # markup
        "CĐCS An  Phát và Cộng sự Hà Nội",  # two spaces
        " CĐCS An Phát và Cộng sự Hà Nội",  # a space first
        "CĐCS An Phát và Cộng sự Hà Nội ",  # a space last
        "CĐCS An\u00a0Phát và Cộng sự Hà Nội",  # a no-break space
        "CĐCS An\tPhát và Cộng sự Hà Nội",  # a tab
        unicodedata.normalize("NFD", "CĐCS Trường Mầm non Việt Tiến"),  # decomposed
        "Tổng cộng",  # a totals label: too few letters to tell
        "Cộng",
        "(12)",  # a column number
        "",
        None,
    ]
    plain = ingest._plain_unit_names(pa.array(names, type=pa.large_string()))
    assert plain == [True, True] + [False] * (len(names) - 2)
    for name, quick in zip(names, plain, strict=True):
        if quick:
            assert ingest._plain_unit_name(name) == name
    # the long way still reads the names the column test leaves to it
    assert ingest._plain_unit_name(names[4]) == "CĐCS An Phát và Cộng sự Hà Nội"
    assert ingest._plain_unit_name("Tổng cộng") == ""


def test_ascii_letters_and_digits_are_counted_over_the_bytes() -> None:
    texts = ["Đắk Lắk 12", "", None, "abc-DEF_09", "Ａｂｃ１", "ĐĐĐ", "x" * 9, "tổng"]
    want = [0 if t is None else len(re.sub("[^0-9A-Za-z]+", "", t)) for t in texts]
    assert want == [5, 0, 0, 8, 0, 0, 9, 3]
    column = pa.array(["skip", *texts, "skip"], type=pa.large_string())
    for arr in (pa.array(texts, type=pa.large_string()), column.slice(1, len(texts))):
        assert ingest._ascii_alnum_counts(arr).tolist() == want
    # 8 letters and digits (the longest totals key's length) are too few for a plain name
    got = ingest._plain_unit_names(pa.array(["ABCDEFGH", "ABCDEFGHI", "Đắk Lắk 1234"]))
    assert got == [False, True, False]


def test_the_lines_that_may_hold_a_bold_cell_are_found_in_one_pass() -> None:
    lines = [
        "", "1\tCĐCS <b>A</b>\t5", "2\tB\t<B>6</B>", "3\tC ** D\t7", "**Tổng**\t\t9",
        "4\t< b>E\t8", "5\t<bb>F\t1", "6\t*\t*", "7\tĐắk Lắk\t2",
    ]  # fmt: skip
    want = [i for i, line in enumerate(lines) if ingest._marked_line(line)]
    assert ingest._marked_lines(lines) == want == [1, 2, 3, 4]


def test_a_file_marked_with_capital_b_only_has_its_bold_row(tmp_path: Path) -> None:
    path = tmp_path / "bang.txt"
    path.write_text("TT\tĐơn vị\tKết nạp\n1\tAn Phát\t3\n\tTỔNG <B>CỘNG</B>\t3\n", "utf-8")
    assert read_grid(path).bold == [False, False, True]
