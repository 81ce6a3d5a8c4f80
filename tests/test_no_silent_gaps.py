"""No silent gaps, through `clean_plan`: totals cells that cannot be read, blank totals
cells, formulas without values, old encodings, conflicting card columns, extra columns.

Every table here is SYNTHETIC: made up in the style of the real allocation tables.
"""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from openpyxl import load_workbook

from ptdv.base.errors import ConfigError, DataError
from ptdv.plan.config import load_card
from ptdv.tables.clean import clean_plan

COLUMNS = """\
- header: [Năm 2024, CĐCS]
  kind: target
  metric: unions_founded
  period: "2024"
- header: [Năm 2024, ĐV]
  kind: target
  metric: members_admitted
  period: "2024"
"""
HEAD = [
    ["BẢNG GIAO CHỈ TIÊU (giả lập)"],
    ["TT", "Đơn vị", "Năm 2024", None],
    [None, None, "CĐCS", "ĐV"],
]
UNITS = [
    [1, "LĐLĐ huyện Lục Ngạn", 3, 1200],
    [2, "LĐLĐ huyện Sơn Động", 2, 800],
    [3, "Công đoàn Viên chức tỉnh", 1, 150],
]
MERGED = ["C2:D2"]


def quality(result, check: str) -> list[tuple[str, int | None, str]]:  # noqa: ANN001
    q = result.quality[result.quality["check"] == check]
    return [
        (s, None if pd.isna(r) else int(r), m)
        for s, r, m in zip(q["severity"], q["row"], q["message"], strict=True)
    ]


def test_totals_formula_without_value_is_reported(make_plan, card_text) -> None:  # noqa: ANN001
    rows = [*HEAD, *UNITS, [None, "Tổng cộng", "=SUM(C4:C6)", 2150]]
    card = make_plan(
        "p", card_text("p", file="t.xlsx", columns=COLUMNS), {"t.xlsx": {"rows": rows,
                                                                        "merged": MERGED}}
    )  # fmt: skip
    found = quality(clean_plan(card), "totals_row")
    assert found == [
        (
            "warning",
            7,
            "totals row 'Tổng cộng', column C (Năm 2024 › CĐCS): the formula =SUM(C4:C6) in "
            "cell C7 has no computed value; that column is not checked against the unit rows",
        ),
        (
            "info",
            7,
            "totals row 'Tổng cộng' agrees with the sum of the 3 unit rows of the table in all "
            "1 columns; it is used as a check, not loaded as a unit",
        ),
    ]


def test_blank_and_text_totals_cells_are_reported(make_plan, card_text) -> None:  # noqa: ANN001
    rows = [*HEAD, *UNITS, [None, "Tổng cộng", None, "xem phụ lục"]]
    card = make_plan("p", card_text("p", file="t.txt", columns=COLUMNS), {"t.txt": rows})
    found = quality(clean_plan(card), "totals_row")
    assert [f[0] for f in found] == ["warning", "warning"]
    assert found[0][2] == (
        "totals row 'Tổng cộng', column D (Năm 2024 › ĐV): the text 'xem phụ lục' in cell D7 "
        "is not a number; that column is not checked against the unit rows"
    )
    assert found[1][2] == (
        "totals row 'Tổng cộng', column C (Năm 2024 › CĐCS): blank, while 3 unit row(s) have "
        "figures adding up to 6; that column is not checked against the unit rows"
    )


def test_unit_formula_without_value_stops_cleaning(make_plan, card_text) -> None:  # noqa: ANN001
    rows = [*HEAD, *UNITS[:2], [3, "Công đoàn Viên chức tỉnh", 1, "=100+50"]]
    card = make_plan(
        "p", card_text("p", file="t.xlsx", columns=COLUMNS), {"t.xlsx": {"rows": rows,
                                                                        "merged": MERGED}}
    )  # fmt: skip
    with pytest.raises(DataError) as err:
        clean_plan(card)
    e = err.value
    assert (e.row, e.column) == (6, "D (Năm 2024 › ĐV)")
    assert "cell D6 holds the formula =100+50 with no computed value" in str(e)


def test_windows_1258_and_utf16_tables_clean_to_the_same_names(make_plan, card_text) -> None:  # noqa: ANN001
    from test_ingest_more import to_cp1258

    rows = [*HEAD, *UNITS]
    text = "".join("\t".join("" if v is None else str(v) for v in r) + "\n" for r in rows)
    card = make_plan("p", card_text("p", file="t.txt", columns=COLUMNS), {"t.txt": rows})
    expected = clean_plan(card).units["unit_name"].tolist()
    raw = card.raw_path("t.txt")
    for data, said in (
        (to_cp1258(text), "read as Windows-1258 text"),
        (b"\xff\xfe" + text.encode("utf-16-le"), "read as UTF-16 text"),
    ):
        raw.write_bytes(data)
        result = clean_plan(load_card("p"))
        names = result.units["unit_name"].tolist()
        assert names == expected == [u[1] for u in UNITS]
        assert all(unicodedata.is_normalized("NFC", n) for n in names)
        assert any(said in m for _, _, m in quality(result, "layout"))
        assert result.targets["value"].sum() == 2156


