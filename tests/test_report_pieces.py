"""The report's pieces and `ReportContext`, on a three-unit plan whose figures are known by hand.

The plan (synthetic, made up here): term 01/01/2024 - 31/12/2028 in calendar half-years, so
2024-H1 is the first of ten and 10% of the term has elapsed. One table, two groups:

    TT  Đơn vị                  term target  net 2024-H1
    I   Khối huyện
    1   LĐLĐ huyện An                 1.000          150
    2   LĐLĐ huyện Bình                 500           20
    II  Khối ngành
    3   CĐN Y tế & "Dân số"             200           19
        Tổng cộng                     1.700          190   <- states 190, the units add to 189

By hand: a half-year's target is a tenth of the term's (pro rata): 100, 50, 20 and 170. The
pace ratio is the cumulative over that: An 1.5 (ahead), Bình 0.4 (behind), Y tế 0.95 (on
track: at least 0.9), the federation 189/170 = 1.11 (ahead). Share of the term target: 15%,
4%, 9.5%, 189/1,700 = 11.12%; ranks by it: An 1, Y tế 2, Bình 3. Each of the nine remaining
half-years needs (term - cumulative) / 9: 94.4, 53.3, 20.1 and 1,511 / 9 = 167.9.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from conftest import write_xlsx
from ptdv.base.errors import ConfigError
from ptdv.plan.config import load_card
from ptdv.report import context, pieces
from ptdv.tables.clean import clean_plan, write_outputs

PLAN = "thu-bao-cao"
PERIOD = "2024-H1"
YTE = 'CĐN Y tế & "Dân số"'
CARD = """\
plan_id: thu-bao-cao
title: Kế hoạch phát triển đoàn viên thử
issuer: Liên đoàn Lao động tỉnh Thử
issuer_short: LĐLĐ tỉnh Thử
level: province
document:
  number: 07/KH-LĐLĐ
  date: 2024-02-20
term:
  start: 2024-01-01
  end: 2028-12-31
half_years: calendar
demo: true
members_target: net
metrics: [members_net]
sources:
  - file: bang.xlsx
    sheet: Biểu 1
    row_number: TT
    unit_name: Đơn vị
    columns:
      - header: Chỉ tiêu nhiệm kỳ
        kind: target
        metric: members_net
        period: term
      - header: Tăng thêm 6 tháng đầu năm 2024
        kind: actual
        metric: members_net
        period: 2024-H1
"""
ROWS = [
    ["TT", "Đơn vị", "Chỉ tiêu nhiệm kỳ", "Tăng thêm 6 tháng đầu năm 2024"],
    ["I", "Khối huyện", None, None],
    [1, "LĐLĐ huyện An", 1000, 150],
    [2, "LĐLĐ huyện Bình", 500, 20],
    ["II", "Khối ngành", None, None],
    [3, YTE, 200, 19],
    [None, "Tổng cộng", 1700, 190],
]
#: A fixed time and commit, so that the footer can be compared whole.
GENERATED = dt.datetime(2024, 7, 5, 8, 30, tzinfo=context.TZ)
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclasses.dataclass
class Built:
    root: Path
    fed: pieces.ReportContext
    yte: pieces.ReportContext
    binh_en: pieces.ReportContext


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Clean the plan into a scratch root and load three reports' contexts from its tables."""
    root = tmp_path_factory.mktemp("pieces")
    (root / "config" / "plans").mkdir(parents=True)
    (root / "config" / "plans" / f"{PLAN}.yaml").write_text(CARD, "utf-8")
    write_xlsx(root / "data" / "raw" / PLAN / "bang.xlsx", ROWS, sheet="Biểu 1")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTDV_ROOT", str(root))
        context.clear_cache()
        write_outputs(clean_plan(load_card(PLAN)))

        def load(unit: str | None, lang: str = "vi") -> pieces.ReportContext:
            ctx = pieces.ReportContext.load(PLAN, PERIOD, unit, lang)
            return dataclasses.replace(ctx, generated=GENERATED, commit=COMMIT)

        yield Built(root, load(None), load(YTE), load("binh", "en"))
    context.clear_cache()


