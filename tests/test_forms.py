"""Half-year report forms: writing them, reading filled ones back, and the shipped demo data."""

from __future__ import annotations

import importlib.util
import math
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from ptdv.base import paths
from ptdv.base.errors import ConfigError, DataError
from ptdv.plan.config import PlanCard, load_card
from ptdv.tables.checks import Finding
from ptdv.tables.clean import FIGURE_COLUMNS, clean_plan
from ptdv.tables.forms import (
    DEMO_MARK,
    FORM_COLUMNS,
    FORM_SHEET,
    GUIDE_SHEET,
    TITLE,
    actuals_dir,
    form_files,
    read_actuals,
    write_consolidated,
    write_form,
    write_forms,
)

REPO = paths.PACKAGE_ROOT
BG = "bac-giang-2023-2028"
DEMO_PERIODS = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]
INPUTS = ["C", "D", "E", "F", "G", "H"]
METRICS = [m for _, m in FORM_COLUMNS]
VALID = (
    "2024-H1, 2024-H2, 2025-H1, 2025-H2, 2026-H1, 2026-H2, 2027-H1, 2027-H2, 2028-H1, "
    "2028-H2, 2024, 2025, 2026, 2027, 2028, term, mid-term, to-2024-H1 … to-2028-H2"
)
YEN_DUNG = "LĐLĐ huyện Yên Dũng"
VIET_YEN = "LĐLĐ huyện Việt Yên"


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bg_units() -> pd.DataFrame:
    """The 17 units of the Bắc Giang table, cleaned from the repository (read only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)
        return clean_plan(load_card(BG)).units


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, list[Finding]]:
    """The shipped demo forms, read from the repository (read only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)
        card = load_card(BG)
        return read_actuals(card, clean_plan(card).units)


@pytest.fixture
def bg(scratch_root: Path) -> PlanCard:
    """The Bắc Giang card in a scratch root whose actuals folder is empty."""
    card = load_card(BG)
    shutil.rmtree(actuals_dir(card))
    return card


def with_actuals(card: PlanCard, **changes) -> PlanCard:
    """Return the card with changed actuals settings."""
    return card.model_copy(update={"actuals": card.actuals.model_copy(update=changes)})


def fill(path: Path, figures: list, *, name: str | None = None, row: int | None = None) -> Path:
    """Type six figures (None = left empty) into a form's row (default: its first), as a unit
    would."""
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    if row is None:
        row = 1 + next(r for r in range(1, 20) if ws.cell(r, 1).value == "TT")
    if name is not None:
        ws[f"B{row}"] = name
    for letter, value in zip(INPUTS, figures, strict=True):
        ws[f"{letter}{row}"] = value
    wb.save(path)
    return path


def form(card: PlanCard, period: str, file: str, unit: str, figures: list, **kw) -> Path:
    """Write a filled form into the plan's actuals/<period>/ folder."""
    path = actuals_dir(card) / period / file
    write_form(path, card, unit, period)
    return fill(path, figures, **kw)


def findings(found: list[Finding], check: str) -> list[Finding]:
    return [f for f in found if f.check == check]


# --- writing ----------------------------------------------------------------------------


