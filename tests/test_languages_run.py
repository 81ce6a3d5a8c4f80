"""Reports of two languages in one folder: `ptdv run --lang en` then `ptdv run` (vi).

The plan's language (the card's `language`, vi) keeps the plain names; English files carry
`.en` before their extension. A run of one language keeps the other's reports when both were
rendered from the same progress table, and removes them, saying so, when the figures differ.
`ptdv send --lang en` sends the English files, in English. What the commands say follows
`--lang`, else PTDV_LANG, else English.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from helpers import project_copy, run_ptdv
from ptdv import pipeline
from ptdv.share import dispatch
from smtp_server import SmtpServer

PLAN = "tld-2021-2023"
RUN = ("run", "--plan", PLAN, "--period", "2021-H1", "--units", "bac-kan")
FILES = ("tong-hop{}.html", "tong-hop{}.pdf", "tong-hop{}.xlsx", "tong-hop{}.ipynb",
         "don-vi/bac-kan{}.html", "don-vi/bac-kan{}.pdf", "don-vi/bac-kan{}.ipynb")  # fmt: skip
SENDER = {"PTDV_MAIL_FROM": "ban-to-chuc@tld.example.org"}
#: A quicker Vietnamese run: the federation's HTML only (the English reports stay whole).
RERUN = ("run", "--plan", PLAN, "--period", "2021-H1", "--units", "none", "--formats", "html")


def folder(root: Path) -> Path:
    return root / "reports" / PLAN / "2021-H1"


def record(root: Path) -> dict:
    return json.loads((folder(root) / "run.json").read_text("utf-8"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def copy_of(root: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "proj"
    shutil.copytree(root, dest, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A project whose TLĐ 2021-H1 reports were rendered in English, then in Vietnamese."""
    root = project_copy(tmp_path_factory.mktemp("languages"))
    en = run_ptdv(root, *RUN, "--lang", "en")
    assert en.returncode == 0, en.stderr
    assert "2 of 2 report(s) written" in en.stdout and "tong-hop.en.pdf" in en.stdout
    vi = run_ptdv(root, *RUN)
    assert vi.returncode == 0, vi.stderr
    return root, vi.stdout


def test_both_languages_are_there_and_complete(both: tuple[Path, str]) -> None:
    root, said = both
    dest = folder(root)
    assert "kept: the English reports, rendered from the same figures" in said
    for name in FILES:
        for code in ("", ".en"):
            assert (dest / name.format(code)).is_file(), name.format(code)
    vi = (dest / "tong-hop.html").read_text("utf-8")
    en = (dest / "tong-hop.en.html").read_text("utf-8")
    assert "146.630" in vi and "9,86%" in vi and "Phát triển đoàn viên" in vi
    assert "146,630" in en and "9.86%" in en and "146.630" not in en and "9,86%" not in en
    unit_vi = (dest / "don-vi" / "bac-kan.html").read_text("utf-8")
    unit_en = (dest / "don-vi" / "bac-kan.en.html").read_text("utf-8")
    assert "146.630" in unit_vi and "9,86%" in unit_vi and "-65" in unit_vi
    assert "146,630" in unit_en and "9.86%" in unit_en and "-65" in unit_en
    assert "1.487.307" in pdf_text(dest / "tong-hop.pdf")
    assert "1,487,307" in pdf_text(dest / "tong-hop.en.pdf")
    for name in ("tong-hop.xlsx", "tong-hop.en.xlsx"):
        ws = openpyxl.load_workbook(dest / name).worksheets[0]
        assert any(146_630 in row for row in ws.iter_rows(values_only=True)), name
    # each language's charts in its own folder
    assert (dest / "charts" / "members_net-pace.png").is_file()
    assert (dest / "charts" / "en" / "members_net-pace.png").is_file()
    assert (dest / "charts" / "en" / "don-vi" / "bac-kan-members_net-pace.png").is_file()


