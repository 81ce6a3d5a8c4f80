"""More of ptdv.ingest: text encodings, formulas with no computed value, reworded repeats.

Every table here is synthetic: made up in the style of the real allocation tables, not
real data.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ptdv.base.errors import DataError
from ptdv.tables.ingest import Table, read_grid, read_table

WriteFn = Callable[..., Path]

# --- 1. text encodings --------------------------------------------------------------------

# synthetic: a title line, a one-row header, three units and a totals row
ENC_ROWS: list[list[str]] = [
    ["BẢNG GIAO CHỈ TIÊU NĂM 2024"],
    ["TT", "Đơn vị", "Chỉ tiêu giao", "Đã thực hiện"],
    ["1", "LĐLĐ huyện Lục Ngạn", "1.200", "(15)"],
    ["2", "CĐ Khu công nghiệp", "20.000", "18.450"],
    ["3", "Công đoàn Viên chức tỉnh", "0", "-"],
    ["", "Tổng cộng", "21.200", "18.435"],
]
ENC_SPEC = [("target", ["Chỉ tiêu giao"]), ("done", ["Đã thực hiện"])]
ENC_NAMES = ["LĐLĐ huyện Lục Ngạn", "CĐ Khu công nghiệp", "Công đoàn Viên chức tỉnh"]
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def enc_text(rows: list[list[str]] = ENC_ROWS, newline: str = "\n") -> str:
    """Return the rows as tab-separated text."""
    return "".join("\t".join(row) + newline for row in rows)


def to_cp1258(text: str) -> bytes:
    """Encode text as Windows-1258 writes Vietnamese: tone marks as combining characters.

    The code page has ơ, ư, ă, â, ê, ô and đ as letters but no combining horn, breve or
    circumflex, so plain NFD text cannot be encoded: only the tone marks are split off.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def unit_values(table: Table, ref: str) -> list[float | None]:
    """Return one column's figures over the unit rows."""
    return [None if r.values[ref] is None else r.values[ref].value for r in table.units]


def check_enc_table(table: Table) -> None:
    """Assert the synthetic encoding table was read right."""
    assert table.header_row_numbers == [2]
    assert [r.name for r in table.units] == ENC_NAMES
    assert all(unicodedata.is_normalized("NFC", r.raw_name) for r in table.units)
    assert [r.tt for r in table.units] == [1, 2, 3]
    assert unit_values(table, "target") == [1200, 20000, 0]
    assert unit_values(table, "done") == [-15, 18450, None]
    assert [r.name for r in table.totals] == ["Tổng cộng"]
    assert {k: v.value for k, v in table.totals[0].values.items()} == {
        "target": 21200,
        "done": 18435,
    }


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
    ids=["le", "be"],
)
def test_utf16_with_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    # Excel's "Unicode text": UTF-16 LE with a byte-order mark, tabs, CRLF line ends
    path = tmp_path / "bang.txt"
    path.write_bytes(bom + enc_text(newline="\r\n").encode(codec))
    table = read_table(path, None, ENC_SPEC)
    check_enc_table(table)
    assert table.grid.encoding == "utf-16"


def test_utf16_csv_with_bom(tmp_path: Path) -> None:
    rows = [[f'"{c}"' if "," in c else c for c in row] for row in ENC_ROWS]
    text = "".join(",".join(row) + "\r\n" for row in rows)
    path = tmp_path / "bang.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    table = read_table(path, None, ENC_SPEC)
    check_enc_table(table)
    assert table.grid.encoding == "utf-16"


def test_windows_1258(tmp_path: Path) -> None:
    raw = to_cp1258(enc_text())
    # the encoding round-trips, and really writes decomposed text: ụ as u + dot below
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == enc_text()
    assert raw.decode("cp1258") != enc_text()
    assert "Lu\u0323c Nga\u0323n".encode("cp1258") in raw
    path = tmp_path / "bang.txt"
    path.write_bytes(raw)
    table = read_table(path, None, ENC_SPEC)
    check_enc_table(table)
    assert table.grid.encoding == "windows-1258"
    # every cell is composed (NFC) as read, headers included
    assert all(unicodedata.is_normalized("NFC", v) for row in table.grid.rows for v in row if v)
    assert table.columns[2].path == ["Chỉ tiêu giao"]