def test_written_form_is_locked_except_the_six_inputs(scratch_root: Path, tmp_path: Path) -> None:
    card = load_card(BG)
    path = write_form(tmp_path / "out" / "yen-dung.xlsx", card, YEN_DUNG, "2026-H1")
    assert path == tmp_path / "out" / "yen-dung.xlsx"
    assert [p.name for p in path.parent.iterdir()] == ["yen-dung.xlsx"]  # no temp file left
    wb = load_workbook(path)
    assert wb.sheetnames == [FORM_SHEET, GUIDE_SHEET]
    assert wb.security.lockStructure
    ws = wb[FORM_SHEET]
    assert ws.protection.sheet and ws.protection.password is None
    assert [ws.cell(r, 1).value for r in range(1, 6)] == [
        "Liên đoàn Lao động tỉnh Bắc Giang",
        TITLE,
        "Kỳ báo cáo: 6 tháng đầu năm 2026 (01/12/2025 – 31/05/2026) — mã kỳ: 2026-H1",
        f"Đơn vị: {YEN_DUNG}",
        DEMO_MARK,
    ]
    assert ws["A5"].font.b and ws["A5"].font.color.rgb == "FFC00000"
    assert all(c.value is None for c in ws[6])  # the blank row
    assert [c.value for c in ws[7]] == ["TT", "Đơn vị"] + [h for h, _ in FORM_COLUMNS]
    assert all(c.font.b and c.alignment.wrap_text and c.border.left.style for c in ws[7])
    assert [c.value for c in ws[8]] == [1, YEN_DUNG] + [None] * 6
    assert ws.max_row == 10  # the data row, a blank row, one note line: nothing else
    # every cell locked except the six inputs
    for row in ws.iter_rows(min_row=1, max_row=12, max_col=10):
        for c in row:
            assert c.protection.locked == (c.coordinate not in {f"{x}8" for x in INPUTS})
    for x in INPUTS:
        assert ws[f"{x}8"].fill.fgColor.rgb == "FFFFF2CC"
    assert ws.column_dimensions["B"].width == 34
    # one whole-number validation per input cell; only the net may be negative
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert sorted(dvs) == [f"{x}8" for x in INPUTS]
    for x, metric in zip(INPUTS, METRICS, strict=True):
        dv = dvs[f"{x}8"]
        assert dv.type == "whole" and dv.showErrorMessage and dv.allowBlank
        assert dv.error.startswith("Chỉ nhập số nguyên")
        if metric == "members_net":
            assert (dv.operator, dv.formula1) == ("between", "-1000000000")
        else:
            assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
    guide = "\n".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert wb[GUIDE_SHEET].protection.sheet
    for phrase in ("Kết nạp mới trừ Số đoàn viên giảm", "31/05/2026", "để trống", "số 0"):
        assert phrase in guide
    assert "Không sửa tên đơn vị, kỳ báo cáo" in guide and DEMO_MARK in guide


def test_form_of_a_real_plan_has_no_demo_mark(scratch_root: Path, tmp_path: Path) -> None:
    card = with_actuals(load_card(BG), demo=False)
    wb = load_workbook(write_form(tmp_path / "f.xlsx", card, YEN_DUNG, "2025-H2"))
    texts = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert not any("MINH HỌA" in t for t in texts)
    ws = wb[FORM_SHEET]
    assert ws["A3"].value.endswith("(01/06/2025 – 30/11/2025) — mã kỳ: 2025-H2")
    assert [c.value for c in ws[6]][:2] == ["TT", "Đơn vị"]  # header one row higher


def test_consolidated_sheet_has_one_row_per_unit(
    scratch_root: Path, tmp_path: Path, bg_units: pd.DataFrame
) -> None:
    names = list(bg_units["unit_name"])
    wb = load_workbook(write_consolidated(tmp_path / "t.xlsx", load_card(BG), names, "2024-H1"))
    ws = wb[FORM_SHEET]
    assert ws["A4"].value == "Đơn vị: tổng hợp 17 đơn vị"
    assert [ws.cell(r, 1).value for r in range(8, 25)] == list(range(1, 18))
    assert [ws.cell(r, 2).value for r in range(8, 25)] == names
    assert ws["B24"].protection.locked and not ws["H24"].protection.locked
    dvs = sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert dvs == [f"{x}8:{x}24" for x in INPUTS]


