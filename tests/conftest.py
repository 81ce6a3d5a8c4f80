"""Shared fixtures: scratch project roots (PTDV_ROOT), tiny tables and plan cards.

Nothing here writes into the repository: every file goes under pytest's tmp_path, and the
scratch root is announced to ptdv through the PTDV_ROOT environment variable.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from ptdv.base import paths
from ptdv.plan.config import PlanCard, load_card

#: The checkout under test (never written to).
REPO = paths.PACKAGE_ROOT

Cells = Sequence[Sequence[Any]]


def write_xlsx(
    path: Path,
    rows: Cells,
    *,
    sheet: str = "Sheet1",
    merged: Iterable[str] = (),
    bold_rows: Iterable[int] = (),
    extra_sheets: Iterable[str] = (),
    number_formats: dict[str, str] | None = None,
) -> Path:
    """Write `rows` (row 1 first; None for an empty cell) to one sheet of a new workbook.

    `merged` takes Excel ranges ("C1:D1"); `bold_rows` Excel row numbers; `number_formats`
    maps a cell ("D7") to an Excel number format.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for rng in merged:
        ws.merge_cells(rng)
    for r in bold_rows:
        for cell in ws[r]:
            cell.font = Font(bold=True)
    for ref, fmt in (number_formats or {}).items():
        ws[ref].number_format = fmt
    for name in extra_sheets:
        wb.create_sheet(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def tsv_text(rows: Cells) -> str:
    """Return `rows` as tab-separated lines (None and missing cells are empty)."""
    return "".join("\t".join("" if v is None else str(v) for v in row) + "\n" for row in rows)


def write_tsv(path: Path, rows: Cells) -> Path:
    """Write `rows` as a UTF-8 tab-separated text file (.txt or .tsv)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tsv_text(rows), encoding="utf-8")
    return path


#: A minimal card header (everything a PlanCard needs besides its sources).
CARD_HEAD = """\
plan_id: {plan_id}
title: Bảng thử
issuer: Liên đoàn Lao động tỉnh Thử
issuer_short: LĐLĐ tỉnh Thử
level: province
document:
  number: 01/KH-LĐLĐ
  date: 2024-01-15
term:
  start: 2024-01-01
  end: 2028-12-31
half_years: calendar
demo: true
members_target: admitted
metrics: [members_admitted, unions_founded]
"""


def card_yaml(
    plan_id: str,
    *,
    file: str,
    columns: str,
    sheet: str | None = None,
    copies: Sequence[str] = (),
    declared: str = "",
    metrics: str | None = None,
) -> str:
    """Return the YAML text of a small plan card with one source.

    `columns` is the YAML list of column maps (unindented, starting with "- header:"), and
    `declared` the YAML list of declared totals (unindented), if any.
    """
    text = CARD_HEAD.format(plan_id=plan_id)
    if metrics:
        text = text.replace("metrics: [members_admitted, unions_founded]", f"metrics: {metrics}")
    if declared:
        text += "declared_totals:\n" + textwrap.indent(textwrap.dedent(declared), "  ")
    text += "sources:\n"
    text += f"  - file: {file}\n"
    if sheet:
        text += f"    sheet: {sheet}\n"
    if copies:
        text += f"    copies: [{', '.join(copies)}]\n"
    text += "    row_number: TT\n    unit_name: Đơn vị\n    columns:\n"
    text += textwrap.indent(textwrap.dedent(columns), "      ")
    return text


@pytest.fixture
def repo_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the repository, read by ptdv as the project root (PTDV_ROOT unset) in the test."""
    monkeypatch.delenv("PTDV_ROOT", raising=False)
    return REPO


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a project root in tmp_path holding copies of config/ and data/raw/."""
    root = tmp_path / "root"
    shutil.copytree(REPO / "config", root / "config")
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    monkeypatch.setenv("PTDV_ROOT", str(root))
    return root


@pytest.fixture
def empty_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return an empty project root (config/plans and data/raw only) in tmp_path."""
    root = tmp_path / "root"
    (root / "config" / "plans").mkdir(parents=True)
    (root / "data" / "raw").mkdir(parents=True)
    monkeypatch.setenv("PTDV_ROOT", str(root))
    return root


@pytest.fixture
def make_plan(empty_root: Path) -> Callable[..., PlanCard]:
    """Return a factory: write a card's YAML and its raw files, then load the card.

    Call as make_plan(plan_id, yaml_text, files={name: rows}) where a name ending in .xlsx
    gets rows written with write_xlsx (pass a dict with 'rows' and write_xlsx keywords for
    merges or sheet names) and any other name gets a tab-separated text file.
    """

    def factory(plan_id: str, yaml_text: str, files: dict[str, Any]) -> PlanCard:
        (empty_root / "config" / "plans" / f"{plan_id}.yaml").write_text(
            yaml_text, encoding="utf-8"
        )
        raw = empty_root / "data" / "raw" / plan_id
        for name, spec in files.items():
            if name.endswith(".xlsx"):
                if isinstance(spec, dict):
                    spec = dict(spec)
                    write_xlsx(raw / name, spec.pop("rows"), **spec)
                else:
                    write_xlsx(raw / name, spec)
            elif isinstance(spec, str):
                (raw / name).parent.mkdir(parents=True, exist_ok=True)
                (raw / name).write_text(spec, encoding="utf-8")
            else:
                write_tsv(raw / name, spec)
        return load_card(plan_id)

    return factory


@pytest.fixture
def xlsx_writer() -> Callable[..., Path]:
    """Return write_xlsx, for tests that build workbooks by hand."""
    return write_xlsx


@pytest.fixture
def tsv_writer() -> Callable[..., Path]:
    """Return write_tsv, for tests that build text tables by hand."""
    return write_tsv


@pytest.fixture
def card_text() -> Callable[..., str]:
    """Return card_yaml, to write small plan cards as YAML text."""
    return card_yaml
