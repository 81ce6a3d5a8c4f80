"""`ptdv run --period latest` then `ptdv send`, end to end, against a real SMTP server.

The server is aiosmtpd on 127.0.0.1, started by each test (tests/smtp_server.py). The reports
are rendered once for the module (Bắc Giang, latest period on 05/06/2026 = 2026-H1, demo
figures); every test sends from its own copy of them, so sent.json starts empty each time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from email.header import decode_header, make_header
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
import yaml

from helpers import project_copy, run_ptdv
from smtp_server import PASSWORD, SmtpServer, free_port

PLAN = "bac-giang-2023-2028"
UNIT_IDS = [
    "bac-giang", "yen-dung", "viet-yen", "tan-yen", "hiep-hoa", "lang-giang", "luc-nam",
    "yen-the", "luc-ngan", "son-dong", "cd-cac-kcn-tinh", "cdn-cong-thuong", "cdn-xay-dung",
    "cdn-y-te", "cdn-nong-nghiep", "cdn-giao-duc", "cd-vien-chuc-tinh",
]  # fmt: skip


ptdv = run_ptdv  # with only the PTDV_* settings a test gives


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose Bắc Giang reports of the latest period (on 05/06/2026) are rendered."""
    root = project_copy(tmp_path_factory.mktemp("send"))
    res = ptdv(root, "run", "--plan", PLAN, "--period", "latest", "--today", "2026-06-05")
    assert res.returncode == 0, res.stderr
    assert "latest completed period on 05/06/2026: 2026-H1 (01/12/2025 – 31/05/2026)" in res.stdout
    assert "18 of 18 report(s)" in res.stdout
    return root


@pytest.fixture
def root(rendered: Path, tmp_path: Path) -> Path:
    """A fresh copy of the rendered project (no sent.json yet)."""
    dest = tmp_path / "proj"
    shutil.copytree(rendered, dest, symlinks=True)
    shutil.rmtree(dest / "reports" / "logs", ignore_errors=True)
    return dest


def period_dir(root: Path, period: str = "2026-H1") -> Path:
    return root / "reports" / PLAN / period


def example_addresses() -> dict:
    from ptdv.base import paths

    data = yaml.safe_load((paths.PACKAGE_ROOT / "config" / "recipients.example.yaml").read_text())
    return data[PLAN]


def send(root: Path, server: SmtpServer | None, *args: str, **env: str):
    """Run `ptdv send` for Bắc Giang 2026-H1 (unless args say otherwise) with the example list."""
    settings = server.env(**env) if server else env
    period = [] if "--period" in args else ["--period", "2026-H1"]
    recipients = root / "config" / "recipients.example.yaml"
    return ptdv(root, "send", "--plan", PLAN, *period, "--recipients", str(recipients), *args,
                env=settings)  # fmt: skip


def subject(msg) -> str:  # noqa: ANN001
    return str(make_header(decode_header(msg["Subject"])))


def sent_record(root: Path, period: str = "2026-H1") -> dict:
    return json.loads((period_dir(root, period) / "sent.json").read_text("utf-8"))["messages"]


# --- the scheduled job: run latest, then send ------------------------------------------------


