"""Half-year report forms: write the Excel form units fill in, and read the filled forms back.

The federation sends every unit a form (`write_forms`, one `<unit_id>.xlsx` per unit) or one
consolidated sheet for all units (`write_consolidated`). Sheet `Báo cáo` holds title lines
(issuer, title, the period with its days and its id `mã kỳ: 2026-H1`, the unit), then the
header `TT | Đơn vị | <six figures>` and one row per unit. Only the six figure cells of each
row are unlocked (light yellow) and they only take whole numbers; the rest of the sheet and
the workbook's structure are protected **without a password**: the protection prevents
accidents (typing over the unit name or the period), it is not a security measure.
Sheet `Hướng dẫn` explains the columns in Vietnamese.

Filled forms come back to `data/raw/<plan>/<actuals.folder>/<period>/` (the folder names the
period). `read_actuals` reads them into tidy figures (kind `actual`, one row per unit x
metric, NaN for a cell left empty: "not reported", never zero) with their provenance, and a
list of quality findings (name variants, net mismatches, negative figures, missing reports).
Unreadable input (an unknown unit, two forms for one unit, text in a number cell, a form in
the folder of another period) raises DataError naming the file, sheet, row and column.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ptdv.base import paths
from ptdv.base.atomic import atomic_file
from ptdv.base.errors import ConfigError, DataError
from ptdv.base.i18n import N_
from ptdv.base.safety import guard_workbook
from ptdv.plan.periods import Calendar, Period
from ptdv.tables.checks import Finding, Where, check_negatives, finding, hidden_findings
from ptdv.tables.ingest import (
    Table,
    cell_text,
    column_letter,
    header_matches,
    open_workbook,
    read_table,
)
from ptdv.tables.schemas import FIGURE_COLUMNS
from ptdv.tables.units import UnitIndex, clean_name, split_ambiguous, unit_key

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    from ptdv.plan.config import PlanCard

__all__ = [
    "DEMO_MARK",
    "FORM_COLUMNS",
    "FORM_SHEET",
    "GUIDE_SHEET",
    "TITLE",
    "actuals_dir",
    "form_files",
    "read_actuals",
    "write_consolidated",
    "write_form",
    "write_forms",
]

#: The form's figure columns: header text as printed, metric name in the tidy tables.
FORM_COLUMNS = [
    ("Kết nạp mới", "members_admitted"),
    ("Số đoàn viên giảm", "members_lost"),
    ("Tăng thêm (kết nạp − giảm)", "members_net"),
    ("CĐCS thành lập mới", "unions_founded"),
    ("Tổng số đoàn viên cuối kỳ", "members_total"),
    ("Số CNLĐ chưa là đoàn viên cuối kỳ", "nonmember_workers"),
]
#: Running totals from the term's start (lũy kế) a form may carry after the six figures;
#: the blank form has them when the card says `actuals.running_totals: true`.
RUNNING_COLUMNS = [
    ("Lũy kế kết nạp mới từ đầu nhiệm kỳ", "members_admitted"),
    ("Lũy kế số đoàn viên giảm từ đầu nhiệm kỳ", "members_lost"),
    ("Lũy kế tăng thêm từ đầu nhiệm kỳ", "members_net"),
    ("Lũy kế CĐCS thành lập mới từ đầu nhiệm kỳ", "unions_founded"),
]
FORM_SHEET = "Báo cáo"
GUIDE_SHEET = "Hướng dẫn"
TITLE = "BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐOÀN VIÊN, THÀNH LẬP CĐCS"
DEMO_MARK = "SỐ LIỆU MINH HỌA (demo data)"

_ROW_NUMBER = "TT"
_UNIT_NAME = "Đơn vị"
_INPUT_FILL = "FFFFF2CC"  # light yellow: the cells a unit fills in
_HEADER_FILL = "FFD9E1F2"
_PERIOD_RE = re.compile(r"mã\s*kỳ\s*:\s*([^\s,;()]+)", re.IGNORECASE)
_DEMO_KEY = "số liệu minh họa"
#: metrics read from a form whose figures may be negative (checked by check_negatives)
_NET = "members_net"


# --- writing ----------------------------------------------------------------------------


def _period(card: PlanCard, period_id: str) -> tuple[Calendar, Period]:
    """Return the plan's calendar and the period, or raise ConfigError listing valid ids."""
    cal = Calendar.from_card(card)
    try:
        return cal, cal.period(period_id)
    except ValueError as err:
        raise ConfigError(f"plan {card.plan_id}: {err}") from None


