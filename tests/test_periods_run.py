"""`ptdv run` over the periods federations report: to-date, mid-term, and term refused early.

Bắc Giang's shipped actuals are demo figures; its term runs 1/12/2023 - 30/11/2028 in ten
statistical half-years, so the mid-term half-year is the fifth, 2026-H1 (ends 31/05/2026).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

import synthetic_province as sp
from conftest import write_xlsx
from helpers import REPO, project_copy, run_ptdv

BG = "bac-giang-2023-2028"
TODAY = "2026-11-22"


@pytest.fixture(scope="module")
def bg_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_copy(tmp_path_factory.mktemp("bg-periods"))


def test_to_date_resolves_to_the_latest_half_year_with_figures(bg_root: Path) -> None:
    res = run_ptdv(bg_root, "run", "--plan", BG, "--period", "to-date", "--units", "yen-dung",
                   "--formats", "html,pdf,xlsx", "--today", TODAY)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "[2/3] progress to-2026-H1 (Từ đầu nhiệm kỳ đến 31/05/2026" in res.stdout
    dest = bg_root / "reports" / BG / "to-2026-H1"
    record = json.loads((dest / "run.json").read_text("utf-8"))
    assert record["period"] == "to-2026-H1"
    page = (dest / "tong-hop.html").read_text("utf-8")
    # 61,392 admitted of 120,000 to 31/05/2026: 51.16 %, with half the term elapsed
    assert "61.392" in page and "51,16%" in page and "50,00%" in page
    assert "Từ đầu nhiệm kỳ đến 31/05/2026 (01/12/2023 – 31/05/2026)" in page
    assert "Đến hết từ đầu" not in page
    text = "\n".join(p.extract_text() for p in PdfReader(dest / "tong-hop.pdf").pages)
    assert "Từ đầu nhiệm kỳ đến 31/05/2026" in text and "61.392" in text
    unit = (dest / "don-vi" / "yen-dung.html").read_text("utf-8")
    assert "1.047" in unit and "41,88%" in unit  # Yên Dũng: 1,047 of 2,500
    assert not (bg_root / "reports" / BG / "to-date").exists()


def test_mid_term_review(bg_root: Path) -> None:
    res = run_ptdv(bg_root, "run", "--plan", BG, "--period", "mid-term", "--units", "none",
                   "--formats", "html", "--today", TODAY)  # fmt: skip
    assert res.returncode == 0, res.stderr
    page = (bg_root / "reports" / BG / "mid-term" / "tong-hop.html").read_text("utf-8")
    assert "Sơ kết giữa nhiệm kỳ (đến 31/05/2026)" in page
    assert "61.392" in page and "51,16%" in page and "50,00%" in page


@pytest.mark.parametrize(
    ("period", "today", "said"),
    [
        ("term", TODAY, "the term runs until 30/11/2028: a 'term' report before then would "
         "count the whole term as elapsed and every unit as behind; use --period to-date"),
        ("mid-term", "2026-05-31", "the mid-term half-year 2026-H1 ends on 31/05/2026: no "
         "mid-term review before then; use --period to-date"),
    ],
)  # fmt: skip
def test_too_early_is_refused_before_any_work(
    tmp_path: Path, period: str, today: str, said: str
) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "run", "--plan", BG, "--period", period, "--today", today)
    assert res.returncode == 2
    assert said in res.stderr
    assert "Traceback" not in res.stderr
    assert not (root / "data" / "processed").exists()  # refused before cleaning
    assert not (root / "reports" / BG).exists()


def test_term_after_its_end_is_reported(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "progress", "--plan", "tld-2021-2023", "--period", "term")
    assert res.returncode == 0, res.stderr
    assert "elapsed 100.00%" in res.stdout


def test_synthetic_province_to_date_as_the_paper_says(tmp_path: Path) -> None:
    """The running totals table reports, to 30/11/2025, what its totals row prints."""
    root = tmp_path / "proj"
    for d in ("notebooks",):
        shutil.copytree(REPO / d, root / d)
    (root / "config" / "plans").mkdir(parents=True)
    (root / "config" / "plans" / f"{sp.PLAN}.yaml").write_text(sp.card(), "utf-8")
    raw = root / "data" / "raw" / sp.PLAN / sp.FILE
    write_xlsx(raw, sp.rows(), sheet=sp.SHEET, merged=sp.MERGED)
    res = run_ptdv(root, "run", "--plan", sp.PLAN, "--period", "to-date", "--units",
                   "dong", "--formats", "html,xlsx",
                   "--today", "2026-03-01")  # fmt: skip
    assert res.returncode == 0, res.stderr
    dest = root / "reports" / sp.PLAN / "to-2025-H2"
    page = (dest / "tong-hop.html").read_text("utf-8")
    # the totals row: 9.911 net of 25.000, 39,6 % printed (39,64 % computed); 40 % elapsed
    assert "9.911" in page and "25.000" in page and "39,64%" in page and "40,00%" in page
    assert "Đúng tiến độ" in page
    unit = (dest / "don-vi" / "dong.html").read_text("utf-8")
    assert "Doanh nghiệp từ 25 lao động chưa có CĐCS" in unit and ">12<" in unit
    wb = openpyxl.load_workbook(dest / "tong-hop.xlsx")
    ws = wb.worksheets[0]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    head = next(r for r in cells if r and r[0] == "TT")
    col = head.index("Doanh nghiệp từ 25 lao động chưa có CĐCS")
    dong = next(r for r in cells if r[1] == "LĐLĐ huyện Đông")
    assert dong[col] == 12
    assert dong[head.index("Lũy kế")] == 716