def test_send_delivers_one_message_per_unit_and_one_to_the_federation(root: Path) -> None:
    book = example_addresses()
    with SmtpServer() as server:
        res = send(root, server, "--to", "federation", "units")
        assert res.returncode == 0, res.stderr
        assert "18 message(s) sent" in res.stdout
        got = list(server.received)
    assert len(got) == 18
    by_unit = {m.message["X-PTDV-Report"]: m for m in got}  # all the same plan and period
    assert set(by_unit) == {f"{PLAN} 2026-H1"}
    units_pdf = period_dir(root) / "don-vi"
    for r in got:
        msg = r.message
        assert r.mail_from == "ban-to-chuc@bac-giang.example.org"
        html = msg.get_body(preferencelist=("html",)).get_content()
        text = msg.get_body(preferencelist=("plain",)).get_content()
        assert "<script" not in html.lower()
        assert "http" not in html.lower()  # no external reference of any kind
        assert re.search(r'src="cid:[^"]+"', html)  # the chart, inline
        assert "SỐ LIỆU MINH HỌA" in html and "SỐ LIỆU MINH HỌA" in text
        s = subject(msg)
        assert s.startswith("[SỐ LIỆU MINH HỌA] Báo cáo tiến độ phát triển đoàn viên ")
        assert "6 tháng đầu năm 2026" in s
        pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        if r.rcpt_tos == book["federation"]["to"] + book["federation"]["cc"]:
            assert s.endswith("– LĐLĐ tỉnh Bắc Giang")
            pdf = period_dir(root) / "tong-hop.pdf"
            names = [p.get_filename() for p in msg.iter_attachments()]
            assert names == [
                "bao-cao-tien-do-2026-H1-tong-hop.pdf",
                "bao-cao-tien-do-2026-H1-tong-hop.xlsx",
            ]
            # the headline figures of the demo half-year (checked by hand in issue 3)
            assert "61.392" in text and "120.000" in text and "51,16%" in text
        else:
            (unit_id,) = [u for u in UNIT_IDS if r.rcpt_tos == book["units"][u]["to"]]
            pdf = units_pdf / f"{unit_id}.pdf"
            assert pdfs[0].get_filename() == f"bao-cao-tien-do-2026-H1-{unit_id}.pdf"
        assert pdfs[0].get_content() == pdf.read_bytes()
    # each unit got exactly its own message
    to_units = sorted(r.rcpt_tos[0] for r in got if "thuong-truc" not in r.rcpt_tos[0])
    assert to_units == sorted(book["units"][u]["to"][0] for u in UNIT_IDS)
    yen_dung = next(r for r in got if r.rcpt_tos == ["yen-dung@bac-giang.example.org"])
    text = yen_dung.message.get_body(preferencelist=("plain",)).get_content()
    assert "1.047" in text and "2.500" in text and "41,88%" in text  # its own row
    assert "LĐLĐ huyện Yên Dũng" in subject(yen_dung.message)

    record = sent_record(root)
    assert len(record) == 18 and {r["state"] for r in record.values()} == {"sent"}
    fed = record["federation"]
    assert fed["reply"] == "250 2.0.0 Message accepted for delivery"
    assert fed["attachments"][0]["sha256"] == _sha(period_dir(root) / "tong-hop.pdf")
    assert fed["message_id"].endswith("@bac-giang.example.org>")

    # a rerun sends nothing twice
    with SmtpServer() as server:
        again = send(root, server, "--to", "federation", "units")
        assert again.returncode == 0, again.stderr
        assert server.received == []
    assert "0 message(s) sent" in again.stdout
    assert again.stdout.count("already sent on") == 18

    # the password set for the test is in no file the run or the sends wrote
    leaks = [p for p in (root / "reports").rglob("*") if p.is_file() and PASSWORD.encode()
             in p.read_bytes()]  # fmt: skip
    leaks += [p for p in (root / "data").rglob("*") if p.is_file() and PASSWORD.encode()
              in p.read_bytes()]  # fmt: skip
    assert leaks == []
    assert PASSWORD not in res.stdout + res.stderr + again.stdout + again.stderr
    log = (root / "reports" / "logs" / "last-send.log").read_text("utf-8")
    assert "0 message(s) sent" in log and "exit code 0" in log


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_server_down_retries_then_fails_and_records_nothing(root: Path) -> None:
    port = free_port()  # nothing listens there
    env = {
        "PTDV_SMTP_HOST": "127.0.0.1",
        "PTDV_SMTP_PORT": str(port),
        "PTDV_SMTP_SECURITY": "none",
        "PTDV_MAIL_FROM": "ban-to-chuc@bac-giang.example.org",
        "PTDV_SMTP_RETRIES": "2",
        "PTDV_SMTP_RETRY_DELAY": "0.05",
    }
    res = send(root, None, "--to", "federation", "units", **env)
    assert res.returncode == 1
    assert f"cannot reach 127.0.0.1:{port}: connection refused" in res.stdout
    assert "attempt 2 of 3" in res.stdout and "attempt 3 of 3" in res.stdout
    assert "(after 3 attempts)" in res.stderr
    assert "17 not attempted" in res.stdout
    assert "Traceback" not in res.stderr
    assert sent_record(root) == {}  # nothing recorded as sent
    # once the server is up, everything goes
    with SmtpServer() as server:
        ok = send(root, server, "--to", "federation", "units")
        assert ok.returncode == 0, ok.stderr
        assert len(server.received) == 18


