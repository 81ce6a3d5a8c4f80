"""Make DEMO half-year report forms for bac-giang-2023-2028 (made-up figures, seeded).

No unit of LĐLĐ tỉnh Bắc Giang has sent us real half-year figures. So that the pipeline and
the reports can be built and shown, this script fills the plan's own report form
(`ptdv.tables.forms.write_form`) with invented but plausible figures for the half-years 2024-H1,
2024-H2, 2025-H1, 2025-H2 and 2026-H1, into ``data/raw/bac-giang-2023-2028/actuals/<period>/``.
The plan card says ``actuals.demo: true``, so every form carries the red mark
``SỐ LIỆU MINH HỌA (demo data)`` and every output built from them says so.

Units and yearly targets are not typed in here: the script cleans the plan in-process
(``ptdv.tables.clean.clean_plan``) and uses its 17 units and their yearly targets. For each unit and
half-year (random.Random(2023), drawn in a fixed order; no clock):

* admissions = yearly ``members_admitted`` target / 2 x a factor drawn in [0.55, 1.35],
  rounded; a unit with a zero target admits a small number drawn in 0-30;
* losses = a share drawn in [10%, 35%] of admissions, rounded; net = admissions - losses;
* unions founded = yearly ``unions_founded`` target / 2 x a factor in [0.55, 1.35], rounded;
* members at the period's end = a per-unit baseline drawn once (20-60 x the unit's 2024
  admissions target, at most 120,000; 1,500-6,000 for a unit whose target is zero) + the
  cumulative net;
* non-member workers at the period's end = a per-unit share of the members drawn once in
  [5%, 25%] (random.Random(2024)), times a drift in [0.9, 1.1] each half-year.

Deliberate mess, as real reports arrive (also listed in ``actuals/README.md``):

(a) ``LĐLĐ huyện Lục Ngạn`` sends no form for 2025-H1 (a missing report, not a zero);
(b) in 2024-H2 ``LĐLĐ huyện Yên Dũng`` writes its name as ``Huyện Yên Dũng`` (matched by
    name normalisation and logged as an info finding);
(c) in 2025-H2 ``LĐLĐ huyện Hiệp Hòa`` types its net increase as admissions - losses + 100
    (a net mismatch: an error finding; the figure is kept as typed);
(d) 2024-H1 arrives as ONE consolidated workbook ``tong-hop.xlsx`` with all 17 units
    (``ptdv.tables.forms.write_consolidated``) instead of one form per unit.

Re-running the script replaces the ``actuals/`` folder whole (built in a temporary folder,
then swapped in) and reproduces the same bytes: workbook properties carry fixed dates (the
period's last day) and the zip entries fixed timestamps, as in ``build_raw_tables.py``.
It writes where ``ptdv.paths`` points (``PTDV_ROOT`` if set, else this checkout).

Run from the repository root::

    .venv/bin/python scripts/make_demo_actuals.py
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook

from ptdv.base import paths
from ptdv.plan.config import PlanCard, load_card
from ptdv.plan.periods import Calendar
from ptdv.report.excel import save_reproducible
from ptdv.tables.clean import clean_plan
from ptdv.tables.forms import FORM_COLUMNS, FORM_SHEET, actuals_dir, write_consolidated, write_form

PLAN = "bac-giang-2023-2028"
PERIODS = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]
SEED = 2023
CONSOLIDATED = ("2024-H1", "tong-hop.xlsx")
MISSING = ("luc-ngan", "2025-H1")
RENAMED = ("yen-dung", "2024-H2", "Huyện Yên Dũng")
NET_TYPO = ("hiep-hoa", "2025-H2", 100)
METRICS = [m for _, m in FORM_COLUMNS]


@dataclass
class Unit:
    unit_id: str
    unit_name: str
    admitted_target: dict[str, float]  # year -> yearly target
    unions_target: dict[str, float]


def half_up(x: float) -> int:
    """Round half away from zero (as people do), not to even."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def load_plan() -> tuple[PlanCard, list[Unit]]:
    """Return the card and its units with yearly targets, from the cleaned allocation table."""
    card = load_card(PLAN)
    # Clean with the actuals folder pointed nowhere: the units and targets come from the
    # allocation table only, so a broken or half-written actuals/ cannot stop this script.
    table_only = card.model_copy(
        update={"actuals": card.actuals.model_copy(update={"folder": ".no-actuals"})}
    )
    result = clean_plan(table_only)
    t = result.targets[result.targets["level"] == "unit"]
    units = []
    for _, u in result.units.sort_values("order").iterrows():
        mine = t[t["unit_id"] == u["unit_id"]]

        def yearly(metric: str, mine: pd.DataFrame = mine) -> dict[str, float]:
            part = mine[(mine["metric"] == metric) & (mine["period"].str.fullmatch(r"\d{4}"))]
            return dict(zip(part["period"], part["value"].astype(float), strict=True))

        units.append(
            Unit(u["unit_id"], u["unit_name"], yearly("members_admitted"), yearly("unions_founded"))
        )
    return card, units