def test_write_forms_one_file_per_unit(
    scratch_root: Path, tmp_path: Path, bg_units: pd.DataFrame
) -> None:
    card = load_card(BG)
    out = tmp_path / "forms" / "2026-H1"
    written = write_forms(card, bg_units, "2026-H1", out)
    assert [p.name for p in written] == [f"{u}.xlsx" for u in bg_units["unit_id"]]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert [p.name for p in out.parent.iterdir()] == ["2026-H1"]  # no temp folder left
    ws = load_workbook(out / "son-dong.xlsx")[FORM_SHEET]
    assert ws["B8"].value == "LĐLĐ huyện Sơn Động"
    # a second run over an existing folder replaces the forms and keeps other files
    (out / "note.txt").write_text("x", encoding="utf-8")
    write_forms(card, bg_units, "2026-H1", out)
    assert len(list(out.iterdir())) == 18
    assert [p.name for p in out.parent.iterdir()] == ["2026-H1"]


def test_write_forms_refuses_bad_period_and_raw_folder(
    scratch_root: Path, tmp_path: Path, bg_units: pd.DataFrame
) -> None:
    card = load_card(BG)
    with pytest.raises(ConfigError) as err:
        write_forms(card, bg_units, "2023-H2", tmp_path / "x")
    assert str(err.value) == (
        "plan bac-giang-2023-2028: '2023-H2' is not a period of this plan's term "
        f"(01/12/2023 - 30/11/2028); valid: {VALID}"
    )
    assert not (tmp_path / "x").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["root"]  # nothing but the scratch root
    with pytest.raises(ConfigError, match="raw data is evidence"):
        write_forms(card, bg_units, "2026-H1", actuals_dir(card) / "2026-H1")
    with pytest.raises(ConfigError, match="not a period"):
        write_form(tmp_path / "y.xlsx", card, YEN_DUNG, "2029-H1")


# --- reading ----------------------------------------------------------------------------


def test_filled_form_reads_back_with_provenance(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [120, 35, 85, 2, 18_400, None])
    form(bg, "2026-H1", "viet-yen.xlsx", VIET_YEN, [90, 100, -10, 0, 7_015, 1_250])
    (actuals_dir(bg) / "2026-H1" / "~$viet-yen.xlsx").write_bytes(b"lock file")
    frame, found = read_actuals(bg, bg_units)
    assert list(frame.columns) == FIGURE_COLUMNS
    assert len(frame) == 12
    yd = frame[frame["unit_id"] == "yen-dung"].set_index("metric")
    assert yd["value"].iloc[:5].tolist() == [120, 35, 85, 2, 18_400]
    assert math.isnan(yd.at["nonmember_workers", "value"])  # empty = not reported, row kept
    assert yd["column"].tolist() == INPUTS
    assert set(yd["source_file"]) == {"actuals/2026-H1/yen-dung.xlsx"}
    assert set(yd["sheet"]) == {"Báo cáo"} and set(yd["row"]) == {8}
    assert set(frame["kind"]) == {"actual"} and set(frame["period"]) == {"2026-H1"}
    assert set(frame["level"]) == {"unit"} and set(frame["plan_id"]) == {BG}
    vy = frame[frame["unit_id"] == "viet-yen"].set_index("metric")["value"]
    assert vy["members_net"] == -10  # a negative net is allowed: no finding
    assert {f.check for f in found if f.severity != "info"} == {"missing_report"}
    missing = findings(found, "missing_report")
    assert len(missing) == 15 and missing[0].source == "actuals/2026-H1"
    assert missing[0].message == (
        "no report from LĐLĐ thành phố Bắc Giang for 2026-H1: shown as 'no report', never as zero"
    )
    assert form_files(bg) == [
        actuals_dir(bg) / "2026-H1" / "viet-yen.xlsx",
        actuals_dir(bg) / "2026-H1" / "yen-dung.xlsx",
    ]