def test_a_refused_recipient_is_reported_and_the_others_still_go(root: Path) -> None:
    refused = {"son-dong@bac-giang.example.org", "ban-to-chuc@bac-giang.example.org"}
    with SmtpServer(refuse=refused) as server:
        res = send(root, server, "--to", "federation", "units")
        got = list(server.received)
    assert res.returncode == 1
    assert len(got) == 17  # Sơn Động's only address refused: its message did not go
    fed = next(r for r in got if "thuong-truc@bac-giang.example.org" in r.rcpt_tos)
    assert fed.rcpt_tos == ["thuong-truc@bac-giang.example.org"]  # the cc was refused
    assert "unit/son-dong: every recipient refused: son-dong@bac-giang.example.org: 550" in (
        res.stderr
    )
    assert "federation: ban-to-chuc@bac-giang.example.org refused: 550 5.1.1" in res.stderr
    record = sent_record(root)
    assert "unit/son-dong" not in record
    assert record["federation"]["refused"] == {
        "ban-to-chuc@bac-giang.example.org": "550 5.1.1 mailbox unavailable"
    }
    # the rerun sends only what did not go
    with SmtpServer() as server:
        again = send(root, server, "--to", "federation", "units")
        assert [r.rcpt_tos for r in server.received] == [["son-dong@bac-giang.example.org"]]
    assert again.returncode == 0, again.stderr


def test_a_re_rendered_report_goes_again_only_with_resend(root: Path) -> None:
    with SmtpServer() as server:
        assert send(root, server, "--to", "units", "--units", "yen-dung").returncode == 0
        pdf = period_dir(root) / "don-vi" / "yen-dung.pdf"
        pdf.write_bytes(pdf.read_bytes() + b"\n% re-rendered\n")
        res = send(root, server, "--to", "units", "--units", "yen-dung")
        assert res.returncode == 0
        assert "re-rendered after it was sent" in res.stdout and "--resend" in res.stdout
        assert len(server.received) == 1
        res = send(root, server, "--to", "units", "--units", "yen-dung", "--resend")
        assert res.returncode == 0, res.stderr
        assert len(server.received) == 2
    att = next(server.received[1].message.iter_attachments())
    assert att.get_content() == pdf.read_bytes()
    record = sent_record(root)["unit/yen-dung"]
    assert record["attachments"][0]["sha256"] == _sha(pdf)
    assert len(record["previous"]) == 1  # the first sending stays on record


def test_an_unconfirmed_message_is_not_sent_again(root: Path) -> None:
    """A run killed while handing over a message leaves it 'sending': never sent twice."""
    with SmtpServer() as server:
        assert send(root, server, "--to", "units", "--units", "tan-yen").returncode == 0
    path = period_dir(root) / "sent.json"
    data = json.loads(path.read_text("utf-8"))
    data["messages"]["unit/tan-yen"]["state"] = "sending"  # as a SIGKILL mid-delivery leaves it
    path.write_text(json.dumps(data), "utf-8")
    with SmtpServer() as server:
        res = send(root, server, "--to", "units", "--units", "tan-yen")
        assert server.received == []
    assert res.returncode == 1
    assert "was not confirmed" in res.stdout + res.stderr


