"""The report's words: every piece of the HTML report in Vietnamese and in English, from the
gettext catalogues through the Jinja2 templates, with the figures of the real TLĐ plan.

The plans are cleaned once into a scratch project root (PTDV_ROOT); the pieces are rendered
from `ReportContext` as the report notebook renders them.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.pofile import read_po

from ptdv import progress
from ptdv.base import i18n
from ptdv.plan import config
from ptdv.plan.metrics import METRICS
from ptdv.report import pieces, texts
from ptdv.tables import clean

REPO = Path(__file__).parents[1]
TLD, BG = "tld-2021-2023", "bac-giang-2023-2028"


@pytest.fixture(scope="module", autouse=True)
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Return a scratch project root with both shipped plans cleaned into data/processed/."""
    root = tmp_path_factory.mktemp("words") / "proj"
    for d in ("config", "data/raw"):
        shutil.copytree(REPO / d, root / d)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTDV_ROOT", str(root))
        for plan_id in (TLD, BG):
            clean.write_outputs(clean.clean_plan(config.load_card(plan_id)))
        yield root


def load(plan: str, period: str, unit: str | None, lang: str) -> pieces.ReportContext:
    return pieces.ReportContext.load(plan, period, unit, lang)


def all_pieces(ctx: pieces.ReportContext) -> str:
    """Return every HTML piece of a report, in the notebook's order (charts left out)."""
    params = {"plan_id": ctx.card.plan_id, "period": ctx.period, "unit": ctx.unit_id}
    parts = [pieces.demo_banner(ctx), pieces.title_block(ctx), pieces.headline(ctx)]
    parts.append(pieces.unit_summary(ctx))
    for metric in ctx.metrics:
        parts.append(pieces.units_table(ctx, metric))
        if ctx.unit_id is None:
            parts.append(pieces.lists(ctx, metric))
    parts += [pieces.quality_appendix(ctx), pieces.footer(ctx, {**params, "lang": ctx.lang})]
    return "\n".join(parts)