def _columns(card: PlanCard) -> list[tuple[str, str]]:
    """Return the figure columns of the card's blank form: (header, metric)."""
    return FORM_COLUMNS + (RUNNING_COLUMNS if card.actuals.running_totals else [])


def _validations(
    first_row: int, last_row: int, columns: list[tuple[str, str]]
) -> list[DataValidation]:
    """Return the data validations of the input cells: whole numbers, >= 0 except net."""
    from openpyxl.worksheet.datavalidation import DataValidation

    out = []
    for j, (header, metric) in enumerate(columns, start=3):
        letter = column_letter(j)
        if metric == _NET:
            dv = DataValidation(
                type="whole",
                operator="between",
                formula1="-1000000000",
                formula2="1000000000",
                allow_blank=True,
            )
            dv.error = (
                "Chỉ nhập số nguyên (có thể là số âm, ví dụ -25), không nhập chữ, dấu chấm "
                "hay dấu phẩy. Tăng thêm = Kết nạp mới − Số đoàn viên giảm. Chưa có số liệu "
                "thì để trống."
            )
        else:
            dv = DataValidation(
                type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
            )
            dv.error = (
                "Chỉ nhập số nguyên từ 0 trở lên, không nhập chữ, dấu chấm hay dấu phẩy. "
                "Chưa có số liệu thì để trống, không ghi số 0."
            )
        dv.errorTitle = "Số liệu không hợp lệ"
        dv.errorStyle = "stop"
        dv.showErrorMessage = True
        dv.promptTitle = "Nhập số nguyên"
        dv.prompt = f"{header}: nhập số nguyên; để trống nếu chưa có số liệu."
        dv.showInputMessage = True
        dv.add(f"{letter}{first_row}:{letter}{last_row}")
        out.append(dv)
    return out


def _guide(ws, card: PlanCard, cal: Calendar, period: Period) -> None:
    """Fill the instructions sheet (Vietnamese)."""
    from openpyxl.styles import Alignment, Font

    end = period.end.strftime("%d/%m/%Y")
    lines: list[tuple[str, bool]] = [
        ("HƯỚNG DẪN ĐIỀN BIỂU BÁO CÁO", True),
        (
            f"Kỳ báo cáo: {cal.label(period.id)} ({cal.date_range(period.id)}), mã kỳ {period.id}.",
            False,
        ),
        ("", False),
        ("Ý nghĩa các cột (trang tính «Báo cáo»):", True),
        ("• Kết nạp mới: số đoàn viên được kết nạp mới trong kỳ báo cáo.", False),
        (
            "• Số đoàn viên giảm: số đoàn viên giảm trong kỳ (chuyển công tác, nghỉ việc, "
            "doanh nghiệp giải thể, phá sản...).",
            False,
        ),
        (
            "• Tăng thêm (kết nạp − giảm): bằng Kết nạp mới trừ Số đoàn viên giảm; có thể là "
            "số âm khi số giảm lớn hơn số kết nạp.",
            False,
        ),
        ("• CĐCS thành lập mới: số công đoàn cơ sở được thành lập mới trong kỳ.", False),
        (
            f"• Tổng số đoàn viên cuối kỳ: tổng số đoàn viên của đơn vị tính đến ngày {end} "
            "(ngày cuối của kỳ báo cáo).",
            False,
        ),
        (
            "• Số CNLĐ chưa là đoàn viên cuối kỳ: số công nhân, lao động trong các đơn vị, "
            f"doanh nghiệp chưa là đoàn viên, tính đến ngày {end}.",
            False,
        ),
        ("", False),
        ("Cách điền:", True),
        ("• Chỉ điền vào các ô màu vàng, và chỉ nhập số nguyên (không nhập chữ).", False),
        (
            "• Ô nào chưa có số liệu thì để trống; không ghi số 0 khi chưa biết. Số 0 nghĩa "
            "là «không có», ô trống nghĩa là «chưa có số liệu».",
            False,
        ),
        (
            "• Không sửa tên đơn vị, kỳ báo cáo và các dòng tiêu đề (các ô này đã được khóa); "
            "không đổi tên hay thêm trang tính.",
            False,
        ),
        (
            f"• Lưu tệp dạng Excel (.xlsx) và gửi lại cho {card.issuer} (Ban Tổ chức) đúng hạn.",
            False,
        ),
    ]
    if card.actuals.demo:
        lines.insert(1, (DEMO_MARK, True))
    for r, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1, value=text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if text == DEMO_MARK:
            cell.font = Font(bold=True, color="FFC00000")
        elif bold:
            cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 100
    ws.protection.sheet = True


