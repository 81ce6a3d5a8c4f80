"""Quality findings in the report's language: every sentence rendered from its machine form.

A finding keeps its template (an English gettext id) and its parameters; `finding_text`
renders it in Vietnamese or English. The English rendering is the log's `message`, the
Vietnamese one has Vietnamese words and number format, and both come back the same from
quality.csv.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from ptdv.base import i18n
from ptdv.plan.config import load_card
from ptdv.plan.metrics import KINDS, METRICS
from ptdv.tables import checks, units
from ptdv.tables.checks import BLANK, WORD_KEYS, WORDS, finding, finding_text, quality_text
from ptdv.tables.clean import CleanResult, clean_plan, write_outputs

TLD = "tld-2021-2023"
BG = "bac-giang-2023-2028"
#: The files whose findings this covers: every template in them is marked N_("...").
SOURCES = ["checks.py", "clean.py", "forms.py"]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
LUC_NGAN_VI = (
    "không có báo cáo của LĐLĐ huyện Lục Ngạn kỳ 2025-H1: ghi là “Chưa báo cáo”, không tính bằng 0"
)


def _extracted() -> list[str]:
    """Return the message ids pybabel extracts from the files that make findings."""
    folder = Path(checks.__file__).parent
    return [msg for f in SOURCES for _, msg, _, _ in extract_from_file("python", folder / f)]


def _catalogue(lang: str) -> dict[str, str]:
    """Return {id: translation} of one language's catalogue (fuzzy entries left out)."""
    with i18n.catalogue_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=lang, domain=i18n.DOMAIN)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and not m.fuzzy}


def _is_word(msgid: str) -> bool:
    return msgid in WORDS or msgid == BLANK


TEMPLATES = [m for m in dict.fromkeys(_extracted()) if not _is_word(m)]


def _english_fragments() -> set[str]:
    """Return the literal parts (4 words or more) of the catalogue's English ids."""
    out = set()
    for msgid in _catalogue("vi"):
        for part in re.split(r"\{[^{}]*\}|%\([^)]*\)s|%s|\n", msgid):
            part = " ".join(part.split()).strip(" .,:;–-()«»“”\"'")
            if len(re.findall(r"[^\W\d_]+", part)) >= 4:
                out.add(part)
    return out


ENGLISH = _english_fragments()