def test_a_send_killed_mid_delivery_never_sends_a_message_twice(root: Path) -> None:
    """SIGKILL while the server holds its reply to the 3rd message (Yên Dũng's)."""
    import signal
    import time

    slow = "yen-dung@bac-giang.example.org"
    recipients = root / "config" / "recipients.example.yaml"
    with SmtpServer(slow={slow}) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PTDV_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "ptdv.cli", "send", "--plan", PLAN, "--period", "2026-H1",
             "--recipients", str(recipients), "--to", "federation", "units"],
            env={**env, **server.env(), "PTDV_ROOT": str(root)}, cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not server.handler.stalled and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.handler.stalled, "the send never reached the 3rd message"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(3.5)  # whatever the server does with the message it was handed
        before = len(server.received)
        assert before in (2, 3)  # federation and Bắc Giang; Yên Dũng's unknown to the sender
        assert sent_record(root)["unit/yen-dung"]["state"] == "sending"
        again = send(root, server, "--to", "federation", "units")
        got = [tuple(r.rcpt_tos) for r in server.received]
        assert again.returncode == 1  # the unconfirmed one is listed for a person to check
        assert "unit/yen-dung: its delivery on" in again.stderr and "--resend" in again.stderr
        assert len(got) == before + 15 and len(set(got)) == len(got)  # nobody twice
        # the person checked: Yên Dũng did not get it, so it goes with --resend
        if (slow,) not in got:
            fixed = send(root, server, "--to", "units", "--units", "yen-dung", "--resend")
            assert fixed.returncode == 0, fixed.stderr
        got = [tuple(r.rcpt_tos) for r in server.received]
    assert len(got) == 18 and len(set(got)) == 18  # everyone once
    assert not list(period_dir(root).glob(".sent.json.*"))  # no half-written record


def test_a_rerun_of_the_report_keeps_the_sent_record(root: Path) -> None:
    with SmtpServer() as server:
        assert send(root, server, "--to", "federation").returncode == 0
    res = ptdv(root, "run", "--plan", PLAN, "--period", "2026-H1", "--units", "none",
               "--formats", "html")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "federation" in sent_record(root)


def test_a_report_that_failed_is_not_sent_and_send_says_why(root: Path) -> None:
    # the federation's report and Yên Dũng's fail in their notebooks, Việt Yên's does not:
    # the failed ones have no PDF (nor a page made before they failed), and send names them
    # with the error the run recorded, in one line each, and sends the rest
    import nbformat

    nb_path = root / "notebooks" / "03_report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    fail = 'if unit in (None, "yen-dung"):\n    raise RuntimeError("made to fail for the test")'
    nb.cells.insert(3, nbformat.v4.new_code_cell(fail))
    nbformat.write(nb, nb_path)
    res = ptdv(root, "run", "--plan", PLAN, "--period", "2026-H1", "--units", "yen-dung",
               "viet-yen")  # fmt: skip
    assert res.returncode == 1
    assert not (period_dir(root) / "tong-hop.pdf").exists()
    assert (period_dir(root) / "don-vi" / "viet-yen.pdf").is_file()
    res = send(
        root, None, "--to", "federation", "units", "--dry-run", PTDV_MAIL_FROM="x@example.org"
    )
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    why = "no report to send: it failed at the last `ptdv run` (RuntimeError: made to fail"
    assert f"  federation: {why} for the test)" in res.stderr
    assert f"  unit/yen-dung: {why} for the test)" in res.stderr
    assert "dry run: 1 message(s) written" in res.stdout
    (eml,) = (period_dir(root) / "outbox").glob("*.eml")
    assert "viet-yen" in eml.name


# --- reminders -----------------------------------------------------------------------------