def test_utf8_with_and_without_bom_and_xlsx_encoding(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    plain = tmp_path / "a.txt"
    plain.write_text(enc_text(), encoding="utf-8")
    bom = tmp_path / "b.txt"
    bom.write_text(enc_text(), encoding="utf-8-sig")
    for path in (plain, bom):
        table = read_table(path, None, ENC_SPEC)
        check_enc_table(table)
        assert table.grid.encoding == "utf-8"
    book = xlsx_writer(tmp_path / "c.xlsx", ENC_ROWS)
    assert read_grid(book).encoding is None


def test_utf8_nfd_text_is_kept_as_written(tmp_path: Path) -> None:
    # UTF-8 text keeps its decomposed names (the quality log reports them recomposed);
    # the names read are composed all the same
    path = tmp_path / "bang.txt"
    path.write_text(unicodedata.normalize("NFD", enc_text()), encoding="utf-8")
    table = read_table(path, None, ENC_SPEC)
    assert [r.name for r in table.units] == ENC_NAMES
    assert table.units[0].raw_name == unicodedata.normalize("NFD", ENC_NAMES[0])


def test_latin1_text_is_refused(tmp_path: Path) -> None:
    # synthetic: a French/German table saved in Latin-1, which is not Vietnamese
    text = "N°\tDépartement\tÉtat\n1\tZürich Straße\t12\n2\tSociété générale\t7\n"
    path = tmp_path / "bang.txt"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(DataError) as err:
        read_table(path, None, [("a", ["État"])])
    assert str(err.value) == (
        f"{path}: neither UTF-8 nor recognisably Windows-1258 (Vietnamese) text: byte 1 is not "
        "UTF-8, and read as Windows-1258 the text is not Vietnamese; save it as UTF-8 or as "
        ".xlsx"
    )
    assert err.value.file == str(path)


def test_legacy_code_page_of_test_ingest_is_still_refused(tmp_path: Path) -> None:
    # the bytes of test_ingest.py::test_not_utf8_text: as Windows-1258 they read "Đơn v"
    # followed by a hook above on a consonant, which is not Vietnamese: refused, and the
    # message still says "not UTF-8"
    path = tmp_path / "bang.txt"
    path.write_bytes(b"TT\t\xd0\xf5n v\xd2\tDV\n")
    with pytest.raises(DataError) as err:
        read_table(path, None, [("a", ["DV"])])
    assert str(err.value) == (
        f"{path}: neither UTF-8 nor recognisably Windows-1258 (Vietnamese) text: byte 3 is not "
        "UTF-8, and read as Windows-1258 the text is not Vietnamese; save it as UTF-8 or as "
        ".xlsx"
    )


def test_utf16_without_bom_is_refused(tmp_path: Path) -> None:
    raw = enc_text().encode("utf-16-le")  # no byte-order mark
    path = tmp_path / "bang.txt"
    path.write_bytes(raw)
    with pytest.raises(DataError) as err:
        read_table(path, None, ENC_SPEC)
    nuls = raw.count(0)
    assert str(err.value) == (
        f"{path}: looks like UTF-16 text without a byte-order mark ({nuls} of {len(raw)} bytes "
        "are NUL); save it as UTF-8 (or from Excel as Unicode text, which writes the mark) "
        "or as .xlsx"
    )


def test_bad_utf8_after_a_utf8_bom_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bang.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"TT\t\xff\n")
    with pytest.raises(DataError) as err:
        read_table(path, None, ENC_SPEC)
    assert str(err.value) == (
        f"{path}: not UTF-8 text (byte 6) although it starts with a UTF-8 byte-order mark; "
        "save it as UTF-8 or as .xlsx"
    )