@pytest.fixture
def at_root(built: Built, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the scratch root the project root for the test (PTDV_ROOT)."""
    monkeypatch.setenv("PTDV_ROOT", str(built.root))
    return built.root


def text_of(fragment: str) -> str:
    """Return the text of an HTML fragment: tags dropped, entities decoded, spaces joined."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows_of(fragment: str) -> list[list[str]]:
    """Return the cells' text of every table row of a fragment, headings included."""
    out = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S):
        out.append([text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)])
    return out


# --- ReportContext --------------------------------------------------------------------------


def test_context_of_the_federation_report(built: Built) -> None:
    ctx = built.fed
    assert (ctx.unit_id, ctx.unit_name, ctx.period, ctx.lang) == (None, None, PERIOD, "vi")
    assert ctx.large is False and ctx.metrics == ["members_net"]
    assert ctx.units["unit_id"].tolist() == ["an", "binh", "cdn-y-te-dan-so"]
    assert ctx.units["group"].tolist() == ["Khối huyện", "Khối huyện", "Khối ngành"]
    fed = ctx.row("members_net")
    assert (fed["unit_name"], fed["term_target"], fed["cum_actual"]) == ("LĐLĐ tỉnh Thử", 1700, 189)
    assert (fed["period_target"], fed["status"]) == (170, "ahead")
    assert fed["cum_pct"] == pytest.approx(189 / 1700)
    an = ctx.row("members_net", "an")
    assert (an["period_target"], an["cum_actual"], an["rank"], an["status"]) == (
        100, 150, 1, "ahead"
    )  # fmt: skip
    assert an["needed_per_half"] == pytest.approx(850 / 9)
    assert an["forecast_term_end"] == 1500  # 150 a half-year, ten half-years


def test_context_inputs_are_the_files_read_with_their_hashes(built: Built) -> None:
    assert [i["path"] for i in built.fed.inputs] == [
        f"config/plans/{PLAN}.yaml",
        f"data/raw/{PLAN}/bang.xlsx",
    ]
    for i in built.fed.inputs:
        data = (built.root / i["path"]).read_bytes()
        assert i["sha256"] == hashlib.sha256(data).hexdigest() and i["bytes"] == len(data)
    # a unit of a plan without report forms reads every input too
    assert pieces.report_inputs(built.yte) == built.fed.inputs


def test_a_unit_is_found_by_its_name_as_written(built: Built) -> None:
    assert (built.yte.unit_id, built.yte.unit_name) == ("cdn-y-te-dan-so", YTE)
    assert (built.binh_en.unit_id, built.binh_en.lang) == ("binh", "en")
    units = built.fed.units
    assert pieces.resolve_unit("lđlđ HUYỆN  bình", units, PLAN) == "binh"
    assert pieces.resolve_unit(None, units, PLAN) is None


