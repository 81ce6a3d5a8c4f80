"""One voice: every output of the shipped plans in Vietnamese holds no English sentence of
the project's own words, and the reverse.

The project's own words are the catalogues (lib/ptdv/locale): for a Vietnamese output, any
English message id (its literal parts of three words or more) found in it is a sentence
that escaped translation; for an English output, any Vietnamese translation. Plan names,
unit names and document titles come from the data, not the catalogue, so they never count.
"""

from __future__ import annotations

import email
import html
import re
import shutil
import unicodedata
from email import policy
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from helpers import project_copy, run_ptdv, shipped_project
from ptdv.base import i18n
from ptdv.plan.config import load_card
from ptdv.tables.clean import clean_plan

RUNS = [
    ("tld-2021-2023", "2021-H1", "bac-kan"),
    ("bac-giang-2023-2028", "2026-H1", "yen-dung"),
]
MAIL_FROM = {"PTDV_MAIL_FROM": "ban-to-chuc@example.org"}


def _fragments(text: str) -> list[str]:
    """Return the literal parts of a message (between placeholders) of 3 words or more."""
    parts = re.split(r"\{[^{}]*\}|%\([^)]*\)s|%s|\n", text)
    out = []
    for p in parts:
        p = " ".join(p.replace("%%", "%").split()).strip(" .,:;–-()«»“”\"'")
        if len(re.findall(r"[^\W\d_]+", p)) >= 3:
            out.append(p)
    return out


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def catalogue_fragments(lang: str) -> dict[str, str]:
    """Return {fragment: message id} of one language's side of the catalogue."""
    with i18n.catalogue_path("vi").open("rb") as fh:
        vi = read_po(fh, locale="vi")
    out: dict[str, str] = {}
    for m in vi:
        if not m.id or not m.string:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        english, vietnamese = " ".join(ids), " ".join(strings)
        source, other = (english, vietnamese) if lang == "en" else (vietnamese, english)
        for f in _fragments(source):
            if _norm(f) not in _norm(other):  # a word both languages share is no leak
                out[_norm(f)] = english
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Render every shipped plan with tables in both languages; return {lang: {file: text}}."""
    root = project_copy(tmp_path_factory.mktemp("langs"))
    texts: dict[str, dict[str, str]] = {"vi": {}, "en": {}}
    for plan, period, unit in RUNS:
        for lang in ("en", "vi"):
            res = run_ptdv(root, "run", "--plan", plan, "--period", period, "--units", unit,
                           "--lang", lang)  # fmt: skip
            assert res.returncode == 0, res.stderr
            outbox = root / "reports" / plan / period / ("outbox" if lang == "vi" else "outbox.en")
            shutil.rmtree(outbox, ignore_errors=True)
            res = run_ptdv(root, "send", "--plan", plan, "--period", period, "--dry-run",
                           "--lang", lang, "--to", "federation", "units", "--units", unit,
                           "--recipients", "config/recipients.example.yaml",
                           env=MAIL_FROM)  # fmt: skip
            assert res.returncode == 0, res.stderr
            for eml in sorted(outbox.rglob("*.eml")):
                msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
                parts = [str(msg["Subject"])]
                for part in msg.walk():
                    if part.get_content_type() in ("text/plain", "text/html"):
                        parts.append(part.get_content())
                texts[lang][f"{plan}/{lang}/{eml.name}"] = _strip_html("\n".join(parts))
        dest = root / "reports" / plan / period
        for path in sorted(dest.rglob("*")):
            if any(p.startswith("outbox") for p in path.parts):
                continue
            lang = "en" if ".en." in path.name else "vi"
            key = f"{plan}/{path.relative_to(dest)}"
            if path.suffix == ".html":
                texts[lang][key] = _strip_html(path.read_text("utf-8"))
            elif path.suffix == ".pdf":
                texts[lang][key] = "\n".join(p.extract_text() for p in PdfReader(path).pages)
            elif path.suffix == ".xlsx":
                wb = openpyxl.load_workbook(path)
                cells = [
                    str(c.value)
                    for ws in wb.worksheets
                    for row in ws.iter_rows()
                    for c in row
                    if isinstance(c.value, str)
                ]
                texts[lang][key] = "\n".join(cells)
    return texts


def _strip_html(page: str) -> str:
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<img[^>]*>", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def data_words() -> list[str]:
    """Return the texts that come from the data: plan titles, issuers, the source tables'
    column headers (findings quote them), other targets' labels, unit names."""
    out: set[str] = set()
    for plan, _period, _unit in RUNS:
        with shipped_project():
            card = load_card(plan)
            units = clean_plan(card).units
        out |= {card.title, card.issuer, card.issuer_short}
        out |= {t.label_vi for t in card.other_targets}
        for source in card.sources:
            for col in source.columns:
                out |= set(col.header_path)
        out |= set(units["unit_name"])
    # longest first, so that a header is removed before a unit name inside it
    return sorted((_norm(t) for t in out if t), key=len, reverse=True)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_sentence_of_the_other_language(outputs: dict, lang: str) -> None:
    other = "en" if lang == "vi" else "vi"
    fragments = catalogue_fragments(other)
    assert len(fragments) > 100  # the catalogue holds the project's words
    kinds = {Path(k).suffix for k in outputs[lang]}
    assert {".html", ".pdf", ".xlsx", ".eml"} <= kinds, kinds
    leaks = []
    data = data_words()
    for name, text in outputs[lang].items():
        flat = _norm(text)
        for d in data:
            flat = flat.replace(d, " ")
        for fragment, msgid in fragments.items():
            if fragment in flat:
                leaks.append(f"{name}: {fragment!r} (from {msgid[:60]!r})")
    assert leaks == [], f"{len(leaks)} leak(s):\n" + "\n".join(leaks[:40])