def _build(card: PlanCard, unit_names: list[str], period_id: str, unit_line: str) -> Workbook:
    """Return the form workbook with one input row per unit name."""
    # openpyxl here, not at the top: cleaning reads this module, and a text table's plan
    # needs no openpyxl at all (0.15 s to import)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.workbook.protection import WorkbookProtection

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="center")
    input_fill = PatternFill("solid", start_color=_INPUT_FILL, end_color=_INPUT_FILL)
    header_fill = PatternFill("solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)
    cal, period = _period(card, period_id)
    if not unit_names:
        raise ValueError("a form needs at least one unit")
    columns = _columns(card)
    width = 2 + len(columns)
    wb = Workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    titles: list[tuple[str, Font, Alignment]] = [
        (card.issuer, Font(bold=True), Alignment(horizontal="left")),
        (TITLE, Font(bold=True, size=13), Alignment(horizontal="center")),
        (
            f"Kỳ báo cáo: {cal.label(period.id)} ({cal.date_range(period.id)}) "
            f"— mã kỳ: {period.id}",
            Font(italic=True),
            Alignment(horizontal="center"),
        ),
        (unit_line, Font(bold=True), Alignment(horizontal="center")),
    ]
    if card.actuals.demo:
        titles.append((DEMO_MARK, Font(bold=True, color="FFC00000"), Alignment("center")))
    for r, (text, font, align) in enumerate(titles, start=1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.font = font
        cell.alignment = align
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    header_row = len(titles) + 2  # one blank row after the titles
    headers = [_ROW_NUMBER, _UNIT_NAME] + [h for h, _ in columns]
    for j, text in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=j, value=text)
        cell.font = Font(bold=True)
        cell.alignment = center
        cell.border = border
        cell.fill = header_fill
    ws.row_dimensions[header_row].height = 48
    first = header_row + 1
    for k, name in enumerate(unit_names):
        r = first + k
        ws.cell(row=r, column=1, value=k + 1).alignment = center
        ws.cell(row=r, column=2, value=name).alignment = wrap
        for j in range(1, width + 1):
            cell = ws.cell(row=r, column=j)
            cell.border = border
            if j > 2:
                cell.protection = Protection(locked=False)
                cell.fill = input_fill
                metric = columns[j - 3][1]
                cell.number_format = "#,##0;-#,##0" if metric == _NET else "#,##0"
    last = first + len(unit_names) - 1
    for dv in _validations(first, last, columns):
        ws.add_data_validation(dv)
    note = ws.cell(
        row=last + 2,
        column=1,
        value="Ghi chú: chỉ điền vào các ô màu vàng; ô trống = chưa có số liệu "
        f"(xem trang tính «{GUIDE_SHEET}»).",
    )
    note.font = Font(italic=True, size=9)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 34
    for j in range(3, width + 1):
        ws.column_dimensions[column_letter(j)].width = 16
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True  # no password: a guard against accidents, not security
    _guide(wb.create_sheet(GUIDE_SHEET), card, cal, period)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    return wb


def _save_atomic(wb: Workbook, path: Path) -> Path:
    """Save to a temporary file in the same folder, then move it over `path`."""
    path = Path(path)
    guard_workbook(wb)  # a unit name such as "=HYPERLINK(...)" is shown as text
    with atomic_file(path) as tmp:
        wb.save(tmp)
    return path


def write_form(path: str | Path, card: PlanCard, unit_name: str, period_id: str) -> Path:
    """Write the blank form of one unit for one period; return its path."""
    wb = _build(card, [unit_name], period_id, f"{_UNIT_NAME}: {unit_name}")
    return _save_atomic(wb, Path(path))


def write_consolidated(
    path: str | Path, card: PlanCard, unit_names: list[str], period_id: str
) -> Path:
    """Write one sheet with a row per unit (TT 1..n) for one period; return its path."""
    line = f"{_UNIT_NAME}: tổng hợp {len(unit_names)} đơn vị"
    wb = _build(card, list(unit_names), period_id, line)
    return _save_atomic(wb, Path(path))


def write_forms(
    card: PlanCard, units: pd.DataFrame, period_id: str, out_dir: str | Path
) -> list[Path]:
    """Write `<unit_id>.xlsx` for every unit (in table order) into out_dir; return the paths.

    The forms are written to a temporary folder next to out_dir first: a new out_dir is
    renamed into place whole, an existing one receives the finished files (same names
    replaced, other files left alone). Blank forms never go to data/raw (that is evidence).
    """
    _period(card, period_id)
    missing = [c for c in ("unit_id", "unit_name") if c not in units.columns]
    if missing:
        raise ValueError(f"the units frame lacks column(s) {', '.join(missing)}")
    out_dir = Path(out_dir).resolve()
    raw = paths.raw_dir().resolve()
    if out_dir.is_relative_to(raw):
        raise ConfigError(
            f"{out_dir}: blank forms are not written under {raw} (raw data is evidence); "
            f"write them to e.g. {paths.reports_dir(card.plan_id) / 'forms' / period_id}"
        )
    ordered = units.sort_values("order") if "order" in units.columns else units
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.tmp-"))
    try:
        names = []
        for unit_id, unit_name in zip(ordered["unit_id"], ordered["unit_name"], strict=True):
            name = f"{unit_id}.xlsx"
            write_form(tmp / name, card, str(unit_name), period_id)
            names.append(name)
        if not out_dir.exists():
            os.chmod(tmp, 0o755)
            os.rename(tmp, out_dir)
        else:
            for name in names:
                os.replace(tmp / name, out_dir / name)
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / n for n in names]