def test_run_json_lists_both_languages(both: tuple[Path, str]) -> None:
    root, _said = both
    dest = folder(root)
    rec = record(root)
    # today's top-level keys describe the language just rendered
    assert rec["lang"] == "vi" and rec["plan_language"] == "vi" and rec["status"] == "ok"
    assert list(rec["languages"]) == ["vi", "en"]
    vi, en = rec["languages"]["vi"], rec["languages"]["en"]
    assert rec["outputs"] == vi["outputs"] and rec["reports"] == vi["reports"]
    assert (vi["suffix"], vi["charts"]) == ("", "charts")
    assert (en["suffix"], en["charts"]) == (".en", "charts/en")
    assert vi["progress_sha256"] == en["progress_sha256"] == rec["progress_sha256"]
    assert vi["progress_sha256"] == pipeline.progress_sha256(dest / "progress.parquet")
    assert en["started"] < vi["started"]
    for lang, entry in rec["languages"].items():
        paths_out = {o["path"] for o in entry["outputs"]}
        assert {name.format(entry["suffix"]) for name in FILES} <= paths_out, lang
        assert "progress.parquet" in paths_out
        for out in entry["outputs"]:
            assert sha(dest / out["path"]) == out["sha256"], out["path"]
        assert [r["unit_id"] for r in entry["reports"]] == [None, "bac-kan"]
        assert all(r["status"] == "ok" for r in entry["reports"])
    assert {o["path"] for o in vi["outputs"]} & {o["path"] for o in en["outputs"]} == {
        "progress.parquet"
    }
    everything = {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()}
    listed = {o["path"] for e in rec["languages"].values() for o in e["outputs"]}
    assert everything - listed == {"run.json"}


def test_same_figures_keep_the_other_language_then_other_figures_drop_it(
    both: tuple[Path, str], tmp_path: Path
) -> None:
    root = copy_of(both[0], tmp_path)
    dest = folder(root)
    before = {p: sha(dest / p) for p in ("tong-hop.en.pdf", "don-vi/bac-kan.en.html")}
    again = run_ptdv(root, *RERUN)
    assert again.returncode == 0, again.stderr
    assert "kept: the English reports, rendered from the same figures" in again.stdout
    assert {p: sha(dest / p) for p in before} == before  # carried over as they were
    rec = record(root)
    assert list(rec["languages"]) == ["vi", "en"]
    assert [r["unit_id"] for r in rec["languages"]["vi"]["reports"]] == [None]
    assert [r["unit_id"] for r in rec["languages"]["en"]["reports"]] == [None, "bac-kan"]
    assert not (dest / "don-vi" / "bac-kan.html").exists()  # the new Vietnamese run has none

    # other figures: a unit is now "on track" at half the pace
    card = root / "config" / "plans" / f"{PLAN}.yaml"
    text = card.read_text("utf-8")
    assert "on_track_ratio" not in text
    card.write_text(text + "progress:\n  on_track_ratio: 0.5\n", "utf-8")
    changed = run_ptdv(root, *RERUN)
    assert changed.returncode == 0, changed.stderr
    assert (
        "the English reports were rendered from other figures: removed; run --lang en again"
        in changed.stdout.splitlines()
    )
    assert list(dest.rglob("*.en.*")) == [] and not (dest / "charts" / "en").exists()
    assert not (dest / "don-vi").exists()
    rec = record(root)
    assert list(rec["languages"]) == ["vi"]
    assert (dest / "tong-hop.html").is_file()
    assert [p.name for p in dest.parent.iterdir()] == ["2021-H1"]  # no staging left

    # the English reports are gone: sending them says how to render them
    res = run_ptdv(root, "send", "--plan", PLAN, "--period", "2021-H1", "--lang", "en",
                   "--to", "federation", "--dry-run", env=SENDER)  # fmt: skip
    assert res.returncode == 2
    assert "no English reports for tld-2021-2023 2021-H1" in res.stderr
    assert f"ptdv run --plan {PLAN} --period 2021-H1 --lang en" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def _eml(path: Path):  # noqa: ANN202 - an EmailMessage
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def _subject(msg) -> str:  # noqa: ANN001
    return str(make_header(decode_header(msg["Subject"])))


