"""The report's Excel table, written from the real plans and read back cell by cell."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from openpyxl.worksheet.worksheet import Worksheet

from helpers import shipped_project
from ptdv import progress
from ptdv.base import i18n, paths
from ptdv.base.errors import ConfigError
from ptdv.base.steps import file_sha256
from ptdv.plan import config
from ptdv.report import excel, texts
from ptdv.tables import checks, clean

NUMERIC = ["order", *sorted(excel.COUNT_COLUMNS), *sorted(excel.SHARE_COLUMNS), "rank"]
NO_TARGET_BG = {"CĐN Nông nghiệp", "CĐN Giáo dục", "Công đoàn Viên chức tỉnh"}


#: The checkout under test (its shipped raw data).
REPO = paths.PACKAGE_ROOT


@dataclass
class Plan:
    card: config.PlanCard
    period: str
    progress: pd.DataFrame
    quality: pd.DataFrame
    provenance: dict[str, Any]


def _plan(plan_id: str, period: str) -> Plan:
    with shipped_project():
        card = config.load_card(plan_id)
        r = clean.clean_plan(card)
        df = progress.compute_progress(card, r.units, r.targets, r.actuals, period)
        provenance = {
            "plan_id": plan_id,
            "parameters": {"period": period, "lang": "vi"},
            "git_commit": "0123456789abcdef0123456789abcdef01234567",
            "ptdv_version": "0.1.0",
            "generated_at": "2026-06-15T08:00:00+07:00",
            "inputs": [
                {"path": str(p), "sha256": file_sha256(p), "bytes": p.stat().st_size}
                for p in [card.card_path, *r.inputs]
            ],
        }
    return Plan(card, period, df, r.quality, provenance)


@pytest.fixture(scope="module")
def tld() -> Plan:
    return _plan("tld-2021-2023", "2021-H1")


@pytest.fixture(scope="module")
def bg() -> Plan:
    return _plan("bac-giang-2023-2028", "2026-H1")


def write(plan: Plan, path: Path, **kw: Any) -> openpyxl.Workbook:
    out = excel.write_report_xlsx(
        path, plan.card, plan.period, plan.progress, plan.quality, plan.provenance, **kw
    )
    assert out == path
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def tld_wb(tld: Plan, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return write(tld, tmp_path_factory.mktemp("tld") / "bao-cao.xlsx")


@pytest.fixture(scope="module")
def bg_wb(bg: Plan, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return write(bg, tmp_path_factory.mktemp("bg") / "bao-cao.xlsx")


@dataclass
class Table:
    title: str
    header_row: int
    columns: dict[str, int]  # progress column -> Excel column number
    rows: list[int]  # Excel row numbers of the data rows, top to bottom


def tables(ws: Worksheet, lang: str = "vi") -> list[Table]:
    """Find every metric table of the summary sheet by its heading row."""
    first = texts.column_label("order", lang)
    out = []
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value != first:
            continue
        heads = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        columns = {
            col: heads.index(texts.column_label(col, lang)) + 1 for col in excel.SUMMARY_COLUMNS
        }
        rows = []
        i = r + 1
        while ws.cell(i, columns["unit_name"]).value is not None:
            rows.append(i)
            i += 1
        out.append(Table(ws.cell(r - 1, 1).value, r, columns, rows))
    return out


def find(ws: Worksheet, table: Table, unit_name: str) -> dict[str, Any]:
    """Return the cells of one unit's row of a table, by progress column."""
    for r in table.rows:
        if ws.cell(r, table.columns["unit_name"]).value == unit_name:
            return {col: ws.cell(r, c) for col, c in table.columns.items()}
    raise AssertionError(f"{unit_name} not in table {table.title}")


def frame_row(df: pd.DataFrame, name: str, metric: str) -> pd.Series:
    return df[(df["unit_name"] == name) & (df["metric"] == metric)].iloc[0]


def is_number(cell: Any) -> bool:
    return isinstance(cell.value, int | float) and not isinstance(cell.value, bool)


def all_values(ws: Worksheet) -> list[Any]:
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]