def test_two_columns_giving_the_same_figure_is_one_line(make_plan, card_text) -> None:  # noqa: ANN001
    columns = (
        COLUMNS
        + """\
- header: Số CNLĐ
  kind: baseline
  metric: workers
  period: "2024"
  id: workers-a
- header: Số CNLĐ khu vực FDI
  kind: baseline
  metric: workers
  period: "2024"
  id: workers-b
"""
    )
    with pytest.raises(ConfigError) as err:
        make_plan("p", card_text("p", file="t.txt", columns=columns), {"t.txt": HEAD})
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.endswith(
        "key 'sources[0]': columns 'Số CNLĐ' and 'Số CNLĐ khu vực FDI' both give baseline "
        "workers 2024: give one of them another kind, metric or period, or keep it as kind "
        "'info' with a name"
    )


def test_extra_columns_as_info_clean_and_differ_between_copies(make_plan, card_text) -> None:  # noqa: ANN001
    columns = (
        COLUMNS
        + """\
- header: Số CNLĐ
  kind: info
  name: Công nhân lao động
- header: Số CNLĐ khu vực FDI
  kind: info
  name: Công nhân lao động khu vực FDI
"""
    )
    head = [r + [None] for r in HEAD]
    head[1][4:] = ["Số CNLĐ", "Số CNLĐ khu vực FDI"]
    head = [r + [None] * (6 - len(r)) for r in head]
    head[1][4:] = ["Số CNLĐ", "Số CNLĐ khu vực FDI"]
    units = [u + [w, f] for u, w, f in zip(UNITS, (9000, 7000, 2100), (3000, 0, 0), strict=True)]
    copy = [list(u) for u in units]
    copy[0][5] = 3100
    card = make_plan(
        "p",
        card_text("p", file="t.xlsx", columns=columns, copies=["t.txt"]),
        {"t.xlsx": {"rows": head + units, "merged": MERGED}, "t.txt": head + copy},
    )
    result = clean_plan(card)
    info = result.info.pivot(index="unit_name", columns="name", values="value")
    assert info.loc["LĐLĐ huyện Lục Ngạn"].tolist() == [9000, 3000]
    assert result.actuals.empty  # never a metric
    differs = quality(result, "copy_differs")
    assert differs == [
        ("error", 4, "info Công nhân lao động khu vực FDI: t.xlsx has 3,000, this copy has 3,100")
    ]


def test_form_written_with_running_totals_reads_back(make_plan, card_text, empty_root) -> None:  # noqa: ANN001
    from ptdv.tables.forms import RUNNING_COLUMNS, write_form

    text = card_text("p", file="t.txt", columns=COLUMNS).replace(
        "metrics: [members_admitted, unions_founded]",
        "metrics: [members_admitted, unions_founded]\nactuals:\n  running_totals: true",
    )
    card = make_plan("p", text, {"t.txt": [*HEAD, *UNITS]})
    folder = empty_root / "data" / "raw" / "p" / "actuals" / "2024-H2"
    folder.mkdir(parents=True)
    path = write_form(folder / "luc-ngan.xlsx", card, "LĐLĐ huyện Lục Ngạn", "2024-H2")
    wb = load_workbook(path)
    ws = wb["Báo cáo"]
    head = next(r for r in ws.iter_rows() if r[0].value == "TT")
    letters = {c.value: c.column_letter for c in head}
    assert [h for h, _ in RUNNING_COLUMNS] == list(letters)[-4:]
    row = head[0].row + 1
    for header, value in {
        "Kết nạp mới": 500,
        "Số đoàn viên giảm": 20,
        "Tăng thêm (kết nạp − giảm)": 480,
        "Lũy kế kết nạp mới từ đầu nhiệm kỳ": 900,
        "Lũy kế số đoàn viên giảm từ đầu nhiệm kỳ": 60,
        "Lũy kế tăng thêm từ đầu nhiệm kỳ": 850,  # should be 840: reported
    }.items():
        ws[f"{letters[header]}{row}"] = value
    wb.save(path)
    result = clean_plan(load_card("p"))
    a = result.actuals
    cum = a[(a["kind"] == "cumulative") & a["value"].notna()]
    assert dict(zip(cum["metric"], cum["value"], strict=True)) == {
        "members_admitted": 900,
        "members_lost": 60,
        "members_net": 850,
    }
    assert set(cum["period"]) == {"2024-H2"}
    nets = quality(result, "net_mismatch")
    assert [m.split(":")[1].strip() for _, _, m in nets] == [
        "running total of the net increase 850 (column K) is not admitted 900 (column I) − "
        "lost 60 (column J)"
    ]


def test_a_schema_failure_is_one_line_not_a_dump(make_plan, card_text) -> None:  # noqa: ANN001
    from ptdv.tables import schemas
    from ptdv.tables.clean import _validate

    card = make_plan("p", card_text("p", file="t.txt", columns=COLUMNS), {"t.txt": HEAD})
    units = pd.DataFrame(
        {
            "plan_id": ["p", "p"],
            "unit_id": ["an", "an"],  # twice
            "unit_name": ["An", "An"],
            "order": [1, 2],
            "tt": pd.array([1, 2], dtype="Int64"),
            "group": [None, None],
            "source_file": ["t.txt", "t.txt"],
            "sheet": [None, None],
            "row": [4, 5],
        }
    )
    with pytest.raises(DataError) as err:
        _validate(schemas.UNITS, units, "units", card)
    msg = str(err.value)
    assert "\n" not in msg
    assert "the cleaned units table breaks its schema" in msg and "an" in msg