# --- reading ----------------------------------------------------------------------------


def actuals_dir(card: PlanCard) -> Path:
    """Return the folder holding a plan's filled forms, one sub-folder per period."""
    return paths.raw_dir(card.plan_id) / card.actuals.folder


def _skipped(name: str) -> bool:
    return name.startswith("~$") or name.startswith(".")


def _period_folders(card: PlanCard) -> list[tuple[Path, str]]:
    """Return (folder, period id) of each period folder, in calendar order."""
    base = actuals_dir(card)
    if not base.is_dir():
        return []
    cal = Calendar.from_card(card)
    valid = cal.valid_ids()
    out = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not _skipped(p.name)):
        try:
            cal.period(folder.name)
        except ValueError:
            raise DataError(
                f"folder '{folder.name}' is not a period of plan {card.plan_id}: a folder of "
                f"forms must be named after the period they report; valid: {', '.join(valid)}",
                file=str(folder),
            ) from None
        out.append((folder, folder.name))
    return sorted(out, key=lambda fp: valid.index(fp[1]))


def form_files(card: PlanCard) -> list[Path]:
    """Return the form files read_actuals reads (for the inputs manifest), in reading order."""
    out = []
    for folder, _ in _period_folders(card):
        out += [
            p
            for p in sorted(folder.iterdir())
            if p.is_file() and not _skipped(p.name) and p.suffix.lower() == ".xlsx"
        ]
    return out