def _clean(plan_id: str) -> CleanResult:
    """Clean a shipped plan, with its report forms, from the repository (read only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PTDV_ROOT", raising=False)
        return clean_plan(load_card(plan_id))


@pytest.fixture(scope="module")
def cleaned() -> dict[str, CleanResult]:
    return {plan: _clean(plan) for plan in (TLD, BG)}


def _vi_problems(text: str) -> list[str]:
    """Return what is wrong with a Vietnamese sentence: placeholders or English left in it."""
    found = [f"placeholder {m}" for m in PLACEHOLDER.findall(text)]
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    found += [f"English {frag!r}" for frag in ENGLISH if frag in norm]
    return found


# --- the catalogue -------------------------------------------------------------------------


def test_there_are_templates_to_translate() -> None:
    assert len(TEMPLATES) >= 70
    assert "no report from {name} for {period}: shown as 'no report', never as zero" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_is_translated_with_the_same_placeholders(template: str) -> None:
    vi, en = _catalogue("vi"), _catalogue("en")
    assert vi.get(template), f"no Vietnamese translation of {template!r}"
    assert en.get(template) == template
    assert sorted(PLACEHOLDER.findall(vi[template])) == sorted(PLACEHOLDER.findall(template))


def test_every_word_is_in_both_catalogues() -> None:
    vi, en = _catalogue("vi"), _catalogue("en")
    for word in (*WORDS, BLANK):
        assert vi.get(word) and vi[word] != word, word
        assert en.get(word) == word.split(":", 1)[1], word
    extracted = set(_extracted())
    assert set(WORDS) | {BLANK} <= extracted  # marked N_, so that pybabel keeps them


def test_words_cover_every_metric_kind_and_name_change() -> None:
    assert {f"metric:{m}" for m in METRICS} <= set(WORDS)
    assert {f"kind:{k}" for k in KINDS} <= set(WORDS)
    changes = [
        units.NFD_RECOMPOSED,
        units.NBSP_REPLACED,
        units.EXTRA_SPACES,
        units.HYPHEN_SPACES,
        units.MARKUP_REMOVED,
    ]
    assert {f"name change:{c}" for c in changes} <= set(WORDS)
    assert {prefix for prefix, _ in WORD_KEYS.values()} == {w.split(":")[0] for w in WORDS}


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_reads_in_vietnamese(template: str) -> None:
    """Fill every placeholder with a figure (or a ratio where it has a % spec)."""
    names = {m.strip("{}").split(":")[0] for m in PLACEHOLDER.findall(template)}
    params = {n: 0.25 if "{" + n + ":" in template else 1234.5 for n in names}
    vi, en = finding_text(template, params, "vi"), finding_text(template, params, "en")
    assert en == finding("info", "x", "f", None, None, template, **params).message
    assert _vi_problems(vi) == []
    if any("{" + n + "}" in template for n in names):  # a figure shown without a spec
        assert "1.234,5" in vi and "1,234.5" in en


# --- rendering -----------------------------------------------------------------------------


def test_numbers_words_and_blanks_in_each_language() -> None:
    template = (
        "{kind} {metric} {period} is {value} (column {column}): this metric cannot be negative"
    )
    params = {
        "kind": "actual",
        "metric": "members_admitted",
        "period": "term",
        "value": -12884.0,
        "column": "C",
    }
    assert finding_text(template, params, "en") == (
        "actual members_admitted term is -12,884 (column C): this metric cannot be negative"
    )
    assert finding_text(template, params, "vi") == (
        "thực hiện số đoàn viên kết nạp mới cả nhiệm kỳ là -12.884 (cột C): số liệu này không "
        "thể là số âm"
    )
    rule = "column {column}: {rows} row(s) print 0% where the figure is negative"
    assert finding_text(rule, {"column": "F", "rows": 1234}, "vi").startswith("column F: 1234")
    blank = "{kind} {metric} {period}: {other} has {there}, this copy has {here}"
    shown = {"kind": "target", "metric": "workers", "period": "2024", "other": "a.xlsx"}
    vi = finding_text(blank, shown | {"there": 12.5, "here": None}, "vi")
    assert vi == "chỉ tiêu số công nhân, lao động 2024: tệp a.xlsx ghi 12,5, bản sao này ghi trống"
    en = finding_text(blank, shown | {"there": 12.5, "here": None}, "en")
    assert en == "target workers 2024: a.xlsx has 12.5, this copy has blank"


def test_a_percentage_keeps_its_spec_with_the_languages_marks() -> None:
    made = finding(
        "warning",
        "declared_total",
        "card.yaml",
        None,
        None,
        "the {units} units' {metric} {period} targets add up to {total}, short of the declared "
        "{declared} by {gap} ({share:.1%} of it): the table may be incomplete",
        units=57,
        metric="members_net",
        period="term",
        total=1487307.0,
        declared=1600000.0,
        gap=112693.0,
        share=1487307 / 1600000,
    )
    assert "1,487,307, short of the declared 1,600,000 by 112,693 (93.0% of it)" in made.message
    vi = finding_text(made.template, made.params, "vi")
    assert (
        "là 1.487.307, thấp hơn con số kế hoạch đề ra 1.600.000 là 112.693 (mới bằng 93,0%)" in vi
    )


# --- the shipped plans -----------------------------------------------------------------------


@pytest.mark.parametrize("plan", [TLD, BG])
def test_every_real_finding_reads_in_both_languages(
    cleaned: dict[str, CleanResult], plan: str
) -> None:
    q = cleaned[plan].quality
    # TLĐ: 3 layout, the totals row, the copy, the duplicate, the rule, the declared total;
    # Bắc Giang: those of its table (10) and of its forms (5 read, 1 renamed, 1 net, 1 missing)
    assert len(q) == {TLD: 8, BG: 18}[plan]
    for _, r in q.iterrows():
        assert r["template"] in TEMPLATES, r["template"]
        params = json.loads(r["params"])
        assert finding_text(r["template"], params, "en") == r["message"]
        vi = finding_text(r["template"], params, "vi")
        assert vi != r["message"]
        assert _vi_problems(vi) == [], (r["message"], vi)


def test_luc_ngan_missing_report_reads_in_vietnamese(cleaned: dict[str, CleanResult]) -> None:
    q = cleaned[BG].quality
    [row] = q[(q["check"] == "missing_report")].to_dict("records")
    assert row["unit"] == "LĐLĐ huyện Lục Ngạn"
    assert row["file"] == "actuals/2025-H1"
    assert pd.isna(row["sheet"]) and pd.isna(row["column"])  # a folder: no sheet, no column
    assert json.loads(row["params"]) == {"name": "LĐLĐ huyện Lục Ngạn", "period": "2025-H1"}
    assert quality_text(row, "vi") == LUC_NGAN_VI
    assert quality_text(row, "en") == row["message"]


def test_tld_figures_use_vietnamese_separators(cleaned: dict[str, CleanResult]) -> None:
    q = cleaned[TLD].quality
    [declared] = q[q["check"] == "declared_total"].to_dict("records")
    assert "1,487,307" in declared["message"] and "93.0%" in declared["message"]
    vi = quality_text(declared, "vi")
    assert "1.487.307" in vi and "1.600.000" in vi and "93,0%" in vi
    assert "chỉ tiêu số đoàn viên tăng thêm cả nhiệm kỳ của 57 đơn vị" in vi
    [rule] = q[(q["check"] == "derived_rule") & (q["severity"] == "warning")].to_dict("records")
    assert (rule["file"], rule["column"]) == ("bang-giao-chi-tieu-135-KH-TLD.xlsx", "F")
    assert "states 12,884" in rule["message"]
    assert "ghi 12.884" in quality_text(rule, "vi")


def test_form_findings_name_their_file_sheet_and_column(cleaned: dict[str, CleanResult]) -> None:
    q = cleaned[BG].quality
    [net] = q[q["check"] == "net_mismatch"].to_dict("records")
    assert (net["file"], net["sheet"], net["column"]) == (
        "actuals/2025-H2/hiep-hoa.xlsx",
        "Báo cáo",
        "E",
    )
    assert net["source"] == "actuals/2025-H2/hiep-hoa.xlsx, Báo cáo"
    assert quality_text(net, "vi").startswith("dòng 8: số tăng thêm 351 (cột E) không bằng")


def test_quality_csv_round_trip(
    cleaned: dict[str, CleanResult], tmp_path: Path, repo_root: Path
) -> None:
    result = cleaned[BG]
    dest = write_outputs(result, tmp_path / BG)
    back = pd.read_csv(dest / "quality.csv", dtype={"row": "Int64"})
    assert list(back.columns) == checks.QUALITY_COLUMNS
    assert back["params"].str.contains("Lục Ngạn").any()  # UTF-8 as is, not \\u escapes
    mine = result.quality
    assert len(back) == len(mine)
    for (_, a), (_, b) in zip(back.iterrows(), mine.iterrows(), strict=True):
        params = json.loads(a["params"])
        assert params == json.loads(b["params"])
        assert finding_text(a["template"], params, "en") == a["message"] == b["message"]
        assert quality_text(a.to_dict(), "vi") == quality_text(b.to_dict(), "vi")
    assert LUC_NGAN_VI in [quality_text(r, "vi") for r in back.to_dict("records")]


def test_a_row_without_template_gives_its_message() -> None:
    row = {"message": "an old log line", "template": float("nan"), "params": float("nan")}
    assert quality_text(row, "vi") == "an old log line"