def text_of(page: str) -> str:
    """Return the text a reader sees in an HTML fragment, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- the paragraph written from the data ----------------------------------------------------


TLD_VI = (
    "Đến hết 6 tháng đầu năm 2021 (01/01/2021 – 30/06/2021), toàn hệ thống đạt 146.630 "
    "(số đoàn viên tăng thêm), bằng 9,86% chỉ tiêu nhiệm kỳ (1.487.307), trong khi thời gian "
    "đã qua 16,67% nhiệm kỳ: chậm tiến độ. Riêng kỳ này thực hiện 146.630, bằng 59,15% chỉ "
    "tiêu kỳ (247.884). Có 52/57 đơn vị chậm tiến độ, 1 đúng tiến độ, 4 vượt tiến độ. Để "
    "hoàn thành chỉ tiêu nhiệm kỳ, mỗi 6 tháng còn lại cần bình quân 268.135."
)
TLD_EN = (
    "By the end of the first half of 2021 (01/01/2021 – 30/06/2021), the federation as a "
    "whole reached 146,630 (net increase in members), 9.86% of the term target (1,487,307), "
    "with 16.67% of the term elapsed: behind. In this period alone: 146,630, 59.15% of the "
    "period target (247,884). 52 of 57 units are behind, 1 on track, 4 ahead. To reach the "
    "term target, each remaining half-year needs 268,135 on average."
)


@pytest.mark.parametrize(("lang", "want"), [("vi", TLD_VI), ("en", TLD_EN)])
def test_tld_headline_sentence(lang: str, want: str) -> None:
    ctx = load(TLD, "2021-H1", None, lang)
    assert " ".join(pieces.headline_sentences(ctx, "members_net")) == want
    page = text_of(pieces.headline(ctx))
    assert want in page
    if lang == "vi":
        assert page.startswith("Số đoàn viên tăng thêm 146.630 / 1.487.307 · 9,86% so chỉ tiêu")
        assert "16,67% Thời gian đã qua Chậm tiến độ Đánh giá" in page
    else:
        assert page.startswith("Net increase in members 146,630 / 1,487,307 · 9.86% of the term")
        assert "16.67% Time elapsed Behind Status" in page


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        (
            "vi",
            "Đến hết 6 tháng đầu năm 2021 (01/01/2021 – 30/06/2021), Bắc Kạn đạt -65 (số đoàn "
            "viên tăng thêm), bằng 0,00% chỉ tiêu nhiệm kỳ (2.400), trong khi thời gian đã qua "
            "16,67% nhiệm kỳ: chậm tiến độ. Riêng kỳ này thực hiện -65, bằng 0,00% chỉ tiêu kỳ "
            "(400). Để hoàn thành chỉ tiêu nhiệm kỳ, mỗi 6 tháng còn lại cần bình quân 493.",
        ),
        (
            "en",
            "By the end of the first half of 2021 (01/01/2021 – 30/06/2021), Bắc Kạn reached -65 "
            "(net increase in members), 0.00% of the term target (2,400), with 16.67% of the "
            "term elapsed: behind. In this period alone: -65, 0.00% of the period target (400). "
            "To reach the term target, each remaining half-year needs 493 on average.",
        ),
    ],
)
def test_unit_headline_sentence(lang: str, want: str) -> None:
    ctx = load(TLD, "2021-H1", "bac-kan", lang)
    assert " ".join(pieces.headline_sentences(ctx, "members_net")) == want


@pytest.mark.parametrize(
    ("period", "unit", "lang", "first", "second"),
    [
        ("mid-term", None, "vi",
         "Sơ kết giữa nhiệm kỳ: từ đầu nhiệm kỳ đến 31/05/2026 (01/12/2023 – 31/05/2026), toàn "
         "hệ thống đạt 61.392 (số đoàn viên kết nạp mới), bằng 51,16% chỉ tiêu nhiệm kỳ "
         "(120.000), trong khi thời gian đã qua 50,00% nhiệm kỳ: vượt tiến độ.",
         "So với tổng chỉ tiêu các kỳ đến nay (59.975), đạt 102,36%."),
        ("mid-term", None, "en",
         "Mid-term review: from the start of the term to 31/05/2026 (01/12/2023 – 31/05/2026), "
         "the federation as a whole reached 61,392 (members admitted), 51.16% of the term "
         "target (120,000), with 50.00% of the term elapsed: ahead.",
         "Against the targets of the half-years so far (59,975), that is 102.36%."),
        ("to-2025-H2", "yen-dung", "vi",
         "Từ đầu nhiệm kỳ đến 30/11/2025 (01/12/2023 – 30/11/2025), LĐLĐ huyện Yên Dũng đạt "
         "887 (số đoàn viên kết nạp mới), bằng 35,48% chỉ tiêu nhiệm kỳ (2.500), trong khi "
         "thời gian đã qua 40,00% nhiệm kỳ: chậm tiến độ.",
         "So với tổng chỉ tiêu các kỳ đến nay (1.000), đạt 88,70%."),
        ("to-2025-H2", "yen-dung", "en",
         "From the start of the term to 30/11/2025 (01/12/2023 – 30/11/2025), LĐLĐ huyện Yên "
         "Dũng reached 887 (members admitted), 35.48% of the term target (2,500), with 40.00% "
         "of the term elapsed: behind.",
         "Against the targets of the half-years so far (1,000), that is 88.70%."),
        ("2025", None, "vi",
         "Đến hết năm 2025 (01/12/2024 – 30/11/2025), toàn hệ thống đạt 46.827 (số đoàn viên "
         "kết nạp mới), bằng 39,02% chỉ tiêu nhiệm kỳ (120.000), trong khi thời gian đã qua "
         "40,00% nhiệm kỳ: đúng tiến độ.",
         None),
        ("2025", None, "en",
         "By the end of the year 2025 (01/12/2024 – 30/11/2025), the federation as a whole "
         "reached 46,827 (members admitted), 39.02% of the term target (120,000), with 40.00% "
         "of the term elapsed: on track.",
         None),
    ],
)  # fmt: skip
def test_span_and_year_openings(
    period: str, unit: str | None, lang: str, first: str, second: str | None
) -> None:
    ctx = load(BG, period, unit, lang)
    got = pieces.headline_sentences(ctx, "members_admitted")
    assert got[0] == first
    if second is not None:
        assert got[1] == second


COUNTS = {
    "vi": [
        "Có 3/6 đơn vị chậm tiến độ, 1 đúng tiến độ, 2 vượt tiến độ.",
        "Có 2/6 đơn vị chậm tiến độ, 1 đúng tiến độ, 2 vượt tiến độ, 1 chưa báo cáo.",
        "Có 2/6 đơn vị chậm tiến độ, 1 đúng tiến độ, 2 vượt tiến độ, 1 không được giao chỉ tiêu.",
        "Có 1/6 đơn vị chậm tiến độ, 1 đúng tiến độ, 2 vượt tiến độ, 1 chưa báo cáo, 1 không "
        "được giao chỉ tiêu.",
    ],
    "en": [
        "3 of 6 units are behind, 1 on track, 2 ahead.",
        "2 of 6 units are behind, 1 on track, 2 ahead, 1 sent no report.",
        "2 of 6 units are behind, 1 on track, 2 ahead, 1 have no target.",
        "1 of 6 units are behind, 1 on track, 2 ahead, 1 sent no report, 1 have no target.",
    ],
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_status_counts_every_variant(lang: str) -> None:
    ctx = load(TLD, "2021-H1", None, lang)
    p = ctx.progress
    units = p[(p["level"] == "unit") & (p["metric"] == "members_net")].head(6)
    base = ["behind", "behind", "behind", "on_track", "ahead", "ahead"]
    variants = [base, [*base[:2], "no_report", *base[3:]], [*base[:2], "no_target", *base[3:]]]
    variants.append(["behind", "no_report", "no_target", *base[3:]])
    for statuses, want in zip(variants, COUNTS[lang], strict=True):
        ctx.progress = pd.concat([units.assign(status=statuses), p[p["level"] == "federation"]])
        assert pieces.headline_sentences(ctx, "members_net")[2] == want


# --- the other pieces -----------------------------------------------------------------------


def test_title_block_and_tables_in_vietnamese() -> None:
    ctx = load(TLD, "2021-H1", "bac-kan", "vi")
    page = text_of(all_pieces(ctx))
    for want in [
        "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM Phát triển đoàn viên, thành lập công đoàn cơ sở "
        "Báo cáo tiến độ · 6 tháng đầu năm 2021 Đơn vị: Bắc Kạn",
        "Văn bản 135/KH-TLĐ, 24/09/2021",
        "Kỳ báo cáo 6 tháng đầu năm 2021 (01/01/2021 – 30/06/2021)",
        "Thời gian đã qua 16,67% của nhiệm kỳ (01/01/2021 – 31/12/2023)",
        "Xếp hạng xếp thứ 44/57 đơn vị có chỉ tiêu",
        "TT Đơn vị Chỉ tiêu kỳ Thực hiện kỳ % kỳ Chỉ tiêu nhiệm kỳ Lũy kế % nhiệm kỳ Đánh giá "
        "Cần mỗi 6 tháng còn lại Xếp hạng",
        "4 Bắc Kạn 400 -65 0,00% 2.400 -65 0,00% Chậm tiến độ 493 44",
        "Tổng cộng (TLĐ) 247.884 146.630 59,15% 1.487.307 146.630 9,86% Chậm tiến độ 268.135",
        "Cách tính chỉ tiêu kỳ: chỉ tiêu nhiệm kỳ chia đều theo số kỳ 6 tháng.",
        "Phụ lục: chất lượng số liệu Các vấn đề phát hiện khi làm sạch số liệu.",
        "Mức độ Vấn đề Đơn vị Nguồn Chi tiết",
        "Ghi nhận khác (thông tin): bố cục bảng: 3, bản sao khớp bản chính: 1, dòng tổng cộng: 1.",
        "Thông tin tạo báo cáo Tham số: plan_id='tld-2021-2023'",
        "Tệp đầu vào (SHA-256) (data/raw/tld-2021-2023/…)",
    ]:
        assert want in page, want


def test_title_block_and_tables_in_english() -> None:
    ctx = load(TLD, "2021-H1", "bac-kan", "en")
    page = text_of(all_pieces(ctx))
    for want in [
        "Union membership development and new grassroots unions Progress report · First half "
        "of 2021 Unit: Bắc Kạn",
        "Period First half of 2021 (01/01/2021 – 30/06/2021)",
        "Time elapsed 16.67% of the term (01/01/2021 – 31/12/2023)",
        "Rank ranked 44 of 57 units with a target",
        "No. Unit Period target Period actual % of period Term target Cumulative % of term "
        "Status Needed per remaining half-year Rank",
        "Total (TLĐ) 247,884 146,630 59.15% 1,487,307 146,630 9.86% Behind 268,135",
        "How the period target was set: the term target pro rata (half-years in the period / "
        "in the term).",
        "Appendix: data quality Problems found while cleaning the figures.",
        "Other notes: table layout: 3, copy agrees with the original: 1, totals row: 1.",
        "About this report Parameters:",
    ]:
        assert want in page, want


@pytest.mark.parametrize(
    ("lang", "commend", "behind", "none"),
    [
        ("vi", "Đơn vị đạt hoặc vượt chỉ tiêu kỳ (đề nghị biểu dương) — Số đoàn viên kết nạp mới",
         "Đơn vị chậm tiến độ — Số đoàn viên kết nạp mới Xếp từ đơn vị chậm nhất so với tiến độ "
         "thời gian.", "Không có đơn vị nào."),
        ("en", "Units at or above their period target (for commendation) — Members admitted",
         "Units behind schedule — Members admitted Furthest behind the pace first.", "None."),
    ],
)  # fmt: skip
def test_lists(lang: str, commend: str, behind: str, none: str) -> None:
    ctx = load(BG, "2026-H1", None, lang)
    page = text_of(pieces.lists(ctx, "members_admitted"))
    assert page.startswith(commend) and behind in page
    nobody = ctx.progress.assign(status="behind", period_pct=0.1)
    ctx.progress = nobody
    assert none in text_of(pieces.lists(ctx, "members_admitted"))


@pytest.mark.parametrize(
    ("lang", "want"), [("vi", "Kỳ chưa báo cáo 6 tháng đầu năm 2025"),
                       ("en", "Periods not reported First half of 2025")],
)  # fmt: skip
def test_missing_half_years_are_named(lang: str, want: str) -> None:
    ctx = load(BG, "2026-H1", "luc-ngan", lang)
    assert want in text_of(pieces.unit_summary(ctx))


def test_demo_banner_in_both_languages() -> None:
    vi = text_of(pieces.demo_banner(load(BG, "2026-H1", None, "vi")))
    en = text_of(pieces.demo_banner(load(BG, "2026-H1", None, "en")))
    assert vi.startswith("SỐ LIỆU MINH HỌA — số liệu thực hiện trong báo cáo này")
    assert en.startswith("DEMO DATA — the actual figures in this report are made up")
    assert pieces.demo_banner(load(TLD, "2021-H1", None, "vi")) == ""


# --- the quality appendix -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_appendix_words(lang: str) -> None:
    ctx = load(TLD, "2021-H1", None, lang)
    page = text_of(pieces.quality_appendix(ctx))
    if lang == "vi":
        assert (
            "Lỗi Tên đơn vị bị trùng trong bảng nguồn: hai dòng được giữ riêng, không gộp; cần "
            "sửa tại nguồn. Hải Phòng" in page
        )
        assert "Cảnh báo Tổng của bảng khác tổng chỉ tiêu nêu trong văn bản" in page
        assert re.search(r"Phụ lục, dòng 38 ", page)
    else:
        assert "Error A unit name appears twice in the source" in page
        assert "Warning The table's total differs from the total the plan's text declares" in page
        assert re.search(r"Phụ lục, row 38 ", page)
        assert "Other notes: table layout: 3, copy agrees with the original: 1" in page


def test_appendix_detail_in_the_report_language() -> None:
    """A finding with a machine form reads in the report's language; one without, as logged."""
    vi = load(TLD, "2021-H1", None, "vi")
    q = vi.quality
    rule = q[q["check"] == "derived_rule"].iloc[0]
    if "template" in q.columns:
        from ptdv.tables.checks import finding_text

        params = json.loads(rule["params"])
        want = finding_text(rule["template"], params, "vi")
        assert "12.884" in want and "12.140" in want  # Vietnamese figures
        assert html.escape(want) in pieces.quality_appendix(vi)
    vi.quality = q.drop(columns=["template", "params"], errors="ignore")
    assert html.escape(rule["message"]) in pieces.quality_appendix(vi)