def _sheet_of(path: Path) -> str:
    """Return the form sheet's name: `Báo cáo` if present, else the first visible sheet.

    A sheet a unit hid (an old copy kept at the front, say) is not its report.
    """
    wb = open_workbook(path, read_only=True)  # a damaged or hostile file: one DataError
    try:
        names = wb.sheetnames
        visible = [n for n in names if wb[n].sheet_state == "visible"]
    finally:
        wb.close()
    wanted = unicodedata.normalize("NFC", FORM_SHEET)
    match = [n for n in names if unicodedata.normalize("NFC", n) == wanted]
    return match[0] if match else (visible or names)[0]


def _unit_index(card: PlanCard, units: pd.DataFrame) -> tuple[UnitIndex, dict[str, list[str]]]:
    """Return the index of the plan's units with the card's actuals.aliases (name -> name).

    Units whose names share a key (a name written twice in the allocation table, e.g. TLĐ's
    two `Hải Phòng` rows) are left out of the index: a form naming them is ambiguous, and the
    second value maps their key to their ids.
    """
    pairs = [
        (uid, clean_name(str(name)))
        for uid, name in zip(units["unit_id"], units["unit_name"], strict=True)
    ]
    pairs, ambiguous = split_ambiguous(pairs)
    plain = UnitIndex(pairs)
    ids = {uid for uid, _ in pairs}
    aliases = {}
    for variant, target in card.actuals.aliases.items():
        uid = target if target in ids else plain.match(target)
        if uid is None:
            raise ConfigError(
                f"{card.card_path}: key 'actuals.aliases.{variant}': {target!r} is not a unit "
                "of the allocation table, or not only one (give its name or id)"
            )
        aliases[variant] = uid
    try:
        return UnitIndex(pairs, aliases), ambiguous
    except ValueError as err:
        raise ConfigError(f"{card.card_path}: key 'actuals.aliases': {err}") from None


def _where_in_table(units: pd.DataFrame, unit_ids: list[str]) -> str:
    """Return where units stand in the allocation table: 'file, sheet S, rows 8 and 9: ids'."""
    ids = ", ".join(unit_ids)
    if not {"source_file", "sheet", "row"} <= set(units.columns):
        return ids
    rows = units[units["unit_id"].isin(unit_ids)]
    if rows.empty or rows["source_file"].nunique() != 1 or rows["sheet"].nunique() != 1:
        return ids
    numbers = [str(int(n)) for n in rows["row"] if pd.notna(n)]
    listed = " and ".join([", ".join(numbers[:-1]), numbers[-1]] if len(numbers) > 1 else numbers)
    return f"{rows['source_file'].iloc[0]}, sheet '{rows['sheet'].iloc[0]}', rows {listed}: {ids}"


