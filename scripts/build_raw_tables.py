"""Build the raw Excel copies of the official allocation tables in ``data/raw/``.

The ``.xlsx`` files written here show how a target-allocation table arrives at the
Organisation Department when someone copies it out of a Word or PDF document into Excel:
title lines above the header, a header over two rows with merged cells, the header
repeated after a page break (spelled differently the second time), figures left as
Vietnamese-formatted text on one page and as real numbers on the next, a bold totals row.

The figures are not typed in here. They are transcribed from the official documents, and
the transcription is kept as plain text next to each workbook:

* ``data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.txt``: the allocation table of
  plan 135/KH-TLĐ (Tổng Liên đoàn Lao động Việt Nam, 24/9/2021), copied verbatim.
* ``data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.txt``: the per-unit, per-year table
  of the Chương trình of LĐLĐ tỉnh Bắc Giang (8/2023, term 2023-2028), copied verbatim.

This script reads only those ``.txt`` files and lays the same cells out in a workbook with
openpyxl, so every figure in an ``.xlsx`` is the figure in its ``.txt``. It checks the
table's shape (row numbering, number of cells per row) and stops if anything is unexpected.
Re-running it reproduces the same files byte for byte: workbook properties carry fixed
dates and the zip entries carry fixed timestamps.

Only this script writes ``data/raw``. Pipeline code reads ``data/raw`` and writes
``data/processed``; it never edits or writes the raw files.

Run from the repository root::

    .venv/bin/python scripts/build_raw_tables.py
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from ptdv.report.excel import save_reproducible

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"

TLD_TXT = RAW / "tld-2021-2023" / "bang-giao-chi-tieu-135-KH-TLD.txt"
TLD_XLSX = RAW / "tld-2021-2023" / "bang-giao-chi-tieu-135-KH-TLD.xlsx"
BG_TXT = RAW / "bac-giang-2023-2028" / "chi-tieu-giao-2023-2028.txt"
BG_XLSX = RAW / "bac-giang-2023-2028" / "chi-tieu-giao-2023-2028.xlsx"

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
NEG_PAREN = "#,##0;(#,##0)"
THOUSANDS = "#,##0"

_VN_INT = re.compile(r"^(\()?(\d{1,3}(?:\.\d{3})*)(\))?$")
_TAG = re.compile(r"</?b>")


def vn_int(text: str) -> int:
    """Parse a Vietnamese integer: ``98.149`` -> 98149, ``(1.109)`` -> -1109."""
    m = _VN_INT.match(text.strip())
    if not m or bool(m.group(1)) != bool(m.group(3)):
        raise ValueError(f"not a Vietnamese integer: {text!r}")
    value = int(m.group(2).replace(".", ""))
    return -value if m.group(1) else value


# --------------------------------------------------------------------------- parsing


@dataclass
class Block:
    """One piece of the table section, in the order it appears in the .txt."""

    kind: str  # "header" | "group" | "data" | "total"
    cells: list[str] | None = None
    header: tuple[list[str], list[str]] | None = None
    bold: bool = False


@dataclass
class Table:
    lines: list[str]  # the whole .txt, split into lines (no line ends)
    first_table_line: int  # index of the first "TT\t..." line
    blocks: list[Block] = field(default_factory=list)


def parse_table(path: Path) -> Table:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("TT\t"))
    table = Table(lines=lines, first_table_line=start)
    i = start
    while i < len(lines):
        line = lines[i]
        cells = line.split("\t")
        if not line.strip():
            i += 1
        elif cells[0] == "TT":
            table.blocks.append(Block("header", header=(cells, lines[i + 1].split("\t"))))
            i += 2
        elif cells[0].isdigit():
            table.blocks.append(Block("data", cells=cells))
            i += 1
        elif cells[0] == "" and _TAG.sub("", cells[1]).strip().upper().startswith("TỔNG"):
            bold = any(_TAG.search(c) for c in cells)
            table.blocks.append(Block("total", cells=[_TAG.sub("", c) for c in cells], bold=bold))
            i += 1
        elif sum(1 for c in cells if c.strip()) == 1 and cells[0].strip():
            table.blocks.append(Block("group", cells=cells))
            i += 1
        else:
            raise ValueError(f"{path.name}:{i + 1}: unexpected line {line!r}")
    return table


def check_rows(table: Table, n_rows: int, width: int) -> None:
    data = [b.cells for b in table.blocks if b.kind == "data"]
    numbers = [int(c[0]) for c in data]
    if numbers != list(range(1, n_rows + 1)):
        raise ValueError(f"expected rows 1..{n_rows}, got {numbers}")
    for c in data + [b.cells for b in table.blocks if b.kind == "total"]:
        if len(c) != width:
            raise ValueError(f"row {c[:2]} has {len(c)} cells, expected {width}")
        for fig in c[2:]:
            vn_int(fig)  # every figure must be a plain Vietnamese integer


def strip_markdown(line: str) -> str:
    return line.strip().strip("*").strip()


# --------------------------------------------------------------------------- writing


def write_header(ws, row: int, header: tuple[list[str], list[str]], width: int) -> None:
    """Two header rows; merges follow the .txt: an empty cell to the right of a label in
    the first row extends that label, an empty cell under a label extends it downwards."""
    top = (header[0] + [""] * width)[:width]
    sub = (header[1] + [""] * width)[:width]
    for col in range(1, width + 1):
        for r, text in ((row, top[col - 1]), (row + 1, sub[col - 1])):
            cell = ws.cell(row=r, column=col, value=text or None)
            cell.font = BOLD
            cell.alignment = HEADER_ALIGN
            cell.border = BORDER
    col = 1
    while col <= width:
        label = top[col - 1]
        end = col
        while end < width and not top[end] and label:
            end += 1
        if label and end > col:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=end)
        elif label and not sub[col - 1]:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
        col = end + 1


def write_row(ws, row: int, cells: list[str], as_text: bool, fmt: str, bold: bool = False):
    tt = cells[0].strip()
    ws.cell(row=row, column=1, value=int(tt) if tt else None)
    ws.cell(row=row, column=2, value=cells[1])
    for col, fig in enumerate(cells[2:], start=3):
        cell = ws.cell(row=row, column=col)
        if as_text:
            cell.value = fig  # as a copy from Word leaves it: "98.149", "(65)"
        else:
            cell.value = vn_int(fig)
            cell.number_format = fmt
    for col in range(1, len(cells) + 1):
        cell = ws.cell(row=row, column=col)
        cell.border = BORDER
        if bold:
            cell.font = BOLD


def save_deterministic(wb: Workbook, path: Path, when: dt.datetime) -> None:
    """Save with fixed core-property dates and fixed zip timestamps."""
    save_reproducible(wb, path, when, "scripts/build_raw_tables.py", mode=0o600)


# --------------------------------------------------------------------------- the two tables


def build_tld() -> Workbook:
    """Plan 135/KH-TLĐ: 7 columns, rows 1..57, header repeated after row 26."""
    table = parse_table(TLD_TXT)
    check_rows(table, n_rows=57, width=7)
    width = 7
    headers = [b for b in table.blocks if b.kind == "header"]
    if len(headers) != 2:
        raise ValueError(f"expected the header twice, found {len(headers)}")

    # Title lines: the .txt's first five lines (blank line kept), then one empty row.
    # The caption line "Giai đoạn từ năm 2021 đến 2023" printed just above the table is the
    # text of the merged header cell C7, so it is not repeated as a title line.
    titles = table.lines[:5]
    caption = [ln for ln in table.lines[5 : table.first_table_line] if ln.strip()]
    if caption != [headers[0].header[0][2]]:
        raise ValueError(f"unexpected lines between titles and table: {caption!r}")

    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    for r, text in enumerate(titles, start=1):
        if text.strip():
            ws.cell(row=r, column=1, value=text)
    bang = next(r for r, t in enumerate(titles, start=1) if t.startswith("BẢNG GIAO"))
    ws.cell(row=bang, column=1).font = BOLD
    ws.cell(row=bang, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=bang, start_column=1, end_row=bang, end_column=width)

    row = len(titles) + 2  # one empty row after the titles
    seen_headers = 0
    for block in table.blocks:
        if block.kind == "header":
            if seen_headers:
                ws.row_breaks.append(Break(id=row - 1))  # page break before this header
            write_header(ws, row, block.header, width)
            ws.row_dimensions[row + 1].height = 78  # long wrapped sub-headers
            seen_headers += 1
            row += 2
        elif block.kind == "group":
            ws.cell(row=row, column=1, value=block.cells[0]).font = BOLD
            for col in range(1, width + 1):
                ws.cell(row=row, column=col).border = BORDER
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            row += 1
        elif block.kind == "data":
            # First page (before the repeated header): figures stay Vietnamese text.
            write_row(ws, row, block.cells, as_text=seen_headers == 1, fmt=NEG_PAREN)
            row += 1
        else:
            raise ValueError(f"unexpected {block.kind} block in the TLĐ table")

    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 26
    for col in range(3, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 17
    return wb


def build_bac_giang() -> Workbook:
    """Bắc Giang 2023-2028: 17 units x (CĐCS, ĐV) for 2024..2028 and the term, plus TỔNG."""
    table = parse_table(BG_TXT)
    check_rows(table, n_rows=17, width=14)
    width = 14
    titles = [strip_markdown(ln) for ln in table.lines[: table.first_table_line] if ln.strip()]
    if len(titles) != 3 or sum(b.kind == "total" for b in table.blocks) != 1:
        raise ValueError("unexpected Bắc Giang layout")

    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu chỉ tiêu"
    raw_titles = [ln for ln in table.lines[: table.first_table_line] if ln.strip()]
    for r, (text, raw) in enumerate(zip(titles, raw_titles, strict=True), start=1):
        cell = ws.cell(row=r, column=1, value=text)
        # Markdown emphasis in the .txt is the document's formatting: ** bold, * italic.
        bold = raw.strip().startswith("**")
        cell.font = Font(bold=bold, italic=not bold and raw.strip().startswith("*"))
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)

    row = len(titles) + 2  # one empty row after the titles
    for block in table.blocks:
        if block.kind == "header":
            write_header(ws, row, block.header, width)
            row += 2
        elif block.kind == "data":
            write_row(ws, row, block.cells, as_text=False, fmt=THOUSANDS)
            row += 1
        elif block.kind == "total":
            write_row(ws, row, block.cells, as_text=False, fmt=THOUSANDS, bold=block.bold)
            row += 1
        else:
            raise ValueError(f"unexpected {block.kind} block in the Bắc Giang table")

    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 32
    for col in range(3, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 9
    return wb


def main() -> None:
    save_deterministic(build_tld(), TLD_XLSX, dt.datetime(2021, 9, 24, 0, 0, 0))
    save_deterministic(build_bac_giang(), BG_XLSX, dt.datetime(2023, 8, 1, 0, 0, 0))
    for path in (TLD_XLSX, BG_XLSX):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