def test_a_hidden_sheet_before_the_report_is_not_read(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    # the unit renamed its report sheet and kept an old copy, hidden, in front of it: the
    # figures are those of the first visible sheet, not of the copy
    path = form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [120, 35, 85, 2, 18_400, None])
    wb = load_workbook(path)
    report = wb[FORM_SHEET]
    report.title = "BC 6 tháng"
    old = wb.copy_worksheet(report)
    old.title = "Cũ"
    old["C8"], old["D8"], old["E8"] = 999, 0, 999
    old.sheet_state = "hidden"
    wb.move_sheet(old, offset=-(len(wb.sheetnames) - 1))
    wb.save(path)
    assert load_workbook(path).sheetnames == ["Cũ", "BC 6 tháng", "Hướng dẫn"]
    frame, found = read_actuals(bg, bg_units)
    yd = frame[frame["unit_id"] == "yen-dung"].set_index("metric")
    assert yd["value"].iloc[:5].tolist() == [120, 35, 85, 2, 18_400]
    assert set(yd["sheet"]) == {"BC 6 tháng"} and set(yd["row"]) == {8}
    assert findings(found, "hidden") == []


def test_a_hidden_report_sheet_is_read_and_said_to_be_hidden(
    bg: PlanCard, bg_units: pd.DataFrame
) -> None:
    # the unit hid the form's own sheet and left a copy with other figures visible: the
    # figures are still the form sheet's, and the quality log says the sheet was hidden
    path = form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [120, 35, 85, 2, 18_400, None])
    wb = load_workbook(path)
    report = wb[FORM_SHEET]
    copy = wb.copy_worksheet(report)
    copy.title = "Bản nháp"
    copy["C8"], copy["D8"], copy["E8"] = 999, 0, 999
    report.sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Bản nháp")
    wb.save(path)
    frame, found = read_actuals(bg, bg_units)
    yd = frame[frame["unit_id"] == "yen-dung"].set_index("metric")
    assert yd["value"].iloc[:5].tolist() == [120, 35, 85, 2, 18_400]
    assert set(yd["sheet"]) == {FORM_SHEET}
    (hidden,) = findings(found, "hidden")
    assert hidden.severity == "warning"
    assert hidden.source == "actuals/2026-H1/yen-dung.xlsx, Báo cáo"
    assert hidden.message == (
        "the sheet is hidden in the workbook; it was read because it is the report form's "
        "sheet, 'Báo cáo' (visible sheets: Hướng dẫn, Bản nháp)"
    )