# --- autoescaping ---------------------------------------------------------------------------


def test_a_unit_name_with_markup_shows_as_text() -> None:
    ctx = load(TLD, "2021-H1", "bac-kan", "vi")
    name = "<b>&"
    ctx.units = ctx.units.assign(unit_name=ctx.units["unit_name"].where(
        ctx.units["unit_id"] != "bac-kan", name))  # fmt: skip
    ctx.progress = ctx.progress.assign(unit_name=ctx.progress["unit_name"].where(
        ctx.progress["unit_id"] != "bac-kan", name))  # fmt: skip
    page = all_pieces(ctx)
    assert "<b>&" not in page
    assert "Đơn vị: &lt;b&gt;&amp;</p>" in page  # title block
    assert "&lt;b&gt;&amp; đạt -65" in page  # the sentence
    assert '<td class="txt">&lt;b&gt;&amp;</td>' in page  # the table


# --- one language per report ----------------------------------------------------------------


def _fragments(text: str) -> list[str]:
    """Return the literal parts of a message (between placeholders) of four words or more."""
    out = []
    for part in re.split(r"\{[^{}]*\}|%\([^)]*\)[sd]|\n", text):
        part = " ".join(part.replace("%%", "%").split()).strip(" .,:;–-—()“”\"'")
        if len(re.findall(r"[^\W\d_]+", part)) >= 4:
            out.append(part)
    return out