def _issuer_key(text: str) -> str:
    """Return an issuer's name for comparison: composed, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _refuse_other_plan(card: PlanCard, table: Table, period: str) -> None:
    """Raise DataError when a form's title names the issuer of another plan, not this one's.

    A form of another federation of the same level (its issuer line, the first title line
    of ptdv's forms) would otherwise be refused as an unknown unit with a misleading
    suggestion, or read as this plan's when its unit names are alike. A title naming this
    plan's issuer anywhere (a letterhead with the parent's name above it) is never refused.
    """
    from ptdv.plan import config

    own = {_issuer_key(card.issuer), _issuer_key(card.issuer_short)}
    titles = _title_rows(table)
    if not titles or any(_issuer_key(text) in own for _, _, text in titles):
        return
    others = None
    for i, j, text in titles:
        key = _issuer_key(text)
        if others is None:
            others = []
            for plan_id in config.available_plans():
                if plan_id == card.plan_id:
                    continue
                try:
                    others.append(config.load_card(plan_id))
                except ConfigError:  # a broken card of another plan is not this run's business
                    continue
        for other in others:
            if other.level != card.level:  # a parent's name can head a unit's letterhead
                continue
            if key in {_issuer_key(other.issuer), _issuer_key(other.issuer_short)}:
                folder = f"data/raw/{other.plan_id}/{other.actuals.folder}/{period}/"
                raise table.grid.error(
                    f"a form of another plan: it is headed '{text}', the issuer of plan "
                    f"{other.plan_id}, not '{card.issuer}' ({card.plan_id}): move it to "
                    f"{folder}",
                    i,
                    j,
                )


def _title_rows(table: Table) -> list[tuple[int, int, str]]:
    """Return (grid row index, column index, text) of the non-empty cells above the header."""
    grid = table.grid
    out = []
    for i in range(table.header_rows[0]):
        for j, value in enumerate(grid.rows[i]):
            text = cell_text(value)
            if text:
                out.append((i, j, text))
    return out


def read_actuals(card: PlanCard, units: pd.DataFrame) -> tuple[pd.DataFrame, list[Finding]]:
    """Read every filled form of a plan into tidy actual figures and quality findings.

    `units` is the plan's units frame (unit_id, unit_name, order). Raises DataError for input
    that cannot be read as intended, ConfigError for wrong actuals.aliases in the card.
    """
    raw = paths.raw_dir(card.plan_id)
    folders = _period_folders(card)
    if folders:  # a national table with no form yet spends nothing on its 135,000 units
        index, ambiguous = _unit_index(card, units)
        names = {
            uid: clean_name(str(n))
            for uid, n in zip(units["unit_id"], units["unit_name"], strict=True)
        }
        ordered = units.sort_values("order") if "order" in units.columns else units
        all_ids = list(ordered["unit_id"])  # for the missing reports, in the table's order
        known_ids = set(all_ids)
    spec = [(metric, [header]) for header, metric in FORM_COLUMNS]
    rows: list[dict] = []
    findings: list[Finding] = []
    base = actuals_dir(card)
    if base.is_dir():
        for p in sorted(base.iterdir()):
            if p.is_file() and p.suffix.lower() == ".xlsx" and not _skipped(p.name):
                findings.append(
                    finding(
                        "warning",
                        "not_a_form",
                        p.relative_to(raw).as_posix(),
                        None,
                        None,
                        N_(
                            "a form outside any period folder: not read; move it into the "
                            "folder of its period ({folder}/<period>/)"
                        ),
                        folder=card.actuals.folder,
                    )
                )

    for folder, period in folders:
        seen: dict[str, tuple[str, str, int]] = {}  # unit_id -> (file, sheet, row)
        rel_folder = folder.relative_to(raw).as_posix()
        n_files = 0
        for path in sorted(folder.iterdir()):
            if _skipped(path.name):
                continue
            rel = path.relative_to(raw).as_posix()
            if not path.is_file() or path.suffix.lower() != ".xlsx":
                findings.append(
                    finding(
                        "warning",
                        "not_a_form",
                        rel,
                        None,
                        None,
                        N_("not an .xlsx form: not read (ask the unit for the .xlsx form)"),
                    )
                )
                continue
            n_files += 1
            sheet = _sheet_of(path)
            table = read_table(path, sheet, spec, row_number=_ROW_NUMBER, unit_name=_UNIT_NAME)
            running = [
                (f"{metric}@cum", [header])
                for header, metric in RUNNING_COLUMNS
                if any(c.ref is None and header_matches(c.path, [header]) for c in table.columns)
            ]
            if running:  # the form carries running totals too: read them as well
                table = read_table(
                    path, sheet, spec + running, row_number=_ROW_NUMBER, unit_name=_UNIT_NAME
                )
            src = Where(f"{rel}, {table.grid.sheet}", rel, table.grid.sheet)
            findings += hidden_findings(table, src, sheet="form")
            letters = {c.ref: c.letter for c in table.columns if c.ref}
            labels = {c.ref: f"{c.letter} ({c.label})" for c in table.columns if c.ref}

            _refuse_other_plan(card, table, period)
            demo_marked = False
            for i, j, text in _title_rows(table):
                if _DEMO_KEY in text.casefold():
                    demo_marked = True
                m = _PERIOD_RE.search(text)
                if m and m.group(1) != period:
                    raise table.grid.error(
                        f"form says {m.group(1)} but it is in folder {period}: move the file "
                        "to the folder of its period, or send the unit the form of this period",
                        i,
                        j,
                    )
            if demo_marked and not card.actuals.demo:
                findings.append(
                    finding(
                        "warning",
                        "demo_mark",
                        src,
                        None,
                        None,
                        N_(
                            "the form carries the mark '{mark}' but the plan card says its "
                            "actuals are real (actuals.demo: false)"
                        ),
                        mark=DEMO_MARK,
                    )
                )
            if not table.units:
                raise table.grid.error(
                    "no unit row below the header: expected a row with TT, the unit's name "
                    "and its figures",
                    table.header_rows[-1],
                )
            for t in table.totals:
                findings.append(
                    finding(
                        "info",
                        "totals_row",
                        src,
                        t.number,
                        None,
                        N_("totals row '{name}' not loaded as a unit"),
                        name=t.name,
                    )
                )

            for r in table.units:
                name = clean_name(r.raw_name or r.name)
                uid = index.match(name)
                if uid is None and unit_key(name) in ambiguous:
                    twice = ambiguous[unit_key(name)]
                    raise table.grid.error(
                        f"unit '{name}' is ambiguous: the allocation table has it more than "
                        f"once ({_where_in_table(units, twice)}), so the form cannot be "
                        "assigned: correct the name in the allocation table first",
                        r.index,
                        table.name_col,
                    )
                if uid is None:
                    close = index.suggest(name)
                    hint = (
                        f"did you mean '{close[0]}'?"
                        if close
                        else "no known unit has a close name;"
                    )
                    raise table.grid.error(
                        f"unknown unit '{name}'; {hint} (or add it to actuals.aliases in the "
                        "plan card)",
                        r.index,
                        table.name_col,
                    )
                official = names[uid]
                if uid in seen:
                    f0, s0, r0 = seen[uid]
                    raise table.grid.error(
                        f"unit '{official}' is reported twice for {period}: in {f0}, sheet "
                        f"'{s0}', row {r0} and in {rel}, sheet '{table.grid.sheet}', row "
                        f"{r.number}; keep one form per unit and period",
                        r.index,
                        table.name_col,
                    )
                seen[uid] = (rel, table.grid.sheet, r.number)
                if name != official:
                    findings.append(
                        finding(
                            "info",
                            "unit_name",
                            src,
                            r.number,
                            official,
                            N_("written '{written}', matched to '{name}'"),
                            written=name,
                            name=official,
                        )
                    )
                if path.stem in known_ids and path.stem != uid and len(table.units) == 1:
                    findings.append(
                        finding(
                            "warning",
                            "file_name",
                            src,
                            r.number,
                            official,
                            N_(
                                "the file is named after unit '{file_unit}' but the form is "
                                "for '{name}': read as '{name}'"
                            ),
                            file_unit=path.stem,
                            name=official,
                        )
                    )
                for ref, v in r.values.items():
                    if v is not None and v.percent:  # "50%", or a cell formatted as percent
                        column = next(c for c in table.columns if c.ref == ref)
                        raise table.grid.error(
                            f"expected a count (a whole number of people or unions), found "
                            f"the percentage {cell_text(table.grid.cell(r.index, column.index))!r}"
                            ": type the number itself, without %",
                            r.index,
                            column.index,
                            column.label,
                        )
                vals = {m: (v.value if v is not None else None) for m, v in r.values.items()}
                findings += _row_checks(vals, labels, letters, src, r.number, official, period)
                cells = [(m, m, "actual") for _, m in FORM_COLUMNS]
                cells += [(ref, ref.split("@")[0], "cumulative") for ref, _ in running]
                for ref, metric, kind in cells:
                    v = vals[ref]
                    rows.append(
                        {
                            "plan_id": card.plan_id,
                            "level": "unit",
                            "unit_id": uid,
                            "unit_name": official,
                            "metric": metric,
                            "period": period,
                            "kind": kind,
                            "value": float("nan") if v is None else float(v),
                            "source_file": rel,
                            "sheet": table.grid.sheet,
                            "row": r.number,
                            "column": letters[ref],
                        }
                    )
        if seen:
            findings.append(
                finding(
                    "info",
                    "forms_read",
                    rel_folder,
                    None,
                    None,
                    N_(
                        "{period}: {files} form file(s) read, reports from {reported} of "
                        "{units} units"
                    ),
                    period=period,
                    files=n_files,
                    reported=len(seen),
                    units=len(all_ids),
                )
            )
        for uid in all_ids if seen else []:
            if uid not in seen:
                name = names[uid]
                findings.append(
                    finding(
                        "warning",
                        "missing_report",
                        rel_folder,
                        None,
                        name,
                        N_(
                            "no report from {name} for {period}: shown as 'no report', never "
                            "as zero"
                        ),
                        name=name,
                        period=period,
                    )
                )

    frame = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    findings += check_negatives(frame)
    return frame, findings


def _row_checks(
    vals: dict[str, float | None],
    labels: dict[str, str],
    letters: dict[str, str],
    src: Where,
    row: int,
    unit: str,
    period: str,
) -> list[Finding]:
    """Check one unit row of a form: blank form, whole numbers, net = admitted − lost."""
    out = []
    if all(v is None for v in vals.values()):
        out.append(
            finding(
                "warning",
                "empty_report",
                src,
                row,
                unit,
                N_(
                    "the form of {name} for {period} has no figure filled in: every figure is "
                    "'not reported'"
                ),
                name=unit,
                period=period,
            )
        )
    for metric, v in vals.items():
        if v is not None and not float(v).is_integer():
            out.append(
                finding(
                    "error",
                    "not_whole_number",
                    src.col(letters[metric]),
                    row,
                    unit,
                    N_(
                        "row {row}, column {column}: {value} is not a whole number (people and "
                        "unions are counted in whole numbers); kept as reported"
                    ),
                    row=row,
                    column=labels[metric],
                    value=float(v),
                )
            )
    said = {
        "": N_(
            "row {row}: net increase {net} (column {net_column}) is not admitted {admitted} "
            "(column {admitted_column}) − lost {lost} (column {lost_column}): it should be "
            "{should} (difference {difference}); the figures are kept as reported"
        ),
        "@cum": N_(
            "row {row}: running total of the net increase {net} (column {net_column}) is not "
            "admitted {admitted} (column {admitted_column}) − lost {lost} (column "
            "{lost_column}): it should be {should} (difference {difference}); the figures are "
            "kept as reported"
        ),
    }
    for suffix, template in said.items():
        adm, lost = vals.get(f"members_admitted{suffix}"), vals.get(f"members_lost{suffix}")
        net = vals.get(f"{_NET}{suffix}")
        if adm is None or lost is None or net is None:
            continue
        should = adm - lost
        if not math.isclose(net, should, abs_tol=1e-9):
            out.append(
                finding(
                    "error",
                    "net_mismatch",
                    src.col(letters[_NET + suffix]),
                    row,
                    unit,
                    template,
                    row=row,
                    net=float(net),
                    net_column=letters[_NET + suffix],
                    admitted=float(adm),
                    admitted_column=letters["members_admitted" + suffix],
                    lost=float(lost),
                    lost_column=letters["members_lost" + suffix],
                    should=float(should),
                    difference=float(net - should),
                )
            )
    return out