# --- summary sheet: TLĐ 2021-H1 -----------------------------------------------------------


def test_sheets_and_properties(tld_wb: openpyxl.Workbook) -> None:
    assert tld_wb.sheetnames == ["Tổng hợp", "Chất lượng số liệu", "Nguồn gốc"]
    assert tld_wb.properties.creator == "ptdv"
    assert "6 tháng đầu năm 2021" in tld_wb.properties.title


def test_title_block(tld_wb: openpyxl.Workbook) -> None:
    ws = tld_wb["Tổng hợp"]
    texts_above = [v for v in all_values(ws)[:20] if isinstance(v, str)]
    assert "Tổng Liên đoàn Lao động Việt Nam" in texts_above
    assert any("135/KH-TLĐ" in t and "24/09/2021" in t for t in texts_above)
    assert any("6 tháng đầu năm 2021" in t and "01/01/2021 – 30/06/2021" in t for t in texts_above)
    elapsed = [
        ws.cell(r, 3) for r in range(1, 12) if ws.cell(r, 1).value == "Thời gian nhiệm kỳ đã qua"
    ]
    assert len(elapsed) == 1 and elapsed[0].value == pytest.approx(1 / 6)
    assert "%" in elapsed[0].number_format


def test_tld_federation_row(tld_wb: openpyxl.Workbook) -> None:
    ws = tld_wb["Tổng hợp"]
    (t,) = tables(ws)
    assert t.title == texts.metric_label("members_net")
    fed = {col: ws.cell(t.rows[0], c) for col, c in t.columns.items()}  # first row
    assert fed["unit_name"].value == "TLĐ"
    assert fed["order"].value is None
    assert is_number(fed["cum_actual"]) and fed["cum_actual"].value == 146630
    assert fed["cum_actual"].data_type == "n"
    assert fed["cum_actual"].number_format == "#,##0"
    assert is_number(fed["term_target"]) and fed["term_target"].value == 1487307
    assert is_number(fed["cum_pct"])
    assert fed["cum_pct"].value == pytest.approx(0.098588, abs=1e-6)
    assert "%" in fed["cum_pct"].number_format
    assert fed["status"].value == "Chậm tiến độ"
    assert fed["rank"].value is None
    assert all(c.font.b for c in fed.values())
    assert not ws.cell(t.rows[1], t.columns["unit_name"]).font.b


def test_units_follow_the_federation_in_official_order(
    tld: Plan, tld_wb: openpyxl.Workbook
) -> None:
    ws = tld_wb["Tổng hợp"]
    (t,) = tables(ws)
    units = tld.progress[tld.progress["level"] == "unit"].sort_values("order")
    assert len(t.rows) == 1 + len(units) == 58
    names = [ws.cell(r, t.columns["unit_name"]).value for r in t.rows[1:]]
    orders = [ws.cell(r, t.columns["order"]).value for r in t.rows[1:]]
    assert names == list(units["unit_name"])
    assert orders == list(range(1, 58))


def test_an_giang_equals_the_progress_frame(tld: Plan, tld_wb: openpyxl.Workbook) -> None:
    ws = tld_wb["Tổng hợp"]
    (t,) = tables(ws)
    cells = find(ws, t, "An Giang")
    want = frame_row(tld.progress, "An Giang", "members_net")
    for col in NUMERIC:
        got = cells[col].value
        if pd.isna(want[col]):
            assert got is None, col
        else:
            assert is_number(cells[col]), col
            assert math.isclose(got, float(want[col]), rel_tol=0, abs_tol=1e-9), col
    assert cells["period_actual"].value == 1258 and cells["rank"].value == 19
    assert cells["period_pct"].number_format == "0.00%"
    assert cells["gap"].number_format == "#,##0"
    assert cells["status"].value == "Chậm tiến độ"
    assert cells["missing_periods"].value is None


def test_bac_kan_negative_stays_negative_at_zero_percent(tld_wb: openpyxl.Workbook) -> None:
    ws = tld_wb["Tổng hợp"]
    (t,) = tables(ws)
    cells = find(ws, t, "Bắc Kạn")
    assert cells["cum_actual"].value == -65 and is_number(cells["cum_actual"])
    assert cells["period_actual"].value == -65
    assert cells["cum_pct"].value == 0 and is_number(cells["cum_pct"])  # 0%, not empty
    assert cells["period_pct"].value == 0