def test_missing_units_get_a_reminder_with_their_blank_form(root: Path) -> None:
    with SmtpServer() as server:
        res = send(root, server, "--period", "2025-H1", "--to", "missing")
        got = list(server.received)
    assert res.returncode == 0, res.stderr
    assert "1 unit(s) sent no form for 2025-H1: LĐLĐ huyện Lục Ngạn" in res.stdout
    assert len(got) == 1 and got[0].rcpt_tos == ["luc-ngan@bac-giang.example.org"]
    msg = got[0].message
    assert subject(msg) == (
        "[SỐ LIỆU MINH HỌA] Đôn đốc gửi biểu báo cáo 6 tháng đầu năm 2025, hạn 05/06/2025 – "
        "LĐLĐ huyện Lục Ngạn"
    )
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "05/06/2025" in text and "quá hạn" in text  # today is long after the due date
    (form,) = list(msg.iter_attachments())
    assert form.get_filename() == "bieu-mau-2025-H1-luc-ngan.xlsx"
    wb = openpyxl.load_workbook(BytesIO(form.get_content()))
    cells = [str(c.value) for row in wb["Báo cáo"].iter_rows() for c in row if c.value]
    assert "LĐLĐ huyện Lục Ngạn" in cells
    assert any("2025-H1" in c for c in cells)
    assert "reminder/luc-ngan" in sent_record(root, "2025-H1")


def test_require_complete_stops_a_run_with_a_missing_form(root: Path) -> None:
    res = ptdv(root, "run", "--plan", PLAN, "--period", "2025-H1", "--require-complete")
    assert res.returncode == 2
    assert "2025-H1: LĐLĐ huyện Lục Ngạn" in res.stderr
    assert "Traceback" not in res.stderr
    assert not period_dir(root, "2025-H1").exists()


# --- before anything is sent ---------------------------------------------------------------


def test_dry_run_writes_eml_files_and_connects_to_nothing(root: Path) -> None:
    with SmtpServer() as server:
        res = send(root, None, "--dry-run", PTDV_MAIL_FROM="ban-to-chuc@bac-giang.example.org")
        assert server.received == []
    assert res.returncode == 0, res.stderr
    outbox = period_dir(root) / "outbox"
    files = sorted(p.name for p in outbox.iterdir())
    assert len(files) == 18 and files[0] == "01-federation.eml"
    assert not (period_dir(root) / "sent.json").exists()


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("run.json", '{"plan_id": "bac-giang', "cannot be read (Unterminated string"),
        ("run.json", "[]", "cannot be read (not a run record)"),
        ("progress.parquet", "PAR1 not a table", "cannot be read as a Parquet table (damaged?)"),
    ],
)
def test_a_damaged_run_record_stops_the_send_in_one_line(
    root: Path, name: str, text: str, why: str
) -> None:
    # what the reports are, which files go and the figures they show are read from the run's
    # record and its progress table: one that cannot be read stops the send before anything
    # is cleaned, built or sent, naming the file and the remedy
    (period_dir(root) / name).write_text(text, "utf-8")
    with SmtpServer() as server:
        res = send(root, server, "--to", "federation", "units", "missing")
        assert server.received == []
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: reports/{PLAN}/2026-H1/{name} {why}")
    assert line.endswith(f"run `ptdv run --plan {PLAN} --period 2026-H1` again to render the "
                         "reports and write it")  # fmt: skip
    assert "cleaning" not in res.stdout
    assert not (period_dir(root) / "sent.json").exists()


def test_a_damaged_units_table_is_cleaned_again_before_sending(root: Path) -> None:
    # data/processed is made from the raw tables: a units table that cannot be read is made
    # again, and the messages go as they would have
    units = root / "data" / "processed" / PLAN / "units.parquet"
    units.write_bytes(b"PAR1 damaged")
    res = send(root, None, "--to", "federation", "--dry-run", PTDV_MAIL_FROM="x@example.org")
    assert res.returncode == 0, res.stderr
    assert "dry run: 1 message(s) written" in res.stdout
    import pandas as pd

    assert len(pd.read_parquet(units)) == 17  # Bắc Giang's 17 units, cleaned again


