"""A federation report over hundreds of units: the distribution, the groups, the top and
bottom units and those behind, never one row per unit; the Excel file keeps every unit.

A synthetic plan of 300 units in three groups (the TLĐ card, first half of 2021) is written
under a scratch root, and the report notebook's code cells run in this process with
`display` collecting the HTML they show. Every expected figure is computed here by hand from
the synthetic numbers.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from ptdv.base import paths
from ptdv.report import context

PLAN = "tld-2021-2023"
PERIOD = "2021-H1"
N = 300
TARGET = 100.0
EXPECTED = TARGET / 6  # the term's first of six half-years: pace 1/6 of the term target


def _group(i: int) -> str:
    return "Khối A" if i <= 100 else ("Khối B" if i <= 250 else "Khối C")


def _actual(i: int) -> float | None:
    """Return unit i's figure for 2021-H1 (None: the unit sent no report).

    Never 15: that is exactly 90% of the pace, where rounding would decide the status.
    """
    if i % 20 == 0:
        return None
    v = (i * 7) % 40
    return float(19 if v == 15 else v)


def _target(i: int) -> float:
    return 0.0 if i % 30 == 7 else TARGET


def _status(i: int) -> str:
    """Return unit i's status by the rules of DOMAIN.md (on track from 90% of the pace)."""
    if _target(i) <= 0:
        return "no_target"
    v = _actual(i)
    if v is None:
        return "no_report"
    ratio = v / EXPECTED
    return "ahead" if ratio > 1 else ("on_track" if ratio >= 0.9 else "behind")


def _name(i: int) -> str:
    return f"CĐCS Đơn vị {i:03d}"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a scratch project root holding the synthetic plan's processed tables."""
    from ptdv import progress
    from ptdv.plan import config

    root = tmp_path_factory.mktemp("large")
    (root / "config" / "plans").mkdir(parents=True)
    shutil.copy(paths.PACKAGE_ROOT / "config" / "plans" / f"{PLAN}.yaml", root / "config" / "plans")
    d = root / "data" / "processed" / PLAN
    d.mkdir(parents=True)
    ids = range(1, N + 1)
    common = {"plan_id": PLAN, "source_file": "bang.txt", "sheet": "", "column": "C"}
    units = pd.DataFrame(
        {
            "plan_id": PLAN,
            "unit_id": [f"u{i:03d}" for i in ids],
            "unit_name": [_name(i) for i in ids],
            "order": list(ids),
            "tt": pd.array(list(ids), dtype="Int64"),
            "group": [_group(i) for i in ids],
            "source_file": "bang.txt",
            "sheet": "",
            "row": list(ids),
        }
    )
    targets = pd.DataFrame(
        [
            {**common, "level": "unit", "unit_id": f"u{i:03d}", "unit_name": _name(i),
             "metric": "members_net", "period": "term", "kind": "target", "value": _target(i),
             "row": i}
            for i in ids
        ]
    )  # fmt: skip
    actuals = pd.DataFrame(
        [
            {**common, "level": "unit", "unit_id": f"u{i:03d}", "unit_name": _name(i),
             "metric": "members_net", "period": PERIOD, "kind": "actual", "value": _actual(i),
             "row": i}
            for i in ids
            if _actual(i) is not None
        ]
    )  # fmt: skip
    for name, df in (("units", units), ("targets", targets), ("actuals", actuals)):
        df.to_parquet(d / f"{name}.parquet", index=False)
    quality = pd.DataFrame(columns=["severity", "check", "source", "row", "unit", "message"])
    quality.to_csv(d / "quality.csv", index=False)
    (d / "inputs.json").write_text(json.dumps({"inputs": []}), "utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTDV_ROOT", str(root))
        card = config.load_card(PLAN)
        prog = progress.compute_progress(card, units, targets, actuals, PERIOD)
        progress.write_progress(prog, PLAN, PERIOD)
        yield root
    context.clear_cache()


def run_report(root: Path, monkeypatch: pytest.MonkeyPatch, appendix: bool = False) -> str:
    """Run the report notebook's code cells here; return the HTML they display, joined."""
    import IPython.display

    monkeypatch.setenv("PTDV_ROOT", str(root))
    shown: list[str] = []

    class HTML:
        def __init__(self, text: str) -> None:
            self.text = text

    monkeypatch.setattr(IPython.display, "HTML", HTML)
    monkeypatch.setattr(IPython.display, "display", lambda h: shown.append(h.text))
    nb = json.loads((paths.PACKAGE_ROOT / "notebooks" / "03_report.ipynb").read_text("utf-8"))
    given = {
        "plan_id": PLAN, "period": PERIOD, "unit": None, "lang": "vi",
        "charts_dir": str(root / "charts"), "appendix": appendix,
    }  # fmt: skip
    ns: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":  # the parameters' defaults, then those given (papermill)
            exec(compile("".join(cell["source"]), "03_report", "exec"), ns)  # noqa: S102
            if "parameters" in cell["metadata"].get("tags", []):
                ns.update(given)
    return "\n".join(shown)


