"""Reading messy raw tables (ptdv.tables.ingest.read_table) and the errors bad input raises."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ptdv.base.errors import DataError
from ptdv.plan.config import PlanCard
from ptdv.tables.clean import CleanResult, clean_plan
from ptdv.tables.ingest import Table, read_table

WriteFn = Callable[..., Path]

#: The four figure columns of the three-row header: year › CĐCS / ĐV.
SPEC = [
    ("unions_founded@2024", ["Năm 2024", "CĐCS"]),
    ("members_admitted@2024", ["Năm 2024", "ĐV"]),
    ("unions_founded@2025", ["Năm 2025", "CĐCS"]),
    ("members_admitted@2025", ["Năm 2025", "ĐV"]),
]
CARD_COLUMNS = """\
- header: [Năm 2024, CĐCS]
  kind: target
  metric: unions_founded
  period: "2024"
- header: [Năm 2024, ĐV]
  kind: target
  metric: members_admitted
  period: "2024"
- header: [Năm 2025, CĐCS]
  kind: target
  metric: unions_founded
  period: "2025"
- header: [Năm 2025, ĐV]
  kind: target
  metric: members_admitted
  period: "2025"
"""

# A table as it arrives in Excel: titles, a three-row merged header, group labels, text and
# numeric figures, a blank row, the header repeated after a page break (spelled `S T T`),
# a totals row and a signature block.
MESSY_XLSX: list[list[Any]] = [
    ["LIÊN ĐOÀN LAO ĐỘNG TỈNH THỬ"],  # 1
    ["BẢNG GIAO CHỈ TIÊU 2024 - 2025"],  # 2
    [],  # 3
    ["TT", "Đơn vị", "Chỉ tiêu giao", None, None, None],  # 4
    [None, None, "Năm 2024", None, "Năm 2025", None],  # 5
    [None, None, "CĐCS", "ĐV", "CĐCS", "ĐV"],  # 6
    ["KHỐI HUYỆN"],  # 7
    [1, "LĐLĐ huyện An", "2", "98.149", "(65)", "- 104"],  # 8
    [2, "<b>LĐLĐ huyện Bình</b>", 3, 1200, "-", None],  # 9
    [],  # 10
    ["S T T", "Đơn vị", "Chỉ tiêu giao", None, None, None],  # 11
    [None, None, "Năm 2024", None, "Năm 2025", None],  # 12
    [None, None, "CĐCS", "ĐV", "CĐCS", "ĐV"],  # 13
    ["KHỐI NGÀNH"],  # 14
    [3, "CĐN Y tế", 1, 40.0, "1", "<b>12.884</b>"],  # 15
    [None, "Tổng cộng", 6, 99389, -64, "12.780"],  # 16
    [],  # 17
    ["Nơi nhận:", None, None, None, "TM. BAN THƯỜNG VỤ"],  # 18
    ["- Như trên;", None, None, None, "CHỦ TỊCH"],  # 19
    ["- Lưu VT."],  # 20
    [None, None, None, None, "Nguyễn Văn An"],  # 21
]
MESSY_MERGES = [
    "A4:A6",
    "B4:B6",
    "C4:F4",
    "C5:D5",
    "E5:F5",
    "A7:F7",
    "A11:A13",
    "B11:B13",
    "C11:F11",
    "C12:D12",
    "E12:F12",
    "A14:F14",
]

# The same table as text copied from a Word document: spanning cells are empty cells to the
# right of their label, group labels carry a Roman numeral, markup is left in.
MESSY_TXT: list[list[Any]] = [
    ["**LIÊN ĐOÀN LAO ĐỘNG TỈNH THỬ**"],  # 1
    ["BẢNG GIAO CHỈ TIÊU 2024 - 2025"],  # 2
    [],  # 3
    ["TT", "Đơn vị", "Chỉ tiêu giao", "", "", ""],  # 4
    ["", "", "Năm 2024", "", "Năm 2025", ""],  # 5
    ["", "", "CĐCS", "ĐV", "CĐCS", "ĐV"],  # 6
    ["I", "KHỐI HUYỆN"],  # 7
    ["1", "LĐLĐ huyện An", "2", "98.149", "(65)", "- 104"],  # 8
    ["2", "<b>LĐLĐ huyện Bình</b>", "3", "1.200", "-", ""],  # 9
    [],  # 10
    ["S T T", "Đơn vị", "Chỉ tiêu giao", "", "", ""],  # 11
    ["", "", "Năm 2024", "", "Năm 2025", ""],  # 12
    ["", "", "CĐCS", "ĐV", "CĐCS", "ĐV"],  # 13
    ["II", "KHỐI NGÀNH"],  # 14
    ["3", "CĐN Y tế", "1", "40", "1", "<b>12.884</b>"],  # 15
    ["", "<b>Tổng cộng</b>", "<b>6</b>", "<b>99.389</b>", "<b>(64)</b>", "<b>12.780</b>"],  # 16
    [],  # 17
    ["Nơi nhận:", "", "", "", "TM. BAN THƯỜNG VỤ"],  # 18
    ["- Như trên;", "", "", "", "CHỦ TỊCH"],  # 19
    ["- Lưu VT."],  # 20
    ["", "", "", "", "Nguyễn Văn An"],  # 21
]


@pytest.fixture
def messy(tmp_path: Path, xlsx_writer: WriteFn, tsv_writer: WriteFn) -> Callable[[str], Table]:
    def read(fmt: str) -> Table:
        if fmt == "xlsx":
            path = xlsx_writer(
                tmp_path / "messy.xlsx", MESSY_XLSX, sheet="Biểu 1", merged=MESSY_MERGES
            )
            return read_table(path, "Biểu 1", SPEC)
        path = tsv_writer(tmp_path / "messy.txt", MESSY_TXT)
        return read_table(path, None, SPEC)

    return read


def values(table: Table, ref: str) -> list[float | None]:
    out = []
    for r in table.units:
        p = r.values[ref]
        out.append(None if p is None else p.value)
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "txt"])
def test_messy_header_over_three_rows(messy, fmt: str) -> None:
    table = messy(fmt)
    assert table.header_row_numbers == [4, 5, 6]
    assert (table.tt_col, table.name_col) == (0, 1)
    paths = {c.letter: c.path for c in table.columns}
    assert paths["C"] == ["Chỉ tiêu giao", "Năm 2024", "CĐCS"]
    assert paths["D"] == ["Chỉ tiêu giao", "Năm 2024", "ĐV"]
    assert paths["F"] == ["Chỉ tiêu giao", "Năm 2025", "ĐV"]
    refs = {c.letter: c.ref for c in table.columns if c.ref}
    assert refs == {
        "C": "unions_founded@2024",
        "D": "members_admitted@2024",
        "E": "unions_founded@2025",
        "F": "members_admitted@2025",
    }


@pytest.mark.parametrize("fmt", ["xlsx", "txt"])
def test_messy_rows_are_classified(messy, fmt: str) -> None:
    table = messy(fmt)
    kinds = {r.number: r.kind for r in table.rows}
    assert [r.number for r in table.units] == [8, 9, 15]
    assert [r.tt for r in table.units] == [1, 2, 3]
    assert [r.name for r in table.units] == ["LĐLĐ huyện An", "LĐLĐ huyện Bình", "CĐN Y tế"]
    assert [r.number for r in table.totals] == [16]
    assert table.totals[0].name == "Tổng cộng"
    assert kinds[7] == kinds[14] == "group"
    assert kinds[10] == kinds[17] == "blank"
    assert [kinds[n] for n in (11, 12, 13)] == ["repeat_header"] * 3
    assert [r.number for r in table.trailer] == [18, 19, 20, 21]
    groups = [r.group for r in table.units]
    assert "KHỐI HUYỆN" in groups[0] and "KHỐI HUYỆN" in groups[1]
    assert "KHỐI NGÀNH" in groups[2]
    # the spelling of the repeated header drifted (S T T for TT): recorded as such
    assert table.repeats == [(11, True)]


@pytest.mark.parametrize("fmt", ["xlsx", "txt"])
def test_messy_numbers_in_every_format(messy, fmt: str) -> None:
    table = messy(fmt)
    assert values(table, "unions_founded@2024") == [2, 3, 1]
    assert values(table, "members_admitted@2024") == [98149, 1200, 40]
    assert values(table, "unions_founded@2025") == [-65, None, 1]
    assert values(table, "members_admitted@2025") == [-104, None, 12884]
    total = {k: (v.value if v else None) for k, v in table.totals[0].values.items()}
    assert total == {
        "unions_founded@2024": 6,
        "members_admitted@2024": 99389,
        "unions_founded@2025": -64,
        "members_admitted@2025": 12780,
    }


def test_markup_in_names_is_kept_raw_for_the_log(messy) -> None:
    table = messy("txt")
    assert table.units[1].raw_name == "<b>LĐLĐ huyện Bình</b>"
    assert table.units[1].name == "LĐLĐ huyện Bình"
    assert table.totals[0].bold and not table.units[0].bold


def test_drifted_repeat_is_skipped_in_a_text_copy(tmp_path: Path, tsv_writer: WriteFn) -> None:
    head = ["TT", "Đơn vị", "Số CNLĐ chưa là ĐV", "Số ĐV tăng thêm"]
    rows = [
        head,
        ["1", "An Giang", "6.080", "1.258"],
        ["TT", "Đơn vị", "Số CNLD chưa là ĐV", "Số ĐV tăng thêm"],
        ["2", "Bạc Liêu", "4.119", "412"],
        ["STT", "Đơn vị", "Số CNLĐ chưa là ĐV", "Số ĐV tăng thêm"],
        ["3", "Bắc Kạn", "2.761", "(65)"],
    ]
    path = tsv_writer(tmp_path / "t.txt", rows)
    table = read_table(path, None, [("w", ["Số CNLĐ chưa là ĐV"]), ("n", ["Số ĐV tăng thêm"])])
    assert table.repeats == [(3, True), (5, True)]
    assert [r.name for r in table.units] == ["An Giang", "Bạc Liêu", "Bắc Kạn"]
    assert values(table, "n") == [1258, 412, -65]


def test_same_spelling_repeat_is_not_drift(tmp_path: Path, tsv_writer: WriteFn) -> None:
    head = ["TT", "Đơn vị", "ĐV"]
    rows = [head, ["1", "An", "1"], head, ["2", "Bình", "2"]]
    table = read_table(tsv_writer(tmp_path / "t.txt", rows), None, [("n", ["ĐV"])])
    assert table.repeats == [(3, False)]


def test_a_different_second_header_is_an_error(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [
        ["TT", "Đơn vị", "ĐV"],
        ["1", "An", "1"],
        ["TT", "Họ và tên cán bộ phụ trách", "Điện thoại liên hệ"],
        ["1", "Nguyễn Văn An", "0912"],
    ]
    path = tsv_writer(tmp_path / "t.txt", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, [("n", ["ĐV"])])
    assert "row 3" in str(err.value) and "differs from the first one" in str(err.value)


def test_header_over_two_rows_with_titles(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = [
        ["TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM"],
        ["(Kèm theo Kế hoạch số 01/KH)"],
        ["STT", "Tên đơn vị", "Giai đoạn 2021-2023", None],
        [None, None, "Số CNLĐ chưa là ĐV", "Số ĐV giao"],
        [1, "An Giang", 6080, 11300],
    ]
    path = xlsx_writer(tmp_path / "t.xlsx", rows, merged=["A3:A4", "B3:B4", "C3:D3"])
    table = read_table(path, None, [("n", ["Số ĐV giao"])])  # sheet=None: the only sheet
    assert table.header_row_numbers == [3, 4]
    assert [c.ref for c in table.columns] == [None, None, None, "n"]
    assert values(table, "n") == [11300]


@pytest.mark.parametrize("year", [2024, "2024"], ids=["number", "text"])
def test_year_only_header_cells(tmp_path: Path, xlsx_writer: WriteFn, year: Any) -> None:
    nxt = year + 1 if isinstance(year, int) else "2025"
    rows = [
        ["TT", "Đơn vị", "Chỉ tiêu giao", None, None, None],
        [None, None, year, None, nxt, None],
        [None, None, "CĐCS", "ĐV", "CĐCS", "ĐV"],
        [1, "An", 1, 10, 2, 20],
    ]
    path = xlsx_writer(
        tmp_path / "t.xlsx", rows, merged=["A1:A3", "B1:B3", "C1:F1", "C2:D2", "E2:F2"]
    )
    table = read_table(path, None, [("a", ["2024", "ĐV"]), ("b", ["2025", "ĐV"])])
    assert table.header_row_numbers == [1, 2, 3]
    assert values(table, "b") == [20]


# --- the quality log of a messy table -------------------------------------------------------


@pytest.fixture
def messy_plan(make_plan, card_text) -> Callable[[str], CleanResult]:
    def run(fmt: str) -> CleanResult:
        if fmt == "xlsx":
            files = {"messy.xlsx": {"rows": MESSY_XLSX, "sheet": "Biểu 1", "merged": MESSY_MERGES}}
        else:
            files = {"messy.txt": MESSY_TXT}
        text = card_text(
            "bang-thu",
            file=f"messy.{fmt}",
            sheet="Biểu 1" if fmt == "xlsx" else None,
            columns=CARD_COLUMNS,
        )
        card: PlanCard = make_plan("bang-thu", text, files)
        return clean_plan(card)

    return run


@pytest.mark.parametrize("fmt", ["xlsx", "txt"])
def test_messy_table_quality_log(messy_plan, fmt: str) -> None:
    result = messy_plan(fmt)
    q = result.quality
    layout = q[q["check"] == "layout"]
    assert set(layout["severity"]) == {"info"}
    msgs = dict(zip(layout["row"].tolist(), layout["message"].tolist(), strict=True))
    assert msgs[4] == "header found on rows 4-6; 3 line(s) above it skipped as titles"
    assert "repeated" in msgs[11] and "skipped" in msgs[11] and "spelled differently" in msgs[11]
    assert "KHỐI HUYỆN" in msgs[7] and "KHỐI NGÀNH" in msgs[14]
    # the notes and signature block are one log line, from their first line
    notes = layout[layout["message"].str.contains("notes below the table")]
    assert len(notes) == 1
    assert notes.iloc[0]["row"] == 18
    assert notes.iloc[0]["message"].startswith("4 line(s) of notes below the table ignored")
    assert "Nơi nhận:" in notes.iloc[0]["message"]
    assert len(layout) == 5
    # blanks and `-` are missing figures, not errors: the only errors are the two negative
    # targets, reported and kept as stated
    errors = q[q["severity"] == "error"]
    assert errors["check"].tolist() == ["negative_value", "negative_value"]
    assert errors["row"].tolist() == [8, 8]
    assert errors["unit"].tolist() == ["LĐLĐ huyện An", "LĐLĐ huyện An"]
    t = result.targets.set_index(["unit_id", "metric", "period"])["value"]
    assert math.isnan(t[("binh", "unions_founded", "2025")])
    assert math.isnan(t[("binh", "members_admitted", "2025")])
    assert t[("an", "unions_founded", "2025")] == -65
    assert t[("an", "members_admitted", "2025")] == -104
    # the totals row agrees (blanks count as nothing) and is not a unit
    totals = q[q["check"] == "totals_row"]
    assert totals["severity"].tolist() == ["info"]
    assert result.units["unit_id"].tolist() == ["an", "binh", "cdn-y-te"]
    assert result.units["group"].str.contains("KHỐI").all()
    # markup in a unit name is removed and logged
    names = q[q["check"] == "unit_name"]
    assert names["unit"].tolist() == ["LĐLĐ huyện Bình"]
    assert "markup removed" in names.iloc[0]["message"]


# --- bad input: DataError names file, sheet, row, column and what was expected ----------------


def test_text_in_a_number_cell_xlsx(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = [
        ["Bảng thử"],
        ["TT", "Đơn vị", "ĐV 2024", "CĐCS 2024"],
        [1, "An", "1.200", "5"],
        [2, "Bình", "800", "abc"],
    ]
    path = xlsx_writer(tmp_path / "bang.xlsx", rows, sheet="Phụ lục", extra_sheets=["Khác"])
    with pytest.raises(DataError) as err:
        read_table(path, "Phụ lục", [("a", ["ĐV 2024"]), ("b", ["CĐCS 2024"])])
    e = err.value
    msg = str(e)
    assert str(path) in msg
    assert "sheet 'Phụ lục'" in msg
    assert "row 4" in msg
    assert "column D (CĐCS 2024)" in msg
    assert "expected a number" in msg and "'abc'" in msg
    assert (e.file, e.sheet, e.row) == (str(path), "Phụ lục", 4)
    assert e.column.startswith("D")


def test_text_in_a_number_cell_txt(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [["TT", "Đơn vị", "ĐV"], ["1", "An", "12.5.3"]]
    path = tsv_writer(tmp_path / "bang.txt", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, [("a", ["ĐV"])])
    msg = str(err.value)
    assert msg.startswith(f"{path}, row 2, column C (ĐV): expected a number")
    assert "sheet" not in msg


def test_text_in_a_number_cell_through_clean_plan(make_plan, card_text) -> None:
    rows = [["TT", "Đơn vị", "Kết nạp ĐV"], ["1", "An", "1.200"], ["2", "Bình", "abc"]]
    cols = "- header: Kết nạp ĐV\n  kind: target\n  metric: members_admitted\n  period: '2024'\n"
    card = make_plan("bang-loi", card_text("bang-loi", file="b.txt", columns=cols), {"b.txt": rows})
    with pytest.raises(DataError) as err:
        clean_plan(card)
    msg = str(err.value)
    assert "b.txt" in msg and "row 3" in msg and "column C" in msg and "'abc'" in msg


def test_header_not_found(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = [["Số", "Tên"], [1, "An"]]
    path = xlsx_writer(tmp_path / "bang.xlsx", rows, sheet="Biểu 1")
    with pytest.raises(DataError) as err:
        read_table(path, "Biểu 1", [("a", ["ĐV"])], row_number="TT", unit_name="Đơn vị")
    msg = str(err.value)
    assert str(path) in msg and "sheet 'Biểu 1'" in msg
    assert "header not found" in msg
    assert "'TT'" in msg and "'Đơn vị'" in msg


def test_header_found_with_the_cards_own_labels(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [["Số hiệu", "Cơ sở", "ĐV"], ["1", "An", "3"]]
    path = tsv_writer(tmp_path / "t.txt", rows)
    table = read_table(path, None, [("a", ["ĐV"])], row_number="Số hiệu", unit_name="Cơ sở")
    assert values(table, "a") == [3]


def test_required_column_missing_lists_the_columns_found(
    tmp_path: Path, xlsx_writer: WriteFn
) -> None:
    rows = [
        ["TT", "Đơn vị", "Năm 2024", None],
        [None, None, "CĐCS", "ĐV"],
        [1, "An", 1, 10],
    ]
    path = xlsx_writer(tmp_path / "bang.xlsx", rows, sheet="Biểu 1", merged=["C1:D1"])
    with pytest.raises(DataError) as err:
        read_table(path, "Biểu 1", [("a", ["Năm 2024", "ĐV"]), ("b", ["Năm 2025", "ĐV"])])
    msg = str(err.value)
    assert str(path) in msg and "sheet 'Biểu 1'" in msg and "row 1" in msg
    assert "required column 'Năm 2025 › ĐV' not found" in msg
    assert "rows 1-2" in msg
    assert "found: C: Năm 2024 › CĐCS; D: Năm 2024 › ĐV" in msg


def test_ambiguous_header_asks_for_the_full_path(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [
        ["TT", "Đơn vị", "Năm 2024", "", "Năm 2025", ""],
        ["", "", "CĐCS", "ĐV", "CĐCS", "ĐV"],
        ["1", "An", "1", "2", "3", "4"],
    ]
    path = tsv_writer(tmp_path / "t.txt", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, [("a", ["ĐV"])])
    assert "matches several columns (D, F)" in str(err.value)


def test_unreadable_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "bang.xlsx"
    path.write_bytes(b"TT\tDon vi\n1\tAn\n")  # text saved with an .xlsx name: not a zip
    with pytest.raises(DataError) as err:
        read_table(path, "Biểu 1", [("a", ["ĐV"])])
    msg = str(err.value)
    assert msg.startswith(str(path))
    assert "a text file (comma- or tab-separated?) with an .xlsx name" in msg


def test_unknown_sheet_lists_the_sheets(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    path = xlsx_writer(
        tmp_path / "bang.xlsx", [["TT", "Đơn vị", "ĐV"]], sheet="Phụ lục", extra_sheets=["Khác"]
    )
    with pytest.raises(DataError) as err:
        read_table(path, "Phu luc", [("a", ["ĐV"])])
    msg = str(err.value)
    assert str(path) in msg
    assert "no sheet 'Phu luc'" in msg and "Phụ lục, Khác" in msg


def test_sheet_name_in_nfd_is_found(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    import unicodedata

    rows = [["TT", "Đơn vị", "ĐV"], [1, "An", 5]]
    path = xlsx_writer(tmp_path / "bang.xlsx", rows, sheet="Phụ lục", extra_sheets=["Khác"])
    table = read_table(path, unicodedata.normalize("NFD", "Phụ lục"), [("a", ["ĐV"])])
    assert table.grid.sheet == "Phụ lục" and values(table, "a") == [5]


def test_workbook_with_several_sheets_needs_a_sheet(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    path = xlsx_writer(
        tmp_path / "bang.xlsx", [["TT", "Đơn vị", "ĐV"]], sheet="Phụ lục", extra_sheets=["Khác"]
    )
    with pytest.raises(DataError, match="say which one: Phụ lục, Khác"):
        read_table(path, None, [("a", ["ĐV"])])


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "khong-co.xlsx"
    with pytest.raises(DataError) as err:
        read_table(path, "Biểu 1", [("a", ["ĐV"])])
    assert str(err.value) == f"{path}: file not found"


def test_missing_file_through_clean_plan(make_plan, card_text) -> None:
    cols = "- header: ĐV\n  kind: target\n  metric: members_admitted\n  period: '2024'\n"
    card = make_plan("bang-thieu", card_text("bang-thieu", file="khong-co.txt", columns=cols), {})
    with pytest.raises(DataError, match="khong-co.txt: file not found"):
        clean_plan(card)


def test_not_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "bang.txt"
    path.write_bytes(b"TT\t\xd0\xf5n v\xd2\tDV\n")  # a legacy 8-bit code page
    with pytest.raises(DataError, match="not UTF-8"):
        read_table(path, None, [("a", ["DV"])])


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "bang.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match="unsupported file type '.xls'"):
        read_table(path, None, [("a", ["DV"])])


def test_a_path_without_a_table_suffix_says_what_it_is(tmp_path: Path) -> None:
    # `ptdv inspect FOLDER` once said "unsupported file type ''": a folder, a device and a
    # missing file are each named as such, whatever their name ends with
    (tmp_path / "tai-ve").mkdir()
    for path, expected in (
        (tmp_path / "tai-ve", "a folder, not a file: expected the table file itself here"),
        (Path("/dev/null"), "not a regular file (a device or a pipe?)"),
        (tmp_path / "khong-co", "file not found"),
    ):
        with pytest.raises(DataError) as err:
            read_table(path, None, [("a", ["DV"])])
        assert expected in str(err.value) and "unsupported" not in str(err.value)


def test_row_number_without_a_name(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [["TT", "Đơn vị", "ĐV"], ["1", "An", "5"], ["2", "", "7"]]
    path = tsv_writer(tmp_path / "t.txt", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, [("a", ["ĐV"])])
    assert (
        str(err.value) == f"{path}, row 3, column B (unit name): a row number without a unit name"
    )


def test_bom_and_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("\ufeffTT\tĐơn vị\tĐV\r\n1\tAn\t1.234\r\n2\tBình\t(5)\r\n".encode())
    table = read_table(path, None, [("a", ["ĐV"])])
    assert table.header_row_numbers == [1]
    assert values(table, "a") == [1234, -5]


def test_column_letters_are_openpyxl_s() -> None:
    # ingest names columns by their letters itself: importing openpyxl for it cost every text
    # table's cleaning 0.15 s
    from openpyxl.utils import get_column_letter

    from ptdv.tables.ingest import column_letter

    assert [column_letter(n) for n in (1, 26, 27, 52, 703, 16_384)] == [
        "A", "Z", "AA", "AZ", "AAA", "XFD"
    ]  # fmt: skip
    assert all(column_letter(n) == get_column_letter(n) for n in range(1, 18_279))
    for bad in (0, -1, 18_279):
        with pytest.raises(ValueError, match="invalid column index"):
            column_letter(bad)


def test_cleaning_a_text_table_imports_no_openpyxl() -> None:
    # what the clean kernel imports ahead (report.kernel.STEP_IMPORTS): openpyxl comes only
    # with a workbook to read or a form to write
    import subprocess
    import sys

    from ptdv.report.kernel import STEP_IMPORTS

    found = "print(sorted({'openpyxl', 'PIL'} & set(sys.modules)))"
    code = f"{STEP_IMPORTS['clean']}\nimport sys\n{found}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