# --- 2. formulas with no computed value ---------------------------------------------------

# synthetic: units with a derived column E (= C - D) and a totals row of sums
FORMULA_ROWS: list[list[Any]] = [
    ["BẢNG THEO DÕI CHỈ TIÊU"],  # 1
    ["TT", "Đơn vị", "Chỉ tiêu giao", "Đã thực hiện", "Còn lại"],  # 2
    [1, "LĐLĐ huyện Lục Ngạn", 120, 100, 20],  # 3
    [2, "CĐ Khu công nghiệp", 2000, 1850, 150],  # 4
    [3, "CĐN Y tế", 40, 41, -1],  # 5
    [None, "Tổng cộng", 2160, 1991, 169],  # 6
]
FORMULA_SPEC = [("target", ["Chỉ tiêu giao"]), ("done", ["Đã thực hiện"]), ("left", ["Còn lại"])]


def with_cells(changes: dict[str, Any]) -> list[list[Any]]:
    """Return FORMULA_ROWS with some cells ("E4") replaced."""
    rows = [list(r) for r in FORMULA_ROWS]
    for ref, value in changes.items():
        col = ord(ref[0]) - ord("A")
        rows[int(ref[1:]) - 1][col] = value
    return rows


def test_formula_without_value_in_a_unit_row(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    # openpyxl writes formulas with no computed value: as if never opened in Excel
    path = xlsx_writer(tmp_path / "bang.xlsx", with_cells({"E4": "=C4-D4"}), sheet="Biểu 1")
    with pytest.raises(DataError) as err:
        read_table(path, "Biểu 1", FORMULA_SPEC)
    assert str(err.value) == (
        f"{path}, sheet 'Biểu 1', row 4, column E (Còn lại): cell E4 holds the formula =C4-D4 "
        "with no computed value (the file was written by a program or never opened in Excel): "
        "open it in Excel or LibreOffice and save it so the values are stored, or type the "
        "figures in"
    )
    assert (err.value.row, err.value.column) == (4, "E (Còn lại)")


def test_formulas_without_value_in_the_totals_row(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = with_cells({"C6": "=SUM(C3:C5)", "E6": "=C6-D6"})
    path = xlsx_writer(tmp_path / "bang.xlsx", rows)
    table = read_table(path, None, FORMULA_SPEC)
    assert table.grid.formulas == {(5, 2): "=SUM(C3:C5)", (5, 4): "=C6-D6"}
    total = table.totals[0]
    assert total.unreadable == {
        "target": "the formula =SUM(C3:C5) in cell C6 has no computed value",
        "left": "the formula =C6-D6 in cell E6 has no computed value",
    }
    assert total.values["target"] is None and total.values["left"] is None
    assert total.values["done"].value == 1991
    assert unit_values(table, "target") == [120, 2000, 40]
    assert unit_values(table, "left") == [20, 150, -1]
    assert all(not r.unreadable for r in table.units)


def test_text_in_the_totals_row_is_recorded(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [[("" if v is None else str(v)) for v in r] for r in FORMULA_ROWS]
    rows[5][3] = "xem phụ lục"
    table = read_table(tsv_writer(tmp_path / "bang.txt", rows), None, FORMULA_SPEC)
    total = table.totals[0]
    assert total.unreadable == {"done": "the text 'xem phụ lục' in cell D6 is not a number"}
    assert total.values["done"] is None and total.values["target"].value == 2160
    assert unit_values(table, "done") == [100, 1850, 41]


def test_group_row_subtotals_that_cannot_be_read(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = [
        ["TT", "Đơn vị", "Chỉ tiêu giao", "Đã thực hiện", "Còn lại"],  # 1
        ["I", "Khối huyện", "=SUM(C3:C4)", 150, "x"],  # 2
        [1, "LĐLĐ huyện Lục Ngạn", 120, 100, 20],  # 3
        [2, "LĐLĐ huyện Sơn Động", 60, 50, 10],  # 4
    ]
    table = read_table(xlsx_writer(tmp_path / "bang.xlsx", rows), None, FORMULA_SPEC)
    group = next(r for r in table.rows if r.kind == "group")
    assert group.name == "Khối huyện"
    assert group.unreadable == {
        "target": "the formula =SUM(C3:C4) in cell C2 has no computed value",
        "left": "the text 'x' in cell E2 is not a number",
    }
    assert group.values["target"] is None and group.values["left"] is None
    assert group.values["done"].value == 150
    assert [r.group for r in table.units] == ["Khối huyện", "Khối huyện"]


def test_group_row_with_only_uncomputed_subtotals(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = [
        ["TT", "Đơn vị", "Chỉ tiêu giao"],
        ["I", "Khối huyện", "=SUM(C3:C4)"],
        [1, "An", 1],
        [2, "Bình", 2],
    ]
    table = read_table(xlsx_writer(tmp_path / "bang.xlsx", rows), None, FORMULA_SPEC[:1])
    group = next(r for r in table.rows if r.kind == "group")
    assert group.unreadable == {
        "target": "the formula =SUM(C3:C4) in cell C2 has no computed value"
    }


def test_unit_without_row_number_whose_figures_are_formulas(
    tmp_path: Path, xlsx_writer: WriteFn
) -> None:
    # no row number and every figure an uncomputed formula: still a unit row (an error),
    # never a group label
    rows = [
        ["TT", "Đơn vị", "Chỉ tiêu giao", "Đã thực hiện"],
        [1, "An", 1, 1],
        [None, "Bình", "=C2*2", "=D2*2"],
    ]
    path = xlsx_writer(tmp_path / "bang.xlsx", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, FORMULA_SPEC[:2])
    assert str(err.value).startswith(
        f"{path}, sheet 'Sheet1', row 3, column C (Chỉ tiêu giao): cell C3 holds the formula "
        "=C2*2 with no computed value"
    )


def _set_cached(path: Path, cells: dict[str, str]) -> None:
    """Rewrite the sheet XML of an openpyxl workbook so formula cells carry a cached value.

    `cells` maps a cell ("E4") to the XML of its new <c> element body: this is what Excel or
    LibreOffice store after computing the workbook.
    """
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts[name].decode("utf-8")
    for ref, new in cells.items():
        xml, n = re.subn(rf'<c r="{ref}"[^>]*>.*?</c>', new, xml)
        assert n == 1, ref
    parts[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)


def test_formulas_with_cached_values_are_read(tmp_path: Path, xlsx_writer: WriteFn) -> None:
    rows = with_cells({"E4": "=C4-D4", "C6": "=SUM(C3:C5)", "E5": '=IF(C5="","",C5-D5)'})
    path = xlsx_writer(tmp_path / "bang.xlsx", rows)
    _set_cached(
        path,
        {
            "E4": '<c r="E4"><f>C4-D4</f><v>150</v></c>',
            "C6": '<c r="C6"><f>SUM(C3:C5)</f><v>2160</v></c>',
            # a formula whose result is an empty text was computed: not reported
            "E5": '<c r="E5" t="str"><f>IF(C5="","",C5-D5)</f><v></v></c>',
        },
    )
    table = read_table(path, None, FORMULA_SPEC)
    assert table.grid.formulas == {}
    assert unit_values(table, "left") == [20, 150, None]
    assert table.totals[0].values["target"].value == 2160
    assert table.totals[0].unreadable == {}


# --- 3. the header repeated after a page break, reworded ----------------------------------

# synthetic: a two-row header with years spanning CĐCS / ĐV, a group label on a line of its
# own, and the header repeated after a page break with most of its cells reworded and blank
# row-number and unit-name cells on its second row
REPEAT_XLSX: list[list[Any]] = [
    ["LIÊN ĐOÀN LAO ĐỘNG TỈNH THỬ"],  # 1
    [],  # 2
    ["TT", "Đơn vị", "Năm 2024", None, "Năm 2025", None],  # 3
    [None, None, "CĐCS", "ĐV", "CĐCS", "ĐV"],  # 4
    ["Khối huyện"],  # 5
    [1, "LĐLĐ huyện Lục Ngạn", 2, 100, 2, 120],  # 6
    [2, "LĐLĐ huyện Sơn Động", 1, 60, 1, 60],  # 7
    ["Số thứ tự", "Tên đơn vị", "Chỉ tiêu năm 2024", None, "Chỉ tiêu năm 2025", None],  # 8
    [None, None, "Số CĐCS", "Số ĐV", "CĐCS", "ĐV"],  # 9
    [3, "LĐLĐ huyện Yên Thế", 2, 200, 2, 250],  # 10
    [4, "CĐ Khu công nghiệp", 15, 20000, 15, 20000],  # 11
    [None, "Tổng cộng", 20, 20360, 20, 20430],  # 12
]
REPEAT_MERGES = ["A3:A4", "B3:B4", "C3:D3", "E3:F3", "A5:F5", "C8:D8", "E8:F8"]
REPEAT_SPEC = [
    ("cdcs24", ["Năm 2024", "CĐCS"]),
    ("dv24", ["Năm 2024", "ĐV"]),
    ("cdcs25", ["Năm 2025", "CĐCS"]),
    ("dv25", ["Năm 2025", "ĐV"]),
]


def as_text_rows(rows: list[list[Any]]) -> list[list[str]]:
    """Return rows as a Word copy has them: every cell text, spanning cells left empty."""
    return [["" if v is None else str(v) for v in row] for row in rows]


def read_repeat(tmp_path: Path, fmt: str, rows: list[list[Any]], writers: dict) -> Table:
    """Write the rows as .xlsx (with merges) or tab-separated text and read the table."""
    if fmt == "xlsx":
        path = writers["xlsx"](tmp_path / "bang.xlsx", rows, merged=REPEAT_MERGES)
    else:
        path = writers["txt"](tmp_path / "bang.txt", as_text_rows(rows))
    return read_table(path, None, REPEAT_SPEC)


@pytest.mark.parametrize("first", ["Số thứ tự", "STT"])
@pytest.mark.parametrize("fmt", ["xlsx", "txt"])
def test_reworded_repeat_keeps_the_group(
    tmp_path: Path, xlsx_writer: WriteFn, tsv_writer: WriteFn, fmt: str, first: str
) -> None:
    rows = [list(r) for r in REPEAT_XLSX]
    rows[7][0] = first
    table = read_repeat(tmp_path, fmt, rows, {"xlsx": xlsx_writer, "txt": tsv_writer})
    kinds = {r.number: r.kind for r in table.rows}
    assert table.header_row_numbers == [3, 4]
    assert [r.number for r in table.units] == [6, 7, 10, 11]
    assert [r.group for r in table.units] == ["Khối huyện"] * 4
    assert table.repeats == [(8, True)]
    assert (kinds[8], kinds[9]) == ("repeat_header", "repeat_header")
    assert [r.name for r in table.rows if r.kind == "group"] == ["Khối huyện"]
    assert [r.number for r in table.totals] == [12]
    assert unit_values(table, "dv24") == [100, 60, 200, 20000]
    assert unit_values(table, "cdcs25") == [2, 1, 2, 15]


def test_cnld_spelling_in_a_one_row_repeat(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = [
        ["TT", "Đơn vị", "Số CNLĐ chưa là ĐV", "Số ĐV tăng thêm"],
        ["1", "An Giang", "6.080", "1.258"],
        ["Số TT", "Tên đơn vị", "CNLD chưa là ĐV", "Số đoàn viên tăng thêm"],
        ["2", "Bạc Liêu", "4.119", "412"],
    ]
    path = tsv_writer(tmp_path / "t.txt", rows)
    table = read_table(path, None, [("w", ["Số CNLĐ chưa là ĐV"]), ("n", ["Số ĐV tăng thêm"])])
    assert table.repeats == [(3, True)]
    assert [r.name for r in table.units] == ["An Giang", "Bạc Liêu"]
    assert not [r for r in table.rows if r.kind in ("group", "text")]


@pytest.mark.parametrize("fmt", ["xlsx", "txt"])
def test_real_group_labels_are_not_repeats(
    tmp_path: Path, xlsx_writer: WriteFn, tsv_writer: WriteFn, fmt: str
) -> None:
    rows = [
        ["TT", "Đơn vị", "Năm 2024", None, "Năm 2025", None],  # 1
        [None, None, "CĐCS", "ĐV", "CĐCS", "ĐV"],  # 2
        ["I", "Khối huyện"],  # 3
        [1, "LĐLĐ huyện Lục Ngạn", 2, 100, 2, 120],  # 4
        ["Khối doanh nghiệp"],  # 5
        [None, "CĐ Khu công nghiệp", 15, 20000, 15, 20000],  # 6
        ["II", "Khối ngành", 1, 40, 1, 40],  # 7
        [2, "CĐN Y tế", 1, 40, 1, 40],  # 8
    ]
    merged = ["A1:A2", "B1:B2", "C1:D1", "E1:F1"]
    if fmt == "xlsx":
        path = xlsx_writer(tmp_path / "bang.xlsx", rows, merged=merged)
    else:
        path = tsv_writer(tmp_path / "bang.txt", as_text_rows(rows))
    table = read_table(path, None, REPEAT_SPEC)
    assert table.repeats == []
    assert [(r.number, r.name) for r in table.rows if r.kind == "group"] == [
        (3, "Khối huyện"),
        (5, "Khối doanh nghiệp"),
        (7, "Khối ngành"),
    ]
    assert [r.group for r in table.units] == ["Khối huyện", "Khối doanh nghiệp", "Khối ngành"]
    assert [r.name for r in table.units] == [
        "LĐLĐ huyện Lục Ngạn",
        "CĐ Khu công nghiệp",
        "CĐN Y tế",
    ]


def test_a_different_two_row_header_is_still_an_error(tmp_path: Path, tsv_writer: WriteFn) -> None:
    rows = as_text_rows(REPEAT_XLSX[:7]) + [
        ["TT", "Họ và tên cán bộ phụ trách", "Điện thoại", "", "Thư điện tử", ""],
        ["", "", "Cơ quan", "Di động", "", ""],
        ["1", "Nguyễn Văn An", "0204", "0912", "an@example.org", ""],
    ]
    path = tsv_writer(tmp_path / "bang.txt", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, REPEAT_SPEC)
    assert str(err.value) == (
        f"{path}, row 8: the header is repeated here but differs from the first one (row 3); "
        "a second table?"
    )


@pytest.mark.parametrize("first", ["TT", "Số thứ tự"])
def test_a_header_for_other_years_is_not_a_repeat(
    tmp_path: Path, tsv_writer: WriteFn, first: str
) -> None:
    # the same words over other years: a second table, not the header again
    rows = as_text_rows(REPEAT_XLSX[:7]) + [
        [first, "Đơn vị", "Năm 2026", "", "Năm 2027", ""],
        ["", "", "CĐCS", "ĐV", "CĐCS", "ĐV"],
        ["1", "LĐLĐ huyện Lục Ngạn", "2", "100", "2", "120"],
    ]
    path = tsv_writer(tmp_path / "bang.txt", rows)
    with pytest.raises(DataError) as err:
        read_table(path, None, REPEAT_SPEC)
    assert str(err.value) == (
        f"{path}, row 8: the header is repeated here but differs from the first one (row 3); "
        "a second table?"
    )