def test_send_dry_run_in_english_attaches_the_english_files(
    both: tuple[Path, str], tmp_path: Path
) -> None:
    root = copy_of(both[0], tmp_path)
    dest = folder(root)
    recipients = str(root / "config" / "recipients.example.yaml")
    args = ("send", "--plan", PLAN, "--period", "2021-H1", "--recipients", recipients,
            "--to", "federation", "units", "--dry-run")  # fmt: skip
    res = run_ptdv(root, *args, "--lang", "en", env=SENDER)
    assert res.returncode == 0, res.stderr
    assert "dry run: 2 message(s) written to reports/tld-2021-2023/2021-H1/outbox.en/" in (
        res.stdout
    )
    files = sorted(p.name for p in (dest / "outbox.en").iterdir())
    assert files == ["01-federation.en.eml", "02-unit-bac-kan.en.eml"]
    fed = _eml(dest / "outbox.en" / "01-federation.en.eml")
    assert _subject(fed) == (
        "Union membership development: progress report, First half of 2021 – TLĐ"
    )
    text = fed.get_body(preferencelist=("plain",)).get_content()
    assert "146,630" in text and "9.86%" in text and "146.630" not in text
    attached = {a.get_filename(): a.get_content() for a in fed.iter_attachments()}
    assert attached == {
        "progress-report-2021-H1-tong-hop.pdf": (dest / "tong-hop.en.pdf").read_bytes(),
        "progress-report-2021-H1-tong-hop.xlsx": (dest / "tong-hop.en.xlsx").read_bytes(),
    }
    unit = _eml(dest / "outbox.en" / "02-unit-bac-kan.en.eml")
    (pdf,) = list(unit.iter_attachments())
    assert pdf.get_content() == (dest / "don-vi" / "bac-kan.en.pdf").read_bytes()

    # the plan's language by default: the Vietnamese files, in outbox/, beside the English
    res = run_ptdv(root, *args, env=SENDER)
    assert res.returncode == 0, res.stderr
    fed_vi = _eml(dest / "outbox" / "01-federation.eml")
    assert _subject(fed_vi).startswith("Báo cáo tiến độ phát triển đoàn viên")
    (pdf,) = [a for a in fed_vi.iter_attachments() if a.get_filename().endswith(".pdf")]
    assert pdf.get_content() == (dest / "tong-hop.pdf").read_bytes()
    assert (dest / "outbox.en" / "01-federation.en.eml").is_file()


def test_each_language_is_sent_once(both: tuple[Path, str], tmp_path: Path) -> None:
    root = copy_of(both[0], tmp_path)
    recipients = str(root / "config" / "recipients.example.yaml")
    args = ("send", "--plan", PLAN, "--period", "2021-H1", "--recipients", recipients,
            "--to", "federation")  # fmt: skip
    with SmtpServer() as server:
        assert run_ptdv(root, *args, env=server.env()).returncode == 0
        res = run_ptdv(root, *args, "--lang", "en", env=server.env())
        assert res.returncode == 0, res.stderr
        again = run_ptdv(root, *args, "--lang", "en", env=server.env())
        got = list(server.received)
    assert "1 message(s) sent" in res.stdout
    assert "0 message(s) sent" in again.stdout and "not sent: federation.en: already sent" in (
        again.stdout
    )
    assert [_subject(r.message).split(" ")[0] for r in got] == ["Báo", "Union"]
    sent = json.loads((folder(root) / "sent.json").read_text("utf-8"))["messages"]
    assert set(sent) == {"federation", "federation.en"}
    assert sent["federation.en"]["report_sha256"] == sha(folder(root) / "tong-hop.en.pdf")


def test_progress_speaks_vietnamese_with_ptdv_lang(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "progress", "--plan", PLAN, "--period", "2021-H1",
                   env={"PTDV_LANG": "vi"})  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "làm sạch số liệu tld-2021-2023 trước ..." in out
    assert "tính tiến độ tld-2021-2023 2021-H1 (6 tháng đầu năm 2021" in out
    assert (
        "members_net: 146.630/1.487.307, đạt 9,86% chỉ tiêu nhiệm kỳ (thời gian đã qua 16,67%)"
        in out
    )
    assert "biểu dương: 4, chậm tiến độ: 52" in out and "đã ghi vào data/processed/" in out
    assert "of the term target" not in out and "written to" not in out
    # the default stays English
    res = run_ptdv(root, "progress", "--plan", PLAN, "--period", "2021-H1")
    assert "146,630 of 1,487,307 = 9.86% of the term target" in res.stdout


# --- without a kernel ---------------------------------------------------------------------


def test_ui_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from ptdv.cli import ui_language

    monkeypatch.delenv("PTDV_LANG", raising=False)
    assert ui_language() == "en" and ui_language("vi") == "vi"
    for value, expected in (("vi", "vi"), ("vi_VN.UTF-8", "vi"), ("EN", "en"), ("fr", "en")):
        monkeypatch.setenv("PTDV_LANG", value)
        assert ui_language() == expected, value
    monkeypatch.setenv("PTDV_LANG", "vi")
    assert ui_language("en") == "en"  # --lang wins


def _folder_of(tmp_path: Path, languages: dict[str, dict]) -> tuple[Path, Path]:
    """Write a report folder whose run.json lists `languages`; return it and a staging folder."""
    dest, staging = tmp_path / "2021-H1", tmp_path / "staging"
    staging.mkdir()
    for entry in languages.values():
        for out in entry["outputs"]:
            (dest / out["path"]).parent.mkdir(parents=True, exist_ok=True)
            (dest / out["path"]).write_text(out["path"], "utf-8")
            out["sha256"] = sha(dest / out["path"])
    (dest / "run.json").write_text(json.dumps({"lang": "vi", "languages": languages}), "utf-8")
    return dest, staging