MAX_BASELINE = 120_000


def draw(units: list[Unit]) -> dict[tuple[str, str], dict[str, int]]:
    """Return the true figures of every unit and period (before the deliberate mess)."""
    rng = random.Random(SEED)
    first_year = PERIODS[0][:4]
    baseline = {}
    for u in units:
        target = u.admitted_target[first_year]
        if target > 0:
            # capped, so that the industrial-zone union (20,000 a year) stays plausible
            baseline[u.unit_id] = min(half_up(target * rng.uniform(20, 60)), MAX_BASELINE)
        else:
            baseline[u.unit_id] = rng.randint(1500, 6000)
    members = dict(baseline)
    # each unit's share of non-member workers is drawn once, then drifts a little
    rng_share = random.Random(SEED + 1)
    share = {u.unit_id: rng_share.uniform(0.05, 0.25) for u in units}
    out = {}
    for period in PERIODS:
        year = period[:4]
        for u in units:
            adm_target = u.admitted_target[year]
            if adm_target > 0:
                admitted = half_up(adm_target / 2 * rng.uniform(0.55, 1.35))
            else:
                admitted = rng.randint(0, 30)
            lost = half_up(admitted * rng.uniform(0.10, 0.35))
            net = admitted - lost
            unions = max(0, half_up(u.unions_target[year] / 2 * rng.uniform(0.55, 1.35)))
            members[u.unit_id] += net
            nonmember = half_up(members[u.unit_id] * share[u.unit_id] * rng_share.uniform(0.9, 1.1))
            out[(u.unit_id, period)] = {
                "members_admitted": admitted,
                "members_lost": lost,
                "members_net": net,
                "unions_founded": unions,
                "members_total": members[u.unit_id],
                "nonmember_workers": nonmember,
            }
    return out


def save_deterministic(wb: Workbook, path: Path, when: dt.datetime) -> None:
    """Save with fixed core-property dates and fixed zip timestamps."""
    save_reproducible(wb, path, when, "scripts/make_demo_actuals.py", mode=0o644)


def fill(path: Path, rows: list[tuple[str | None, dict[str, int]]], when: dt.datetime) -> None:
    """Type figures into a written form: per unit row, an optional new name and six figures."""
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "TT")
    for k, (name, figures) in enumerate(rows):
        r = header + 1 + k
        if name is not None:
            ws.cell(r, 2).value = name  # what the unit typed over its name
        for j, metric in enumerate(METRICS, start=3):
            ws.cell(r, j).value = figures[metric]
    save_deterministic(wb, path, when)


def typed(unit_id: str, period: str, true: dict[str, int]) -> dict[str, int]:
    """Return the figures as the unit types them (with the deliberate net typo)."""
    figures = dict(true)
    if (unit_id, period) == NET_TYPO[:2]:
        figures["members_net"] = true["members_admitted"] - true["members_lost"] + NET_TYPO[2]
    return figures


def build(card: PlanCard, units: list[Unit], figures: dict, dest: Path) -> list[dict]:
    """Write every period folder under `dest`; return one summary row per period."""
    cal = Calendar.from_card(card)
    summary = []
    for period in PERIODS:
        folder = dest / period
        folder.mkdir(parents=True)
        end = cal.period(period).end
        when = dt.datetime(end.year, end.month, end.day)
        sent = []
        if period == CONSOLIDATED[0]:
            path = folder / CONSOLIDATED[1]
            write_consolidated(path, card, [u.unit_name for u in units], period)
            rows = [(None, typed(u.unit_id, period, figures[(u.unit_id, period)])) for u in units]
            fill(path, rows, when)
            sent = [r[1] for r in rows]
        else:
            for u in units:
                if (u.unit_id, period) == MISSING:
                    continue
                path = folder / f"{u.unit_id}.xlsx"
                write_form(path, card, u.unit_name, period)
                name = RENAMED[2] if (u.unit_id, period) == RENAMED[:2] else None
                row = typed(u.unit_id, period, figures[(u.unit_id, period)])
                fill(path, [(name, row)], when)
                sent.append(row)
        files = sorted(p.name for p in folder.iterdir())
        summary.append(
            {
                "period": period,
                "files": len(files),
                "units": len(sent),
                **{m: sum(r[m] for r in sent) for m in METRICS},
            }
        )
    return summary


def vn(n: int) -> str:
    """Return an integer with Vietnamese thousands dots (98.149)."""
    return f"{n:,}".replace(",", ".")