def test_no_actuals_folder_gives_an_empty_frame(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    frame, found = read_actuals(bg, bg_units)
    assert frame.empty and list(frame.columns) == FIGURE_COLUMNS and found == []
    (actuals_dir(bg) / "2026-H1").mkdir(parents=True)  # an empty period folder: nothing due
    frame2, found2 = read_actuals(bg, bg_units)
    assert frame2.empty and found2 == []


def test_negative_whole_and_blank_checks(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2025-H2", "yen-dung.xlsx", YEN_DUNG, [-5, 0, -5, 1.5, 100, 10])
    form(bg, "2025-H2", "viet-yen.xlsx", VIET_YEN, [None] * 6)
    (actuals_dir(bg) / "2025-H2" / "viet-yen.pdf").write_bytes(b"%PDF")
    frame, found = read_actuals(bg, bg_units)
    src = "actuals/2025-H2/yen-dung.xlsx, Báo cáo"
    assert findings(found, "negative_value") == [
        Finding(
            "error",
            "negative_value",
            src,
            8,
            YEN_DUNG,
            "actual members_admitted 2025-H2 is -5 (column C): this metric cannot be negative",
        )
    ]
    [whole] = findings(found, "not_whole_number")
    assert whole.message.startswith("row 8, column F (CĐCS thành lập mới): 1.5 is not a whole")
    [empty] = findings(found, "empty_report")
    assert empty.unit == VIET_YEN and empty.severity == "warning"
    [pdf] = findings(found, "not_a_form")
    assert pdf.source == "actuals/2025-H2/viet-yen.pdf"
    assert frame["value"].isna().sum() == 6  # the blank form's six rows are kept as NaN


def test_net_mismatch_is_an_error_and_figures_kept(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2025-H1", "yen-dung.xlsx", YEN_DUNG, [300, 40, 200, 3, 20_000, 2_000])
    frame, found = read_actuals(bg, bg_units)
    assert findings(found, "net_mismatch") == [
        Finding(
            "error",
            "net_mismatch",
            "actuals/2025-H1/yen-dung.xlsx, Báo cáo",
            8,
            YEN_DUNG,
            "row 8: net increase 200 (column E) is not admitted 300 (column C) − lost 40 "
            "(column D): it should be 260 (difference -60); the figures are kept as reported",
        )
    ]
    net = frame.loc[frame["metric"] == "members_net", "value"]
    assert net.tolist() == [200.0]


def test_name_variant_and_alias(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2024-H2", "a.xlsx", YEN_DUNG, [1, 1, 0, 0, 5, 5], name="yên  dũng")
    form(bg, "2024-H2", "b.xlsx", VIET_YEN, [1, 1, 0, 0, 5, 5], name="Việt Yên (huyện)")
    with pytest.raises(DataError, match=r"unknown unit 'Việt Yên \(huyện\)'"):
        read_actuals(bg, bg_units)
    card = with_actuals(bg, aliases={"Việt Yên (huyện)": VIET_YEN})
    frame, found = read_actuals(card, bg_units)
    assert sorted(set(frame["unit_id"])) == ["viet-yen", "yen-dung"]
    assert [f.message for f in findings(found, "unit_name")] == [
        f"written 'yên dũng', matched to '{YEN_DUNG}'",
        f"written 'Việt Yên (huyện)', matched to '{VIET_YEN}'",
    ]
    with pytest.raises(ConfigError, match="actuals.aliases"):
        read_actuals(with_actuals(bg, aliases={"X": "Nowhere"}), bg_units)


# --- bad forms: the exact message the user sees ------------------------------------------


#: Where the forms of 2026-H1 are, as messages name them (relative to the project root).
SHOWN = "data/raw/bac-giang-2023-2028/actuals/2026-H1"


def test_unknown_unit_suggests_the_closest(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2026-H1", "yd.xlsx", YEN_DUNG, [1, 0, 1, 0, 9, 9], name="LĐLĐ huyện Yên Dương")
    with pytest.raises(DataError) as err:
        read_actuals(bg, bg_units)
    assert str(err.value) == (  # the file as the analyst finds it, from the project root
        f"{SHOWN}/yd.xlsx, sheet 'Báo cáo', row 8, column B: unknown unit 'LĐLĐ huyện Yên Dương'; "
        f"did you mean '{YEN_DUNG}'? (or add it to actuals.aliases in the plan card)"
    )


def test_two_forms_for_one_unit(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [1, 0, 1, 0, 9, 9])
    form(bg, "2026-H1", "yen-dung_sua.xlsx", YEN_DUNG, [2, 0, 2, 0, 9, 9])
    with pytest.raises(DataError) as err:
        read_actuals(bg, bg_units)
    assert str(err.value) == (
        f"{SHOWN}/yen-dung_sua.xlsx, sheet 'Báo cáo', row 8, column B: unit '{YEN_DUNG}' is "
        "reported twice for 2026-H1: in actuals/2026-H1/yen-dung.xlsx, sheet 'Báo cáo', row 8 "
        "and in actuals/2026-H1/yen-dung_sua.xlsx, sheet 'Báo cáo', row 8; keep one form per "
        "unit and period"
    )


def test_two_rows_for_one_unit_across_a_consolidated_sheet(
    bg: PlanCard, bg_units: pd.DataFrame
) -> None:
    path = actuals_dir(bg) / "2026-H1" / "tong-hop.xlsx"
    write_consolidated(path, bg, [YEN_DUNG, VIET_YEN, "Yên Dũng"], "2026-H1")
    with pytest.raises(DataError, match="row 10, column B: unit 'LĐLĐ huyện Yên Dũng' is "):
        read_actuals(bg, bg_units)


def test_text_in_a_number_cell(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [12, "mười", 2, 0, 9, 9])
    with pytest.raises(DataError) as err:
        read_actuals(bg, bg_units)
    assert str(err.value) == (
        f"{SHOWN}/yen-dung.xlsx, sheet 'Báo cáo', row 8, column D (Số đoàn viên giảm): expected "
        "a number (e.g. 1.234, (65), 55,45%), found 'mười'"
    )
    where = (err.value.file, err.value.sheet, err.value.row)
    assert where == (f"{SHOWN}/yen-dung.xlsx", "Báo cáo", 8)


def test_a_folder_that_is_not_a_period(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [1, 0, 1, 0, 9, 9])
    folder = actuals_dir(bg) / "6 thang dau 2026"
    folder.mkdir()
    with pytest.raises(DataError) as err:
        read_actuals(bg, bg_units)
    assert str(err.value) == (
        f"{folder}: folder '6 thang dau 2026' is not a period of plan bac-giang-2023-2028: a "
        f"folder of forms must be named after the period they report; valid: {VALID}"
    )


def test_form_of_another_period(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    path = actuals_dir(bg) / "2026-H1" / "yen-dung.xlsx"
    write_form(path, bg, YEN_DUNG, "2025-H2")
    fill(path, [1, 0, 1, 0, 9, 9])
    with pytest.raises(DataError) as err:
        read_actuals(bg, bg_units)
    assert str(err.value) == (
        f"{SHOWN}/yen-dung.xlsx, sheet 'Báo cáo', row 3, column A: form says 2025-H2 but it is "
        "in folder 2026-H1: move the file to the folder of its period, or send the unit the "
        "form of this period"
    )


def test_demo_mark_on_a_real_plan_is_flagged(bg: PlanCard, bg_units: pd.DataFrame) -> None:
    form(bg, "2026-H1", "yen-dung.xlsx", YEN_DUNG, [1, 0, 1, 0, 9, 9])
    _, found = read_actuals(with_actuals(bg, demo=False), bg_units)
    [mark] = findings(found, "demo_mark")
    assert mark.severity == "warning" and "actuals.demo: false" in mark.message


# --- the shipped demo data --------------------------------------------------------------


def test_demo_reads_84_unit_periods(demo: tuple[pd.DataFrame, list[Finding]]) -> None:
    frame, found = demo
    pairs = frame[["unit_id", "period"]].drop_duplicates()
    assert len(pairs) == 17 * 5 - 1 == 84
    assert len(frame) == 84 * 6 and frame["value"].notna().all()
    assert sorted(set(frame["period"])) == DEMO_PERIODS
    assert frame.groupby("period")["unit_id"].nunique().tolist() == [17, 17, 16, 17, 17]
    assert set(frame.loc[frame["period"] == "2024-H1", "source_file"]) == {
        "actuals/2024-H1/tong-hop.xlsx"
    }
    admitted = frame[frame["metric"] == "members_admitted"].groupby("period")["value"].sum()
    assert admitted.tolist() == [11_282, 12_796, 13_294, 9_455, 14_565]
    errors = [f for f in found if f.severity == "error"]
    warnings = [f for f in found if f.severity == "warning"]
    assert [f.check for f in errors] == ["net_mismatch"]
    assert [f.check for f in warnings] == ["missing_report"]


def test_demo_missing_report_luc_ngan(demo: tuple[pd.DataFrame, list[Finding]]) -> None:
    frame, found = demo
    assert findings(found, "missing_report") == [
        Finding(
            "warning",
            "missing_report",
            "actuals/2025-H1",
            None,
            "LĐLĐ huyện Lục Ngạn",
            "no report from LĐLĐ huyện Lục Ngạn for 2025-H1: shown as 'no report', never as zero",
        )
    ]
    luc_ngan = frame[frame["unit_id"] == "luc-ngan"]
    assert sorted(set(luc_ngan["period"])) == ["2024-H1", "2024-H2", "2025-H2", "2026-H1"]


def test_demo_yen_dung_variant(demo: tuple[pd.DataFrame, list[Finding]]) -> None:
    frame, found = demo
    assert findings(found, "unit_name") == [
        Finding(
            "info",
            "unit_name",
            "actuals/2024-H2/yen-dung.xlsx, Báo cáo",
            8,
            YEN_DUNG,
            f"written 'Huyện Yên Dũng', matched to '{YEN_DUNG}'",
        )
    ]
    part = frame[(frame["unit_id"] == "yen-dung") & (frame["period"] == "2024-H2")]
    assert len(part) == 6 and set(part["unit_name"]) == {YEN_DUNG}


def test_demo_hiep_hoa_net_mismatch(demo: tuple[pd.DataFrame, list[Finding]]) -> None:
    _, found = demo
    ws = load_workbook(REPO / "data/raw" / BG / "actuals/2025-H2/hiep-hoa.xlsx")[FORM_SHEET]
    adm, lost, net = ws["C8"].value, ws["D8"].value, ws["E8"].value
    assert (adm, lost, net) == (298, 47, 351) and net == adm - lost + 100
    [mismatch] = findings(found, "net_mismatch")
    assert (mismatch.unit, mismatch.row) == ("LĐLĐ huyện Hiệp Hòa", 8)
    assert mismatch.message == (
        "row 8: net increase 351 (column E) is not admitted 298 (column C) − lost 47 "
        "(column D): it should be 251 (difference 100); the figures are kept as reported"
    )


def test_demo_bac_giang_admissions_by_hand(demo: tuple[pd.DataFrame, list[Finding]]) -> None:
    frame, _ = demo
    folder = REPO / "data/raw" / BG / "actuals"
    by_hand = 0
    for period in DEMO_PERIODS:
        path = folder / period / ("tong-hop.xlsx" if period == "2024-H1" else "bac-giang.xlsx")
        ws = load_workbook(path)[FORM_SHEET]
        [row] = [
            r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "LĐLĐ thành phố Bắc Giang"
        ]
        assert ws.cell(7, 3).value == "Kết nạp mới"
        by_hand += ws.cell(row, 3).value
    mine = frame[(frame["unit_id"] == "bac-giang") & (frame["metric"] == "members_admitted")]
    assert len(mine) == 5
    assert mine["value"].sum() == by_hand == 1_184


def test_demo_files_carry_the_demo_mark() -> None:
    folder = REPO / "data/raw" / BG / "actuals"
    files = sorted(folder.glob("*/*.xlsx"))
    assert len(files) == 1 + 17 + 16 + 17 + 17
    for path in files:
        assert load_workbook(path)[FORM_SHEET]["A5"].value == DEMO_MARK


def test_demo_script_reproduces_the_shipped_files(
    scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_demo_actuals", REPO / "scripts" / "make_demo_actuals.py"
    )
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_demo_actuals", module)
    spec.loader.exec_module(module)
    module.main()  # writes into the scratch root (PTDV_ROOT), never into the repository
    ours = scratch_root / "data/raw" / BG / "actuals"
    shipped = REPO / "data/raw" / BG / "actuals"
    names = sorted(p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()
    )
    for name in names:
        assert (ours / name).read_bytes() == (shipped / name).read_bytes(), name
    leftovers = [p.name for p in ours.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_name_the_allocation_table_has_twice_is_ambiguous(scratch_root: Path) -> None:
    card = load_card("tld-2021-2023")  # the TLĐ table lists Hải Phòng twice (rows 26, 27)
    units = clean_plan(card).units
    assert read_actuals(card, units)[0].empty  # no actuals folder: nothing read, no error
    form(card, "2022-H1", "hai-phong.xlsx", "Hải Phòng", [10, 2, 8, 1, 900, 90])
    with pytest.raises(DataError) as err:
        read_actuals(card, units)
    assert str(err.value) == (
        "data/raw/tld-2021-2023/actuals/2022-H1/hai-phong.xlsx, sheet 'Báo cáo', row 7, column "
        "B: unit 'Hải Phòng' is ambiguous: the allocation table has it more than once "
        "(bang-giao-chi-tieu-135-KH-TLD.xlsx, sheet 'Phụ lục', rows 35 and 38: hai-phong, "
        "hai-phong-2), so the form cannot be assigned: correct the name in the allocation "
        "table first"
    )