@pytest.fixture(scope="module")
def page(root: Path) -> str:
    with pytest.MonkeyPatch.context() as mp:
        return run_report(root, mp)


def _cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html)]


def test_the_report_has_the_groups_with_their_counts_and_totals(page: str) -> None:
    table = re.search(r'<table class="ptdv-units ptdv-groups">(.*?)</table>', page, re.S)
    assert table, "no table of groups"
    rows = [_cells(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)]
    rows = [r for r in rows if r]
    statuses = ["ahead", "on_track", "behind", "no_target", "no_report"]
    for name, r in zip(["Khối A", "Khối B", "Khối C"], rows[:3], strict=True):
        members = [i for i in range(1, N + 1) if _group(i) == name]
        counts = [sum(_status(i) == s for i in members) for s in statuses]
        target = sum(_target(i) for i in members)
        cum = sum(_actual(i) or 0 for i in members)
        assert r[0] == name
        assert r[1] == str(len(members))
        assert r[2:7] == [str(c) if c else "–" for c in counts]
        assert r[7] == f"{target:,.0f}".replace(",", ".")
        assert r[8] == f"{cum:,.0f}".replace(",", ".")
        assert r[9] == f"{cum / target:.2%}".replace(".", ",")
    total = rows[3]
    assert total[0].startswith("Tổng cộng") and total[1] == str(N)
    assert total[2:7] == [str(sum(_status(i) == s for i in range(1, N + 1))) for s in statuses]


def test_the_report_shows_a_histogram_and_no_table_or_bar_per_unit(page: str, root: Path) -> None:
    assert '<table class="ptdv-units">' not in page  # the complete table is in the Excel file
    assert "Bảng đầy đủ của tất cả các đơn vị có trong tệp Excel" in page
    charts = root / "charts"
    spread = (charts / "members_net-spread.svg").read_text("utf-8")
    assert 'id="spread-bars-behind"' in spread and 'id="spread-dots"' not in spread
    pace = (charts / "members_net-pace.svg").read_text("utf-8")
    assert pace.count('id="pace-bar') == 3  # one bar per group
    assert "theo nhóm đơn vị" in page  # the pace chart's title, in the image's alt text
    assert page.count("<img") == 3  # pace (by group), cumulative, spread


def test_the_top_and_bottom_units_are_named(page: str) -> None:
    ranked = [i for i in range(1, N + 1) if _status(i) in ("ahead", "on_track", "behind")]
    top = sorted(ranked, key=lambda i: (-(_actual(i) or 0), i))[: context.TOP_N]
    bottom = sorted(ranked, key=lambda i: ((_actual(i) or 0), -i))[: context.TOP_N]
    for title, expected in (("cao nhất", top), ("thấp nhất", bottom)):
        m = re.search(
            rf"<h3>10 đơn vị có tỷ lệ [^<]*{title}[^<]*</h3>\s*(<table.*?</table>)", page, re.S
        )
        assert m, title
        names = [_cells(r)[1] for r in re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S)[1:]]
        assert names == [_name(i) for i in expected]


def test_the_units_behind_are_capped_with_how_many_more(page: str) -> None:
    behind = [i for i in range(1, N + 1) if _status(i) == "behind"]
    assert len(behind) > context.LIST_MAX
    m = re.search(r"<h3>Đơn vị chậm tiến độ[^<]*</h3>(.*?)</section>", page, re.S)
    assert m
    rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S)[1:]
    assert len(rows) == context.LIST_MAX
    first = sorted(behind, key=lambda i: ((_actual(i) or 0) / EXPECTED, i))[: context.LIST_MAX]
    assert [_cells(r)[1] for r in rows] == [_name(i) for i in first]
    k = len(behind) - context.LIST_MAX
    assert f"… và {k} đơn vị khác: danh sách đầy đủ có trong tệp Excel." in m.group(1)


def test_the_appendix_has_the_complete_table_on_request(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = run_report(root, monkeypatch, appendix=True)
    assert "Phụ lục: bảng đầy đủ các đơn vị" in html
    table = html.split('<table class="ptdv-units">', 1)[1].split("</table>", 1)[0]
    assert all(_name(i) in table for i in range(1, N + 1))


def test_the_excel_file_has_every_unit(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ptdv.report import excel, pieces

    monkeypatch.setenv("PTDV_ROOT", str(root))
    ctx = pieces.ReportContext.load(PLAN, PERIOD, None, "vi")
    out = excel.write_report_xlsx(
        root / "tong-hop.xlsx", ctx.card, PERIOD, ctx.progress, ctx.quality,
        pieces.provenance(ctx, {}), info_df=ctx.info,
    )  # fmt: skip
    ws = load_workbook(out, read_only=True).worksheets[0]
    names = {row[1] for row in ws.iter_rows(values_only=True)}
    assert {_name(i) for i in range(1, N + 1)} <= names