README = """\
# `actuals/`: half-year report forms of the units (DEMO DATA)

**SỐ LIỆU MINH HỌA (demo data).** Every figure in this folder is invented. No unit of LĐLĐ
tỉnh Bắc Giang sent these forms: they are made by `scripts/make_demo_actuals.py` (seeded,
`random.Random(2023)`) so that the pipeline and the reports can be built and shown. The plan
card says `actuals.demo: true`, each form carries the red line `SỐ LIỆU MINH HỌA (demo data)`,
and every output built from them must say so. Replace them with the units' real forms when
they arrive (and set `actuals.demo: false`).

Do not edit these files by hand: re-run `.venv/bin/python scripts/make_demo_actuals.py`, which
rebuilds the whole folder and reproduces the same bytes.

## Layout

One folder per half-year, named by its period id (`2024-H1` = 01/12/2023 - 31/05/2024 under
the plan's statistical half-years). Each holds the form of each unit, `<unit_id>.xlsx`, made
with `ptdv.tables.forms.write_form` and filled in: sheet `Báo cáo`, header
`TT | Đơn vị | Kết nạp mới | Số đoàn viên giảm | Tăng thêm (kết nạp − giảm) | CĐCS thành lập
mới | Tổng số đoàn viên cuối kỳ | Số CNLĐ chưa là đoàn viên cuối kỳ`, one row per unit.
`ptdv.tables.forms.read_actuals` reads them.

How the figures are drawn, per unit and half-year: admissions = the unit's yearly
admissions target / 2 x a factor in [0.55, 1.35] (0-30 for a unit with a zero target); losses
= 10-35 % of admissions; net = admissions - losses; unions founded = yearly unions target / 2
x a factor in [0.55, 1.35]; members at the period's end = a per-unit baseline (20-60 x the
2024 admissions target, at most 120.000, or 1.500-6.000) + the cumulative net; non-member
workers = a per-unit share of the members (5-25 %, drawn once) x a drift of 0.9-1.1.

## Deliberate mess (as real reports arrive)

- (a) `LĐLĐ huyện Lục Ngạn` sends no form for **2025-H1**. Expected: a warning
  `missing_report`; the unit is shown as "no report", never as zero.
- (b) In **2024-H2** `LĐLĐ huyện Yên Dũng` writes its name as `Huyện Yên Dũng` (in
  `2024-H2/yen-dung.xlsx`). Expected: matched by name normalisation, an info `unit_name`.
- (c) In **2025-H2** `LĐLĐ huyện Hiệp Hòa` types its net increase as admissions - losses + 100.
  Expected: an error `net_mismatch`; the figure is kept as typed, never fixed.
- (d) **2024-H1** arrives as one consolidated workbook `2024-H1/tong-hop.xlsx` with all 17
  units instead of one form per unit. Expected: read like 17 forms.

So the folder holds 17 x 5 - 1 = 84 unit reports.

## Totals per half-year (as typed in the forms)

| period | files | units | admitted | lost | net | unions | members (end) | non-members (end) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
"""


def readme(summary: list[dict]) -> str:
    """Return the folder's README with the totals of the forms written."""
    lines = [
        f"| {s['period']} | {s['files']} | {s['units']} | {vn(s['members_admitted'])} | "
        f"{vn(s['members_lost'])} | {vn(s['members_net'])} | {vn(s['unions_founded'])} | "
        f"{vn(s['members_total'])} | {vn(s['nonmember_workers'])} |"
        for s in summary
    ]
    note = "\nThe 2025-H2 net total includes Hiệp Hòa's typo (+100); 2025-H1 lacks Lục Ngạn.\n"
    return README + "\n".join(lines) + "\n" + note


def main() -> list[dict]:
    """Rebuild the actuals folder of the plan; return the per-period summary."""
    card, units = load_plan()
    if not card.actuals.demo:
        raise SystemExit(f"{card.card_path}: actuals.demo is false; refusing to write demo data")
    if len(units) != 17:
        raise SystemExit(f"expected the 17 units of the allocation table, found {len(units)}")
    figures = draw(units)
    dest = actuals_dir(card)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    old = dest.parent / f".{dest.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        summary = build(card, units, figures, tmp)
        (tmp / "README.md").write_text(readme(summary), encoding="utf-8")
        if dest.exists():
            os.rename(dest, old)
        os.rename(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not dest.exists():
            os.rename(old, dest)  # put the previous folder back
        raise
    return summary


if __name__ == "__main__":
    for s in main():
        print(
            f"{s['period']}: {s['files']} file(s), {s['units']} units, "
            f"admitted {vn(s['members_admitted'])}, net {vn(s['members_net'])}"
        )
    print(f"written to {actuals_dir(load_card(PLAN)).relative_to(paths.root())}/")