def test_freeze_panes_and_autofilter(tld_wb: openpyxl.Workbook, bg_wb: openpyxl.Workbook) -> None:
    for wb in (tld_wb, bg_wb):
        ws = wb["Tổng hợp"]
        first = tables(ws)[0]
        assert ws.freeze_panes == f"C{first.header_row + 1}"
        assert ws.auto_filter.ref == f"A{first.header_row}:O{first.rows[-1]}"
        head = ws.cell(first.header_row, 2)
        assert head.alignment.wrap_text and head.font.b
        widths = {k: v.width for k, v in ws.column_dimensions.items()}
        assert widths["B"] >= max(len(ws.cell(r, 2).value) for r in first.rows)
        assert all(6 <= w <= 50 for w in widths.values())


def test_status_fills_match_the_palette(
    tld_wb: openpyxl.Workbook, bg_wb: openpyxl.Workbook
) -> None:
    by_label = {texts.status_label(s): s for s in texts.STATUS_FILLS}
    seen = set()
    for wb in (tld_wb, bg_wb):
        ws = wb["Tổng hợp"]
        for t in tables(ws):
            for r in t.rows:
                cell = ws.cell(r, t.columns["status"])
                status = by_label[cell.value]
                seen.add(status)
                assert cell.fill.fill_type == "solid"
                want = texts.STATUS_FILLS[status].lstrip("#").upper()
                assert cell.fill.fgColor.rgb[-6:].upper() == want, (r, status)
    assert seen == {"ahead", "on_track", "behind", "no_target"}


def test_demo_line_only_for_demo_data(tld_wb: openpyxl.Workbook, bg_wb: openpyxl.Workbook) -> None:
    demo = "SỐ LIỆU MINH HỌA — không phải số liệu thật"
    assert demo not in all_values(tld_wb["Tổng hợp"])
    ws = bg_wb["Tổng hợp"]
    cells = [c for row in ws.iter_rows(max_row=12) for c in row if c.value == demo]
    assert len(cells) == 1
    assert cells[0].font.b and cells[0].font.color.rgb[-6:].upper() == "C00000"


# --- summary sheet: Bắc Giang 2026-H1 (demo) ------------------------------------------------


def test_bac_giang_one_table_per_metric(bg: Plan, bg_wb: openpyxl.Workbook) -> None:
    ws = bg_wb["Tổng hợp"]
    ts = tables(ws)
    assert [t.title for t in ts] == [
        texts.metric_label(m) for m in ("members_admitted", "unions_founded")
    ]
    for t, metric in zip(ts, ("members_admitted", "unions_founded"), strict=True):
        assert len(t.rows) == 18
        fed = find(ws, t, "LĐLĐ tỉnh Bắc Giang")
        want = frame_row(bg.progress, "LĐLĐ tỉnh Bắc Giang", metric)
        assert fed["cum_actual"].value == want["cum_actual"]
        assert ws.cell(t.rows[0], t.columns["unit_name"]).value == "LĐLĐ tỉnh Bắc Giang"
    fed = find(ws, ts[0], "LĐLĐ tỉnh Bắc Giang")
    assert (fed["term_target"].value, fed["cum_actual"].value) == (120000, 61392)


def test_no_target_units_have_empty_percentages(bg: Plan, bg_wb: openpyxl.Workbook) -> None:
    ws = bg_wb["Tổng hợp"]
    names = set(
        bg.progress.loc[bg.progress["status"] == "no_target", "unit_name"].drop_duplicates()
    )
    assert names == NO_TARGET_BG
    for t in tables(ws):
        for name in NO_TARGET_BG:
            cells = find(ws, t, name)
            assert cells["period_pct"].value is None
            assert cells["cum_pct"].value is None
            assert cells["rank"].value is None
            assert cells["status"].value == "Không giao chỉ tiêu"
            assert cells["term_target"].value == 0  # a zero target is shown as 0