def catalogue() -> dict[str, str]:
    """Return {English message id: Vietnamese} from the catalogues."""
    with i18n.catalogue_path("en").open("rb") as fh:
        en = read_po(fh, locale="en")
    with i18n.catalogue_path("vi").open("rb") as fh:
        vi = read_po(fh, locale="vi")
    return {m.id: (vi.get(m.id).string if vi.get(m.id) else "") for m in en if m.id}


def data_words() -> set[str]:
    """Return the plans' own words: titles, unit names, and words quoted from their tables."""
    out: set[str] = set()
    for plan, period in ((TLD, "2021-H1"), (BG, "2026-H1")):
        ctx = load(plan, period, None, "vi")
        out |= {ctx.card.title, *ctx.units["unit_name"]}
        for params in ctx.quality.get("params", pd.Series(dtype=str)).dropna():
            out |= {v for v in json.loads(params).values() if isinstance(v, str)}
    return out


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_words_of_the_other_language(lang: str) -> None:
    pages = [all_pieces(load(TLD, "2021-H1", u, lang)) for u in (None, "bac-kan")]
    pages += [all_pieces(load(BG, p, None, lang)) for p in ("2026-H1", "mid-term")]
    page = text_of("\n".join(pages))
    for d in sorted(data_words(), key=len, reverse=True):
        page = page.replace(d, " ")
    checked, leaks = 0, []
    for msgid, vi in catalogue().items():
        source, other = (msgid, vi) if lang == "vi" else (vi, msgid)
        for fragment in _fragments(source):
            if fragment in " ".join(other.split()):  # the same words in both languages
                continue
            checked += 1
            if fragment in page:
                leaks.append(f"{fragment!r} (message {msgid!r})")
    assert checked >= 4
    assert leaks == []


def test_every_report_word_has_a_vietnamese_translation() -> None:
    _ = i18n.translator("vi")
    words = [
        *progress.STATUS_LABELS.values(), *progress.TARGET_METHODS.values(),
        *progress.CUM_BASES.values(), *(m.label for m in METRICS.values()),
        *texts.COLUMNS.values(), *texts.SEVERITY_TEXT.values(), *texts.CHECK_TEXT.values(),
        *texts.CHECK_NAMES.values(),
    ]  # fmt: skip
    untranslated = [w for w in words if _(w) == w]
    assert untranslated == []