def test_an_unknown_or_ambiguous_unit_is_refused(built: Built) -> None:
    with pytest.raises(ConfigError) as err:
        pieces.resolve_unit("Bình Minh", built.fed.units, PLAN)
    assert str(err.value) == (
        "plan thu-bao-cao has no unit 'Bình Minh'; valid units: an (LĐLĐ huyện An), "
        'binh (LĐLĐ huyện Bình), cdn-y-te-dan-so (CĐN Y tế & "Dân số")'
    )
    twice = pd.DataFrame({"unit_id": ["an", "an-2"], "unit_name": ["An", "An"]})
    with pytest.raises(ConfigError) as err:
        pieces.resolve_unit("An", twice, PLAN)
    assert str(err.value) == "plan thu-bao-cao: unit name 'An' is ambiguous (an, an-2); give the id"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"period": PERIOD, "unti": "an"},
            "unknown report parameter(s) unti; valid: plan_id, period, unit, lang, charts_dir, "
            "svg, appendix, draw_ahead",
        ),
        (
            {"period": "2029-H1"},
            "plan thu-bao-cao: '2029-H1' is not a period of this plan's term (01/01/2024 - "
            "31/12/2028); valid: 2024-H1, 2024-H2, 2025-H1, 2025-H2, 2026-H1, 2026-H2, 2027-H1, "
            "2027-H2, 2028-H1, 2028-H2, 2024, 2025, 2026, 2027, 2028, term, mid-term, "
            "to-2024-H1 … to-2028-H2",
        ),
        ({"period": PERIOD, "lang": "fr"}, "unknown language 'fr'; valid: vi, en"),
    ],
)
def test_bad_report_parameters_are_refused(at_root: Path, params: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        pieces.check_parameters({"plan_id": PLAN, **params})
    assert str(err.value) == message


def test_large_is_more_than_sixty_units_in_a_federation_report(built: Built) -> None:
    many = pd.DataFrame({"unit_id": [f"u{i}" for i in range(61)]})
    assert dataclasses.replace(built.fed, units=many).large is True
    assert dataclasses.replace(built.fed, units=many.head(60)).large is False
    assert dataclasses.replace(built.yte, units=many).large is False  # a unit's report


# --- numbers, text ----------------------------------------------------------------------------


def test_numbers_and_percentages_in_both_languages() -> None:
    assert [pieces.num(v, "vi") for v in (1700, 850 / 9, 1511 / 9, -65, None)] == [
        "1.700", "94,4", "168", "-65", "–",
    ]  # fmt: skip
    assert [pieces.num(v, "en") for v in (1700, 850 / 9, 2.5)] == ["1,700", "94.4", "2.5"]
    assert pieces.pct(189 / 1700, "vi") == "11,12%" and pieces.pct(0.095, "en") == "9.50%"
    assert pieces.pct(None, "vi") == "–"
    assert pieces.esc('<img src=x onerror="a()"> & co') == (
        "&lt;img src=x onerror=&quot;a()&quot;&gt; &amp; co"
    )


def test_info_labels_and_a_units_extra_figures() -> None:
    assert pieces.info_label("Số DN", None) == "Số DN"
    assert pieces.info_label("Số DN", "2024-H1") == "Số DN (2024-H1)"
    info = pd.DataFrame(
        {
            "unit_id": ["an", "an", "binh"],
            "name": ["Số DN", "Số CNLĐ", "Số DN"],
            "period": [None, "2024-H1", None],
            "value": [12.0, 3400.0, 7.0],
        }
    )
    assert pieces.info_of(info, "an") == {"Số DN": 12.0, "Số CNLĐ (2024-H1)": 3400.0}
    assert pieces.info_of(info, "cdn-y-te-dan-so") == {}
    assert pieces.info_of(pd.DataFrame(), "an") == {}


# --- the pieces ---------------------------------------------------------------------------------


def test_demo_banner_only_for_demo_data(built: Built) -> None:
    assert text_of(pieces.demo_banner(built.fed)) == (
        "SỐ LIỆU MINH HỌA — số liệu thực hiện trong báo cáo này là số liệu minh họa, không "
        "phải báo cáo thật của các đơn vị."
    )
    real = built.fed.card.model_copy(update={"demo": False})
    assert pieces.demo_banner(dataclasses.replace(built.fed, card=real)) == ""


def test_title_block(built: Built) -> None:
    assert rows_of(pieces.title_block(built.fed)) == [
        ["Kế hoạch", "Kế hoạch phát triển đoàn viên thử"],
        ["Văn bản", "07/KH-LĐLĐ, 20/02/2024"],
        ["Kỳ báo cáo", "6 tháng đầu năm 2024 (01/01/2024 – 30/06/2024)"],
        ["Thời gian đã qua", "10,00% của nhiệm kỳ (01/01/2024 – 31/12/2028)"],
    ]
    page = text_of(pieces.title_block(built.binh_en))
    assert page.startswith(
        "LIÊN ĐOÀN LAO ĐỘNG TỈNH THỬ Union membership development and new grassroots unions "
        "Progress report · First half of 2024 Unit: LĐLĐ huyện Bình"
    )
    assert "Time elapsed 10.00% of the term (01/01/2024 – 31/12/2028)" in page


def test_federation_headline(built: Built) -> None:
    assert pieces.headline_sentences(built.fed, "members_net") == [
        "Đến hết 6 tháng đầu năm 2024 (01/01/2024 – 30/06/2024), toàn hệ thống đạt 189 (số "
        "đoàn viên tăng thêm), bằng 11,12% chỉ tiêu nhiệm kỳ (1.700), trong khi thời gian đã "
        "qua 10,00% nhiệm kỳ: vượt tiến độ.",
        "Riêng kỳ này thực hiện 189, bằng 111,18% chỉ tiêu kỳ (170).",
        "Có 1/3 đơn vị chậm tiến độ, 1 đúng tiến độ, 1 vượt tiến độ.",
        "Để hoàn thành chỉ tiêu nhiệm kỳ, mỗi 6 tháng còn lại cần bình quân 168.",
    ]
    page = pieces.headline(built.fed)
    assert text_of(page).startswith(
        "Số đoàn viên tăng thêm 189 / 1.700 · 11,12% so chỉ tiêu nhiệm kỳ 10,00% Thời gian đã "
        "qua Vượt tiến độ Đánh giá"
    )
    assert 'style="background:#d8f0dc"' in page  # the "ahead" colour


def test_unit_headline_in_english(built: Built) -> None:
    assert pieces.headline_sentences(built.binh_en, "members_net") == [
        "By the end of the first half of 2024 (01/01/2024 – 30/06/2024), LĐLĐ huyện Bình "
        "reached 20 (net increase in members), 4.00% of the term target (500), with 10.00% of "
        "the term elapsed: behind.",
        "In this period alone: 20, 40.00% of the period target (50).",
        "To reach the term target, each remaining half-year needs 53.3 on average.",
    ]


HEADS = [
    "TT", "Đơn vị", "Chỉ tiêu kỳ", "Thực hiện kỳ", "% kỳ", "Chỉ tiêu nhiệm kỳ", "Lũy kế",
    "% nhiệm kỳ", "Đánh giá", "Cần mỗi 6 tháng còn lại", "Xếp hạng",
]  # fmt: skip
ROW_AN = ["1", "LĐLĐ huyện An", "100", "150", "150,00%", "1.000", "150", "15,00%",
          "Vượt tiến độ", "94,4", "1"]  # fmt: skip
ROW_BINH = ["2", "LĐLĐ huyện Bình", "50", "20", "40,00%", "500", "20", "4,00%",
            "Chậm tiến độ", "53,3", "3"]  # fmt: skip
ROW_YTE = ["3", YTE, "20", "19", "95,00%", "200", "19", "9,50%", "Đúng tiến độ", "20,1", "2"]
ROW_FED = ["", "Tổng cộng (LĐLĐ tỉnh Thử)", "170", "189", "111,18%", "1.700", "189", "11,12%",
           "Vượt tiến độ", "168", ""]  # fmt: skip


def test_units_table_of_the_federation(built: Built) -> None:
    page = pieces.units_table(built.fed, "members_net")
    assert rows_of(page) == [HEADS, ROW_AN, ROW_BINH, ROW_YTE, ROW_FED]
    assert "CĐN Y tế &amp; &#34;Dân số&#34;" in page  # escaped, never markup
    assert text_of(page).endswith(
        "Cách tính chỉ tiêu kỳ: chỉ tiêu nhiệm kỳ chia đều theo số kỳ 6 tháng."
    )


def test_units_table_of_a_unit_marks_its_row(built: Built) -> None:
    page = pieces.units_table(built.yte, "members_net")
    assert rows_of(page) == [HEADS, ROW_YTE, ROW_FED]
    assert re.findall(r'<tr class="([^"]*)">', page) == ["me", "fed"]


def test_lists_to_commend_and_behind(built: Built) -> None:
    page = pieces.lists(built.fed, "members_net")
    # An reached its period target (150 of 100); Bình is behind the pace (0.4), Y tế is not
    assert rows_of(page) == [
        ["TT", "Đơn vị", "Thực hiện kỳ", "Chỉ tiêu kỳ", "% kỳ", "% nhiệm kỳ"],
        ["1", "LĐLĐ huyện An", "150", "100", "150,00%", "15,00%"],
        ["TT", "Đơn vị", "Thực hiện kỳ", "Chỉ tiêu kỳ", "% kỳ", "% nhiệm kỳ",
         "Cần mỗi 6 tháng còn lại"],
        ["2", "LĐLĐ huyện Bình", "20", "50", "40,00%", "4,00%", "53,3"],
    ]  # fmt: skip


def test_unit_summary(built: Built) -> None:
    assert pieces.unit_summary(built.fed) == ""
    page = pieces.unit_summary(built.yte)
    assert "<h3>CĐN Y tế &amp; &#34;Dân số&#34;</h3>" in page
    assert rows_of(page) == [
        ["", "Số đoàn viên tăng thêm"],
        ["Đánh giá", "Đúng tiến độ"],
        ["Xếp hạng", "xếp thứ 2/3 đơn vị có chỉ tiêu"],
        ["Chỉ tiêu kỳ", "20"],
        ["Thực hiện kỳ", "19"],
        ["% kỳ", "95,00%"],
        ["Chỉ tiêu nhiệm kỳ", "200"],
        ["Lũy kế", "19"],
        ["% nhiệm kỳ", "9,50%"],
        ["Lũy kế theo tiến độ", "20"],
        ["Chênh lệch", "-1"],
        ["Cần mỗi 6 tháng còn lại", "20,1"],
        ["Dự báo cuối nhiệm kỳ", "190"],
        ["Kỳ chưa báo cáo", "–"],
    ]


def test_group_progress_sums_each_group(built: Built) -> None:
    g = pieces.group_progress(built.fed, "members_net")
    assert g["group"].tolist() == ["Khối huyện", "Khối ngành"]
    assert g[["order", "n", "ahead", "on_track", "behind", "no_report"]].values.tolist() == [
        [1, 2, 1, 0, 1, 0],
        [3, 1, 0, 1, 0, 0],
    ]
    assert g[["period_target", "period_actual", "term_target", "cum_actual"]].values.tolist() == [
        [150, 170, 1500, 170],
        [20, 19, 200, 19],
    ]
    # Khối huyện: 170 against 150 due (1.13, ahead); Khối ngành: 19 against 20 (0.95)
    assert g["pace_ratio"].tolist() == pytest.approx([170 / 150, 19 / 20])
    assert g["cum_pct"].tolist() == pytest.approx([170 / 1500, 19 / 200])
    assert g["status"].tolist() == ["ahead", "on_track"]
    rows, what = pieces.pace_rows(built.fed, "members_net")
    assert what == "unit" and len(rows) == 4  # a small federation: every unit, and itself


def test_quality_appendix_shows_the_disagreeing_totals_row(built: Built) -> None:
    page = pieces.quality_appendix(built.yte)
    assert rows_of(page) == [
        ["Mức độ", "Vấn đề", "Đơn vị", "Nguồn", "Chi tiết"],
        [
            "Lỗi",
            "Dòng tổng cộng không khớp tổng các đơn vị.",
            "",
            "bang.xlsx, Biểu 1, dòng 7",
            "dòng tổng cộng “Tổng cộng”, cột D (Tăng thêm 6 tháng đầu năm 2024): ghi 190 nhưng "
            "3 dòng đơn vị của cả bảng cộng lại là 189 (chênh lệch 1)",
        ],
    ]
    assert text_of(page).endswith("Ghi nhận khác (thông tin): bố cục bảng: 3.")


def test_footer_names_parameters_commit_time_and_inputs(built: Built) -> None:
    page = pieces.footer(built.yte, {"plan_id": PLAN, "unit": "cdn-y-te-dan-so"})
    sha = {i["path"]: i["sha256"] for i in built.yte.inputs}
    assert text_of(page) == (
        "Thông tin tạo báo cáo Tham số: plan_id='thu-bao-cao', unit='cdn-y-te-dan-so' "
        f"Phiên bản mã (git): {COMMIT} · Phiên bản ptdv: 0.1.0 · Thời điểm tạo: 05/07/2024 "
        "08:30 (+07) Tệp đầu vào (SHA-256) (data/raw/thu-bao-cao/…): "
        f"config/plans/thu-bao-cao.yaml {sha['config/plans/thu-bao-cao.yaml']} "
        f"bang.xlsx {sha['data/raw/thu-bao-cao/bang.xlsx']}"
    )
    assert pieces.provenance(built.yte, {"unit": "x"}) == {
        "parameters": {"unit": "x"},
        "git_commit": COMMIT,
        "ptdv_version": "0.1.0",
        "generated": "2024-07-05T08:30:00+07:00",
        "inputs": built.yte.inputs,
    }


def test_the_commit_of_a_folder_that_is_no_repository(at_root: Path) -> None:
    context.clear_cache()
    assert pieces.git_commit() == "unknown"


# --- the pace chart drawn ahead -------------------------------------------------------------


def test_a_pace_chart_drawn_ahead_is_the_one_drawn_here(built: Built, tmp_path: Path) -> None:
    import multiprocessing
    import time

    from ptdv.report import charts

    rows, by = pieces.pace_rows(built.fed, "members_net")
    charts._PACE_CHARTS.clear()
    drawn = pieces.pace_ahead(built.fed)
    assert list(drawn) == ["members_net"]
    ahead = drawn["members_net"]
    ahead = pieces.pace_html(rows, "members_net", "vi", None, by, tmp_path / "a", ahead=ahead)
    assert not charts._PACE_CHARTS  # drawn in the other process: none laid out in this one
    # shown as soon as its PNG is drawn; its SVG, drawn after it, is written when asked for
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]
    assert pieces.write_drawn_ahead() == [tmp_path / "a.svg"]
    assert pieces.write_drawn_ahead() == []  # once
    here = pieces.pace_html(rows, "members_net", "vi", None, by, tmp_path / "h")
    assert len(charts._PACE_CHARTS) == 1
    assert ahead == here and "data:image/png;base64," in ahead
    for fmt in ("png", "svg"):
        assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"h.{fmt}").read_bytes()
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []  # the process ended with its chart