def test_missing_period_is_listed(bg_wb: openpyxl.Workbook) -> None:
    ws = bg_wb["Tổng hợp"]
    cells = find(ws, tables(ws)[0], "LĐLĐ huyện Lục Ngạn")
    assert cells["missing_periods"].value == "2025-H1"
    assert cells["cum_actual"].value == 228 and cells["status"].value == "Đúng tiến độ"


def test_unit_copy_highlights_its_rows(bg: Plan, tmp_path: Path) -> None:
    unit_id = frame_row(bg.progress, "LĐLĐ huyện Lục Ngạn", "members_admitted")["unit_id"]
    ws = write(bg, tmp_path / "luc-ngan.xlsx", unit_id=unit_id)["Tổng hợp"]
    for t in tables(ws):
        mine = find(ws, t, "LĐLĐ huyện Lục Ngạn")
        other = find(ws, t, "LĐLĐ huyện Sơn Động")
        assert all(c.font.b for c in mine.values())
        assert not any(c.font.b for c in other.values())
        assert mine["unit_name"].fill.fill_type == "solid"
        assert other["unit_name"].fill.fill_type is None
        # the status cell keeps its status colour
        assert mine["status"].fill.fgColor.rgb[-6:] != excel.HIGHLIGHT_FILL.lstrip("#").upper()