def _entry(lang: str, suffix: str, progress: str = "p1") -> dict:
    files = [f"tong-hop{suffix}.pdf", f"don-vi/bac-kan{suffix}.pdf", "progress.parquet"]
    return {"lang": lang, "suffix": suffix, "progress_sha256": progress,
            "outputs": [{"path": p} for p in files]}  # fmt: skip


NEW = {"progress_sha256": "p1", "outputs": [{"path": "progress.parquet", "sha256": "new"}]}


def test_carry_keeps_an_intact_language(tmp_path: Path) -> None:
    dest, staging = _folder_of(tmp_path, {"vi": _entry("vi", ""), "en": _entry("en", ".en")})
    kept, dropped = pipeline._carry_languages(dest, staging, "vi", "vi", NEW)
    assert dropped == {} and list(kept) == ["en"]
    assert (staging / "don-vi" / "bac-kan.en.pdf").read_text("utf-8") == "don-vi/bac-kan.en.pdf"
    assert not (staging / "tong-hop.pdf").exists()  # the language being rendered is not carried
    assert {"path": "progress.parquet", "sha256": "new"} in kept["en"]["outputs"]


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        (lambda dest: None, "figures"),
        (lambda dest: (dest / "tong-hop.en.pdf").unlink(), "incomplete"),
        (lambda dest: (dest / "tong-hop.en.pdf").write_text("edited", "utf-8"), "incomplete"),
    ],
)
def test_carry_drops_a_language_that_cannot_be_kept(tmp_path: Path, spoil, why) -> None:  # noqa: ANN001
    progress = "p0" if why == "figures" else "p1"
    languages = {"vi": _entry("vi", ""), "en": _entry("en", ".en", progress)}
    dest, staging = _folder_of(tmp_path, languages)
    spoil(dest)
    kept, dropped = pipeline._carry_languages(dest, staging, "vi", "vi", NEW)
    assert kept == {} and dropped == {"en": why}
    assert list(staging.iterdir()) == []


def test_carry_drops_other_names(tmp_path: Path) -> None:
    # the plan's language became English: the Vietnamese files had the plain names
    dest, staging = _folder_of(tmp_path, {"vi": _entry("vi", ""), "en": _entry("en", ".en")})
    assert pipeline._carry_languages(dest, staging, "en", "en", NEW) == ({}, {"vi": "names"})
    # an older ptdv's folder: one language under the plain names
    (dest / "run.json").write_text(json.dumps({"lang": "en", "outputs": []}), "utf-8")
    assert pipeline._carry_languages(dest, staging, "vi", "vi", NEW) == ({}, {"en": "names"})


def test_carry_keeps_an_older_folder_in_the_plans_language(tmp_path: Path) -> None:
    import pandas as pd

    dest, staging = _folder_of(tmp_path, {"vi": _entry("vi", "")})
    pd.DataFrame({"unit_id": ["a"], "cum_actual": [1.5]}).to_parquet(dest / "progress.parquet")
    outputs = _entry("vi", "")["outputs"]
    for out in outputs:
        out["sha256"] = sha(dest / out["path"])
    (dest / "run.json").write_text(json.dumps({"lang": "vi", "outputs": outputs}), "utf-8")
    same = {**NEW, "progress_sha256": pipeline.progress_sha256(dest / "progress.parquet")}
    kept, dropped = pipeline._carry_languages(dest, staging, "en", "vi", same)
    assert dropped == {} and list(kept) == ["vi"] and kept["vi"]["suffix"] == ""
    assert (staging / "tong-hop.pdf").is_file()
    assert pipeline._carry_languages(dest, tmp_path / "s2", "en", "vi", NEW) == (
        {},
        {"vi": "figures"},
    )


def test_send_reads_an_older_run_json_as_one_language() -> None:
    old = {"lang": "vi", "reports": [{"unit_id": None}]}
    assert dispatch.language_entry(old, "vi")["suffix"] == ""
    assert dispatch.language_entry(old, "en") is None
    new = {"lang": "vi", "languages": {"en": {"suffix": ".en"}}}
    assert dispatch.language_entry(new, "en") == {"suffix": ".en"}
    assert dispatch.language_entry(new, "vi") is None