def test_a_pace_chart_that_fails_ahead_fails_where_it_is_shown(built: Built) -> None:
    # the unit to highlight is not in the chart: the drawing process raises, pace_html too
    ctx = dataclasses.replace(built.fed, unit_id="atlantis")
    rows, by = pieces.pace_rows(built.fed, "members_net")
    drawn = pieces.pace_ahead(ctx, svg=False)
    with pytest.raises(ValueError, match="unit 'atlantis' is not in the progress table"):
        pieces.pace_html(rows, "members_net", "vi", "atlantis", by, ahead=drawn["members_net"])


def test_a_pace_svg_that_fails_ahead_fails_where_it_is_written(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the process drawing ahead is forked from this one: it draws with the SVG broken
    from ptdv.report import charts

    real = charts._render

    def broken(fig: object, fmt: str, box: object) -> bytes:
        if fmt == "svg":
            raise OSError("no room for the SVG")
        return real(fig, fmt, box)

    monkeypatch.setattr(charts, "_render", broken)
    charts._PACE_CHARTS.clear()
    rows, by = pieces.pace_rows(built.fed, "members_net")
    ahead = pieces.pace_ahead(built.fed)["members_net"]
    page = pieces.pace_html(rows, "members_net", "vi", None, by, tmp_path / "p", ahead=ahead)
    assert "data:image/png;base64," in page  # the PNG was drawn first
    with pytest.raises(OSError, match="no room for the SVG"):
        pieces.write_drawn_ahead()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.png"]


def test_a_report_drawing_ahead_forgets_the_svgs_an_earlier_one_left_unwritten(
    built: Built, tmp_path: Path
) -> None:
    # a report that failed after showing its pace chart never had its SVG written: the next
    # report drawing ahead must not write it into its own folder
    rows, by = pieces.pace_rows(built.fed, "members_net")
    ahead = pieces.pace_ahead(built.fed)["members_net"]
    pieces.pace_html(rows, "members_net", "vi", None, by, tmp_path / "failed", ahead=ahead)
    ahead = pieces.pace_ahead(built.fed)["members_net"]
    pieces.pace_html(rows, "members_net", "vi", None, by, tmp_path / "next", ahead=ahead)
    assert pieces.write_drawn_ahead() == [tmp_path / "next.svg"]
    assert not (tmp_path / "failed.svg").exists()


def test_a_pace_chart_drawn_ahead_must_have_the_formats_asked_for(
    built: Built, tmp_path: Path
) -> None:
    rows, by = pieces.pace_rows(built.fed, "members_net")
    ahead = pieces.pace_ahead(built.fed, svg=False)["members_net"]  # PNG only
    with pytest.raises(ValueError, match="drawn ahead for 'members_net' has svg=False"):
        # ... but an SVG is to be saved
        pieces.pace_html(rows, "members_net", "vi", None, by, tmp_path / "p", ahead=ahead)
    assert not list(tmp_path.iterdir())


def test_no_pace_chart_is_drawn_ahead_off_linux(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing
    import sys

    before = set(multiprocessing.active_children())  # an earlier test's may still be ending
    monkeypatch.setattr(sys, "platform", "darwin")  # forking is not safe there
    assert pieces.pace_ahead(built.fed) == {}
    assert set(multiprocessing.active_children()) <= before  # none started