def test_unknown_unit_is_refused(bg: Plan, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no-such-unit"):
        write(bg, tmp_path / "x.xlsx", unit_id="no-such-unit")
    assert list(tmp_path.iterdir()) == []


# --- quality and provenance sheets ----------------------------------------------------------


@pytest.mark.parametrize("which", ["tld", "bg"])
def test_quality_sheet(which: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(which)
    wb: openpyxl.Workbook = request.getfixturevalue(f"{which}_wb")
    ws = wb["Chất lượng số liệu"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Mức độ", "Kiểm tra", "Nguồn", "Dòng", "Đơn vị", "Nội dung")
    assert ws.max_row == len(plan.quality) + 1
    words = {"Lỗi": 0, "Cảnh báo": 1, "Thông tin": 2}
    sev = [words[r[0]] for r in rows[1:]]
    assert sev == sorted(sev) and sev[0] == 0  # errors first; both plans have one
    assert sev.count(0) == (plan.quality["severity"] == "error").sum()
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:F{ws.max_row}"
    fills = {"Lỗi": "behind", "Cảnh báo": "no_report", "Thông tin": "no_target"}
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(r, 1)
        want = texts.STATUS_FILLS[fills[cell.value]].lstrip("#").upper()
        assert cell.fill.fgColor.rgb[-6:].upper() == want
    messages = [r[5] for r in rows[1:]]  # each finding in the workbook's language
    want = [checks.quality_text(rec, "vi") for rec in plan.quality.to_dict("records")]
    assert sorted(messages) == sorted(want)
    assert not set(messages) & set(plan.quality["message"])


def test_tld_quality_error_row(tld_wb: openpyxl.Workbook) -> None:
    ws = tld_wb["Chất lượng số liệu"]
    first = [c.value for c in ws[2]]
    assert first[:2] == ["Lỗi", "duplicate_unit"]
    assert first[3] == 38 and first[4] == "Hải Phòng"  # the row is a number
    assert "xuất hiện hai lần" in first[5]


@pytest.mark.parametrize("which", ["tld", "bg"])
def test_provenance_lists_every_input(which: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(which)
    ws = request.getfixturevalue(f"{which}_wb")["Nguồn gốc"]
    by_sha = {}
    for row in ws.iter_rows(values_only=True):
        if row[1] and isinstance(row[1], str) and len(row[1]) == 64:
            by_sha[row[1]] = row
    inputs = plan.provenance["inputs"]
    # the card, the table and its text copy, and (Bắc Giang) the 68 report forms: one
    # consolidated sheet for 2024-H1, one per unit after (17 + 16 + 17 + 17)
    forms = sorted((REPO / "data" / "raw" / plan.card.plan_id / "actuals").rglob("*.xlsx"))
    assert len(inputs) == 3 + len(forms) == {"tld": 3, "bg": 71}[which]
    assert [Path(i["path"]).name for i in inputs[:3]] == [
        f"{plan.card.plan_id}.yaml",
        *(Path(f).name for f in (plan.card.sources[0].file, plan.card.sources[0].copies[0])),
    ]
    for item in inputs:
        path, sha, size = by_sha[item["sha256"]]
        assert path == item["path"] and size == item["bytes"]
    assert len(by_sha) == len(inputs)
    values = all_values(ws)
    assert plan.provenance["git_commit"] in values
    assert "2026-06-15T08:00:00+07:00" in values
    assert plan.period in values


# --- English, atomic writes ------------------------------------------------------------------


def test_english_workbook(bg: Plan, tmp_path: Path) -> None:
    wb = write(bg, tmp_path / "report-en.xlsx", lang="en")
    assert wb.sheetnames == ["Summary", "Data quality", "Provenance"]
    ws = wb["Summary"]
    ts = tables(ws, "en")
    assert len(ts) == 2
    heads = [ws.cell(ts[0].header_row, c).value for c in range(1, 16)]
    assert heads == [texts.column_label(c, "en") for c in excel.SUMMARY_COLUMNS]
    assert heads[:2] == ["No.", "Unit"]
    assert ts[0].title == "Members admitted"
    assert "DEMO DATA — not real figures" in all_values(ws)
    assert "SỐ LIỆU MINH HỌA — không phải số liệu thật" not in all_values(ws)
    cells = find(ws, ts[0], "CĐN Giáo dục")
    assert cells["status"].value == "No target"
    assert any("First half of 2026" in v for v in all_values(ws) if isinstance(v, str))
    q = wb["Data quality"]
    assert [c.value for c in q[1]][:2] == ["Severity", "Check"]
    assert q.cell(2, 1).value == "Error"


def test_no_temp_file_left_and_overwrite(tld: Plan, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "bao-cao.xlsx"
    write(tld, out)
    write(tld, out)  # replaces the previous workbook
    assert [p.name for p in out.parent.iterdir()] == ["bao-cao.xlsx"]


def test_failed_write_keeps_the_old_file(
    tld: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "bao-cao.xlsx"
    write(tld, out)
    before = out.read_bytes()

    def broken(self: Any, filename: str) -> None:
        Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        write(tld, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bao-cao.xlsx"]


def test_quality_log_is_sorted_errors_first_whatever_its_order(tld: Plan, tmp_path: Path) -> None:
    shuffled = tld.quality.iloc[::-1].reset_index(drop=True)
    assert shuffled["severity"].iloc[0] == "info"
    plan = Plan(tld.card, tld.period, tld.progress, shuffled, tld.provenance)
    ws = write(plan, tmp_path / "q.xlsx")["Chất lượng số liệu"]
    sev = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert sev == ["Lỗi"] + ["Cảnh báo"] * 2 + ["Thông tin"] * 5
    assert ws.cell(2, 2).value == "duplicate_unit"


def test_progress_of_another_period_is_refused(tld: Plan, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="2021-H1, not 2021-H2"):
        excel.write_report_xlsx(
            tmp_path / "x.xlsx", tld.card, "2021-H2", tld.progress, tld.quality, tld.provenance
        )
    assert list(tmp_path.iterdir()) == []


# --- words: from the catalogues, one language per workbook -----------------------------------


def excel_ids() -> list[str]:
    """Return the message ids of excel.py, as `pybabel extract` finds them."""
    found = extract_from_file("python", excel.__file__, keywords=DEFAULT_KEYWORDS)
    return sorted({msg for _line, msg, _comments, _ctx in found})


def catalogue(lang: str) -> Catalog:
    with i18n.catalogue_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def fragments(text: str) -> list[str]:
    """Return the literal parts of a message (between placeholders) of three words or more."""
    out = []
    for part in re.split(r"\{[^{}]*\}|%\([^)]*\)s|%s|\n", text.replace("%%", "%")):
        part = " ".join(part.split()).strip(" .,:;–—-()")
        if len(re.findall(r"[^\W\d_]+", part)) >= 3:
            out.append(part)
    return out


def words_of(wb: openpyxl.Workbook, plan: Plan, lang: str = "vi") -> list[str]:
    """Return the workbook's own words: every text cell and its title, less the plan's data.

    The plan's and units' names are data. So, in English, are the findings of the quality
    log, which quote the source tables' Vietnamese headings.
    """
    card = plan.card
    data = {card.title, card.issuer, *plan.progress["unit_name"]}
    if lang == "en":
        data |= set(plan.quality["message"])
    cells = [v for ws in wb for v in all_values(ws) if isinstance(v, str) and v not in data]
    return [*wb.sheetnames, wb.properties.title or "", *cells]


def test_every_workbook_word_is_translated_in_both_catalogues() -> None:
    ids = excel_ids()
    assert len(ids) == 34  # severities: texts.severity_label
    for lang in ("vi", "en"):
        cat = catalogue(lang)
        for msg in ids:
            entry = cat.get(msg)
            assert entry is not None and entry.string and not entry.fuzzy, (lang, msg)
            assert (entry.string == msg) == (lang == "en"), (lang, msg, entry.string)


@pytest.mark.parametrize("which", ["tld", "bg"])
def test_vietnamese_workbook_has_no_english_sentence(which: str, request) -> None:
    plan: Plan = request.getfixturevalue(which)
    wb: openpyxl.Workbook = request.getfixturevalue(f"{which}_wb")
    english = {f: m.id for m in catalogue("en") if m.id for f in fragments(m.id)}
    assert "not real figures" not in english  # "DEMO DATA — not real figures": two words
    assert "Share of the term elapsed" in english
    found = {f: w for w in words_of(wb, plan) for f in english if f in w}
    assert found == {}


def test_english_workbook_has_no_vietnamese_sentence(bg: Plan, tmp_path: Path) -> None:
    wb = write(bg, tmp_path / "report-en.xlsx", lang="en")
    vietnamese = {f: m.id for m in catalogue("vi") if m.id for f in fragments(m.string)}
    assert "Thời gian nhiệm kỳ đã qua" in vietnamese
    words = words_of(wb, bg, "en")
    assert "Share of the term elapsed" in words
    assert {f: w for w in words for f in vietnamese if f in w} == {}
    messages = [row[5] for row in wb["Data quality"].iter_rows(min_row=2, values_only=True)]
    assert sorted(messages) == sorted(bg.quality["message"])  # the findings in English


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        (
            "vi",
            [
                "Tổng Liên đoàn Lao động Việt Nam",
                "BÁO CÁO TIẾN ĐỘ THỰC HIỆN CHỈ TIÊU PHÁT TRIỂN ĐOÀN VIÊN",
                "Kế hoạch phát triển đoàn viên, thành lập công đoàn cơ sở đến năm 2023",
                "Văn bản số 135/KH-TLĐ, ngày 24/09/2021",
                "Kỳ báo cáo: 6 tháng đầu năm 2021 (01/01/2021 – 30/06/2021)",
                "Nhiệm kỳ: 01/01/2021 – 31/12/2023",
                "Thời gian nhiệm kỳ đã qua",
                "1/6 kỳ 6 tháng",
                "Ô trống: không giao chỉ tiêu, chưa báo cáo hoặc không xếp hạng (không phải số 0). "
                "Số âm được giữ nguyên; khi đó tỷ lệ đạt tính là 0%.",
            ],
        ),
        (
            "en",
            [
                "Tổng Liên đoàn Lao động Việt Nam",
                "PROGRESS AGAINST UNION-MEMBERSHIP DEVELOPMENT TARGETS",
                "Kế hoạch phát triển đoàn viên, thành lập công đoàn cơ sở đến năm 2023",
                "Document No. 135/KH-TLĐ, dated 24/09/2021",
                "Reporting period: First half of 2021 (01/01/2021 – 30/06/2021)",
                "Term: 01/01/2021 – 31/12/2023",
                "Share of the term elapsed",
                "1 of 6 half-years",
                "Empty cell: no target, no report or no rank (not zero). Negative figures are "
                "shown as they are; their achievement counts as 0%.",
            ],
        ),
    ],
)
def test_title_block_words_are_as_before(tld: Plan, tmp_path: Path, lang: str, want) -> None:
    wb = write(tld, tmp_path / "t.xlsx", lang=lang)
    ws = wb.worksheets[0]
    block = [v for row in ws.iter_rows(max_row=9, values_only=True) for v in row]
    assert [v for v in block if isinstance(v, str)] == want
    title = {
        "vi": "Báo cáo tiến độ TLĐ — 6 tháng đầu năm 2021",
        "en": "Progress report TLĐ — First half of 2021",
    }
    assert wb.properties.title == title[lang]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_demo_and_month_dated_document_words_are_as_before(bg: Plan, tmp_path: Path, lang) -> None:
    wb = write(bg, tmp_path / "b.xlsx", lang=lang)
    values = all_values(wb.worksheets[0])
    want = {
        "vi": ["SỐ LIỆU MINH HỌA — không phải số liệu thật", "tháng 8/2023"],
        "en": ["DEMO DATA — not real figures", "dated 8/2023"],
    }[lang]
    assert want[0] in values and wb.properties.description == want[0]
    assert any(isinstance(v, str) and v.endswith(want[1]) for v in values)


@pytest.mark.parametrize(
    ("lang", "quality", "provenance"),
    [
        (
            "vi",
            ["Mức độ", "Kiểm tra", "Nguồn", "Dòng", "Đơn vị", "Nội dung", "Lỗi", "Cảnh báo"],
            {
                "heads": ("Mục", "Giá trị"),
                "labels": [
                    "Mã kế hoạch",
                    "Tham số › Kỳ báo cáo",
                    "Tham số › Ngôn ngữ",
                    "Tham số › Đơn vị nhận",
                    "Tham số › other",
                    "Phiên bản mã nguồn (git commit)",
                    "Phiên bản ptdv",
                    "Thời điểm lập",
                    "Tệp đầu vào",
                ],
                "inputs": ("Đường dẫn", "SHA-256", "Dung lượng (byte)"),
                "none": "(không có)",
            },
        ),
        (
            "en",
            ["Severity", "Check", "Source", "Row", "Unit", "Message", "Error", "Warning"],
            {
                "heads": ("Item", "Value"),
                "labels": [
                    "Plan id",
                    "Parameters › Period",
                    "Parameters › Language",
                    "Parameters › Recipient unit",
                    "Parameters › other",
                    "Source code version (git commit)",
                    "ptdv version",
                    "Generated at",
                    "Input files",
                ],
                "inputs": ("Path", "SHA-256", "Size (bytes)"),
                "none": "(none)",
            },
        ),
    ],
)
def test_quality_and_provenance_words_are_as_before(
    tld: Plan, tmp_path: Path, lang: str, quality: list[str], provenance: dict[str, Any]
) -> None:
    prov = {
        "plan_id": "tld-2021-2023",
        "parameters": {"period": "2021-H1", "lang": lang, "unit": "bac-kan", "other": 1},
        "commit": "0123abc",
        "version": "0.1.0",
        "generated": "2026-06-15T08:00:00+07:00",
        "inputs": [],
    }
    plan = Plan(tld.card, tld.period, tld.progress, tld.quality, prov)
    wb = write(plan, tmp_path / "q.xlsx", lang=lang)
    q, p = wb.worksheets[1], wb.worksheets[2]
    assert [c.value for c in q[1]] + [q.cell(2, 1).value, q.cell(3, 1).value] == quality
    assert {q.cell(r, 1).value for r in range(2, q.max_row + 1)} == set(quality[6:]) | {
        {"vi": "Thông tin", "en": "Note"}[lang]
    }
    rows = [r for r in p.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[0][:2] == provenance["heads"]
    assert [r[0] for r in rows[1:10]] == provenance["labels"]
    assert rows[10][:3] == provenance["inputs"]
    assert rows[11][0] == provenance["none"]