def test_the_size_limit_is_checked_before_connecting(root: Path) -> None:
    with SmtpServer() as server:
        res = send(root, server, "--to", "federation", "--max-size", "0.1")
        assert server.received == []
    assert res.returncode == 2
    assert re.search(
        r"1 message\(s\) over the size limit of 0.1 MB: federation \(0\.\d MB\)", res.stderr
    )
    assert not (period_dir(root) / "sent.json").exists()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d[PLAN]["units"].update({"Huyện Yên Dũngg": {"to": ["a@example.org"]}}),
         "unknown unit 'Huyện Yên Dũngg'; did you mean 'LĐLĐ huyện Yên Dũng'?"),
        (lambda d: d[PLAN]["units"]["yen-dung"].update({"to": ["yen-dung@example"]}),
         "units.yen-dung.to[0]': 'yen-dung@example' is not a valid e-mail address"),
        (lambda d: d[PLAN]["units"].update({"LĐLĐ huyện Tân Yên": {"to": ["b@example.org"]}}),
         "units: unit 'tan-yen' is given twice (as 'LĐLĐ huyện Tân Yên' and as 'tan-yen')"),
        (lambda d: d[PLAN]["units"]["viet-yen"].update({"cc": ["viet-yen@bac-giang.example.org"]}),
         "units.viet-yen: address given twice: viet-yen@bac-giang.example.org"),
        (lambda d: d[PLAN]["units"].pop("son-dong"),
         "1 unit(s) have no 'to' address: LĐLĐ huyện Sơn Động (son-dong)"),
        (lambda d: d[PLAN]["units"]["luc-nam"].update({"bcc": ["x@example.org"]}),
         "unknown key 'bac-giang-2023-2028.units.luc-nam.bcc'"),
    ],
)  # fmt: skip
def test_a_bad_recipients_file_stops_before_anything_is_sent(root: Path, edit, expected) -> None:  # noqa: ANN001
    path = root / "config" / "recipients.example.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")  # keys sorted
    with SmtpServer() as server:
        res = send(root, server, "--to", "units")
        assert server.received == []
    assert res.returncode == 2, res.stderr
    assert expected in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_a_key_given_twice_in_the_recipients_file_is_refused(root: Path) -> None:
    path = root / "config" / "recipients.example.yaml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("    yen-dung:", "    tan-yen: {to: [c@example.org]}\n    yen-dung:")
    )
    res = send(root, None, "--dry-run", PTDV_MAIL_FROM="x@example.org")
    assert res.returncode == 2
    assert re.search(r"line \d+, column 5: YAML error: key 'tan-yen' is given twice", res.stderr)


def test_a_second_send_of_the_same_plan_is_refused_at_once(root: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from ptdv.base.lock import plan_lock\n"
         f"with plan_lock('{PLAN}', 'ptdv run --plan {PLAN}'):\n"
         "    print('held', flush=True); time.sleep(60)"],
        env={**os.environ, "PTDV_ROOT": str(root)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        res = send(root, None, "--dry-run", PTDV_MAIL_FROM="x@example.org")
        assert res.returncode == 3
        assert f"plan {PLAN} is busy: `ptdv run --plan {PLAN}` (pid {holder.pid}" in res.stderr
        assert not (period_dir(root) / "outbox").exists()
    finally:
        holder.kill()  # SIGKILL: the lock must not stay behind
        holder.wait()
    res = send(root, None, "--dry-run", PTDV_MAIL_FROM="x@example.org")
    assert res.returncode == 0, res.stderr


def test_latest_before_any_half_year_has_ended_is_refused(root: Path) -> None:
    res = ptdv(root, "run", "--plan", PLAN, "--period", "latest", "--today", "2024-05-31")
    assert res.returncode == 2
    assert "no half-year of its term has ended by 31/05/2024" in res.stderr
