"""What reaches a reader: text from inputs shows as text, never as markup, a formula or a path.

A scratch project holds the SYNTHETIC provincial table (tests/synthetic_province.py) with its
units renamed to hostile text: markup that would run a script, `&` and quotes, texts that a
spreadsheet takes for formulas, a Windows device name and a name of more than 255 bytes.
Its plan card's title carries a whole `<img onerror=...>` tag (unit names lose tags when
cleaned: `clean_name` strips markup copied from web pages). One real `ptdv run --send`
against an SMTP server on 127.0.0.1 (with a login whose password is random) serves the
checks of the HTML, PDF, Excel, e-mail and file names; the same run is grepped for the
password. Headless Chromium loads the HTML report once and must run no script.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import secrets
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pytest
import yaml
from pypdf import PdfReader

import smtp_server
import synthetic_province as sp
from conftest import write_xlsx
from helpers import REPO, run_ptdv
from ptdv.base.safety import (
    MAX_STEM_BYTES,
    csv_escape,
    csv_unescape,
    file_stem,
    guard_workbook,
    unique_stem,
)
from ptdv.tables.units import unit_key

PWN = "document.body.setAttribute('data-pwned','1')"
#: A whole tag: it survives in the plan card's title (YAML text is not cleaned).
TAG = f'<img src=x onerror="{PWN}">'
#: Unit names as the table gives them; each survives `clean_name` as it is.
XSS_UNIT = f'Đông <img src=x onerror="{PWN}"'  # no closing '>': markup removal keeps it
AMP_UNIT = "Tây & \"Bắc\" 'x' < 5"
FORMULA_UNIT = '=HYPERLINK("http://example.invalid/";"Thử")'
AT_UNIT = "@SUM(1) Nam"
DEVICE_UNIT = "CON"
LONG_UNIT = "Công đoàn ngành " + "Y tế và Dược phẩm Việt Nam " * 12  # > 255 bytes in UTF-8
#: In the table's order; the last unit has a zero target, so a finding names it in quality.csv.
HOSTILE = [LONG_UNIT.strip(), XSS_UNIT, AMP_UNIT, AT_UNIT, DEVICE_UNIT, FORMULA_UNIT]
TITLE = f'Kế hoạch {TAG} & "năm" 2026 — <script>alert(1)</script>'
ISSUER_SHORT = 'LĐLĐ <b>tỉnh</b> & "Thử"'
PERIOD = "to-2025-H2"
#: A unique password per test run: every file the run makes is grepped for it.
PASSWORD = "pw-" + secrets.token_urlsafe(18)
#: A cell added to the notebooks: what a kernel sees of the password.
ENV_CELL = 'import os\nprint("password in env:", os.environ.get("PTDV_SMTP_PASSWORD"))'


def _hostile_rows() -> list[list[object]]:
    rows = sp.rows()
    names = iter(HOSTILE)
    for row in rows:
        if len(row) > 2 and isinstance(row[0], int):
            row[1] = next(names)
            if row[1] == XSS_UNIT:  # 1,320 - 604 is 716: a warning that names the unit
                row[7] = 717
    return rows


@dataclass
class Run:
    root: Path
    dest: Path
    ids: dict[str, str]  # unit name -> unit id
    res: subprocess.CompletedProcess
    dry: subprocess.CompletedProcess
    mails: list[EmailMessage]
    wire: list[bytes]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("reader-safety") / "proj"
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    for name in ("01_clean.ipynb", "03_report.ipynb"):  # an analyst's debugging cell
        nb = nbformat.read(root / "notebooks" / name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(ENV_CELL))
        nbformat.write(nb, root / "notebooks" / name)
    plans = root / "config" / "plans"
    plans.mkdir(parents=True)
    card = (
        sp.card()
        .replace(
            "title: Kế hoạch phát triển đoàn viên, thành lập CĐCS năm 2026 (giả lập)",
            f"title: {json.dumps(TITLE, ensure_ascii=False)}",
        )
        .replace("issuer_short: LĐLĐ tỉnh Thử", f"issuer_short: {json.dumps(ISSUER_SHORT)}")
    )
    assert TITLE.split()[1] in card
    (plans / f"{sp.PLAN}.yaml").write_text(card, "utf-8")
    raw = write_xlsx(root / "data" / "raw" / sp.PLAN / sp.FILE, _hostile_rows(),
                     sheet=sp.SHEET, merged=sp.MERGED)  # fmt: skip
    wb = openpyxl.load_workbook(raw)
    guard_workbook(wb)  # the unit's table holds the text "=HYPERLINK(...)", not a formula
    wb.save(raw)
    ids = {n: unit_key(n) for n in HOSTILE}
    recipients = {
        sp.PLAN: {
            "federation": {"to": ["lanh-dao@thu.example.org"]},
            "units": {uid: {"to": [f"u{k}@thu.example.org"]} for k, uid in enumerate(ids.values())},
        }
    }
    rfile = root / "config" / "recipients.yaml"
    rfile.write_text(yaml.safe_dump(recipients, allow_unicode=True), "utf-8")
    old = smtp_server.PASSWORD
    smtp_server.PASSWORD = PASSWORD  # the server's login check reads it
    try:
        with smtp_server.SmtpServer() as server:
            env = server.env(PTDV_SMTP_PASSWORD=PASSWORD)
            res = run_ptdv(root, "run", "--plan", sp.PLAN, "--period", "to-date",
                           "--today", "2026-03-01", "--units", "all", "--send",
                           "--recipients", str(rfile), env=env)  # fmt: skip
            received = list(server.received)
    finally:
        smtp_server.PASSWORD = old
    assert res.returncode == 0, res.stdout + res.stderr
    dry = run_ptdv(root, "send", "--plan", sp.PLAN, "--period", PERIOD, "--dry-run",
                   "--resend", "--recipients", str(rfile),
                   env={"PTDV_MAIL_FROM": "ban-to-chuc@thu.example.org"})  # fmt: skip
    assert dry.returncode == 0, dry.stdout + dry.stderr
    return Run(
        root=root,
        dest=root / "reports" / sp.PLAN / PERIOD,
        ids=ids,
        res=res,
        dry=dry,
        mails=[r.message for r in received],
        wire=[r.data for r in received],
    )


# --- HTML: parsed, the input text is text ---------------------------------------------------


class _Page(HTMLParser):
    """Collect a page's elements (tag, attributes) and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def assert_only_text(page: str, *texts: str) -> _Page:
    """Assert that `texts` are in the page's text and that no element came from them."""
    p = parse(page)
    for t in texts:
        assert t in p.text, t
    made = [
        (tag, a)
        for tag, a in p.tags
        if tag == "script"
        or any(k.startswith("on") for k in a)
        or (tag == "img" and a.get("src") == "x")
    ]
    assert made == []
    return p


def test_html_reports_show_hostile_names_as_text(run: Run) -> None:
    page = (run.dest / "tong-hop.html").read_text("utf-8")
    p = assert_only_text(page, XSS_UNIT, AMP_UNIT, FORMULA_UNIT, TAG, "<script>alert(1)</script>",
                         ISSUER_SHORT)  # fmt: skip
    assert "&lt;b&gt;tỉnh&lt;/b&gt;" in page  # the issuer's <b> stays text
    assert "&lt;img src=x onerror=" in page
    assert XSS_UNIT in p.chunks  # the quality appendix's unit cell: the warning on its row
    title = next(t for t in p.chunks if ISSUER_SHORT in t)  # <title>, escaped by nbconvert
    assert title.startswith(ISSUER_SHORT)
    unit = (run.dest / "don-vi" / f"{run.ids[XSS_UNIT]}.html").read_text("utf-8")
    assert_only_text(unit, XSS_UNIT, TAG)
    amp = (run.dest / "don-vi" / f"{run.ids[AMP_UNIT]}.html").read_text("utf-8")
    assert_only_text(amp, AMP_UNIT)
    assert "Tây &amp; " in amp and "&lt; 5" in amp


def test_pdf_text_shows_hostile_names(run: Run) -> None:
    text = "\n".join(p.extract_text() for p in PdfReader(run.dest / "tong-hop.pdf").pages)
    flat = " ".join(text.split())
    for t in ("Đông <img src=x", AMP_UNIT, "=HYPERLINK(", "<script>alert(1)</script>"):
        assert t in flat, t


# --- chromium: no script runs ---------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"), reason="no chromium")
def test_headless_chromium_runs_no_script(run: Run, tmp_path: Path) -> None:
    browser = _chromium()
    assert browser, "chromium is not installed (.ci/run installs it)"
    for page in (run.dest / "tong-hop.html", run.dest / "don-vi" / f"{run.ids[XSS_UNIT]}.html"):
        argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
                "--dump-dom", page.as_uri()]  # fmt: skip
        try:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:  # an alert() left open holds a headless page
            pytest.fail(f"chromium did not finish {page.name} in 60 s: did a script open a dialog?")
        assert res.returncode == 0, res.stderr[-2000:]
        dom = parse(res.stdout)
        (body,) = [a for tag, a in dom.tags if tag == "body"]
        assert "data-pwned" not in body
        assert not [a for _tag, a in dom.tags if "data-pwned" in a]
        assert XSS_UNIT in dom.text and TAG in dom.text
        assert not [a for tag, a in dom.tags if tag in ("script", "iframe", "object", "embed")]
        assert not [a for tag, a in dom.tags if tag == "img" and a.get("src") == "x"]


def test_chart_svgs_hold_names_as_text(run: Run) -> None:
    import xml.etree.ElementTree as ET

    svgs = sorted((run.dest / "charts").rglob("*.svg"))
    assert svgs
    seen = 0
    for path in svgs:
        raw = path.read_text("utf-8")
        tree = ET.fromstring(raw)  # well-formed: the names did not break the XML
        for el in tree.iter():
            assert not el.tag.endswith(("script", "foreignObject")), path.name
            assert not [k for k in el.attrib if k.lower().startswith("on")], path.name
        seen += "Đông &lt;img src=x onerror=" in raw
    assert seen  # the pace charts name the units


# --- e-mail: text and HTML parts ------------------------------------------------------------


def _bodies(msg: EmailMessage) -> tuple[str, str]:
    return (
        msg.get_body(preferencelist=("plain",)).get_content(),
        msg.get_body(preferencelist=("html",)).get_content(),
    )


def test_mail_bodies_show_hostile_names_as_text(run: Run) -> None:
    by_to = {m["To"]: m for m in run.mails}
    fed = by_to["lanh-dao@thu.example.org"]
    text, page = _bodies(fed)
    assert ISSUER_SHORT in str(fed["Subject"]) or ISSUER_SHORT in text
    assert_only_text(page, ISSUER_SHORT)
    assert ISSUER_SHORT in text
    k = list(run.ids).index(XSS_UNIT)
    unit = by_to[f"u{k}@thu.example.org"]
    text, page = _bodies(unit)
    assert XSS_UNIT in text
    assert_only_text(page, XSS_UNIT)
    k = list(run.ids).index(AMP_UNIT)
    text, page = _bodies(by_to[f"u{k}@thu.example.org"])
    assert AMP_UNIT in text
    assert_only_text(page, AMP_UNIT)
    # the dry run's .eml files say the same
    emls = sorted((run.dest / "outbox").glob("*.eml"))
    assert len(emls) == len(run.mails)
    for path in emls:
        from email import message_from_bytes, policy

        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert_only_text(_bodies(msg)[1])


# --- spreadsheets: formulas stay text ---------------------------------------------------------


def _no_formula_xml(path: Path | bytes) -> None:
    src = io.BytesIO(path) if isinstance(path, bytes) else path
    with zipfile.ZipFile(src) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_excel_report_writes_formula_like_names_as_text(run: Run) -> None:
    path = run.dest / "tong-hop.xlsx"
    _no_formula_xml(path)
    wb = openpyxl.load_workbook(path)
    cells = {c.value: c for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    for name in (FORMULA_UNIT, AT_UNIT):
        cell = cells[name]
        assert cell.data_type == "s" and cell.quotePrefix, name
    assert cells[AMP_UNIT].data_type == "s" and not cells[AMP_UNIT].quotePrefix
    # the negative net of the table's fourth unit (-162) stays a number
    ws = wb.worksheets[0]
    nam = next(r for r in ws.iter_rows() if r[1].value == AT_UNIT)
    numbers = [c.value for c in nam if isinstance(c.value, int | float)]
    assert -162 in numbers
    assert next(c for c in nam if c.value == -162).data_type == "n"


def test_forms_write_formula_like_names_as_text(run: Run) -> None:
    res = run_ptdv(run.root, "template", "--plan", sp.PLAN, "--period", "2026-H1")
    assert res.returncode == 0, res.stderr
    folder = next(run.root.glob(f"reports/{sp.PLAN}/*/2026-H1"))
    form = folder / f"{run.ids[FORMULA_UNIT]}.xlsx"
    _no_formula_xml(form)
    wb = openpyxl.load_workbook(form)
    cell = next(c for row in wb.worksheets[0].iter_rows() for c in row if c.value == FORMULA_UNIT)
    assert cell.data_type == "s" and cell.quotePrefix
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{u}.xlsx" for u in run.ids.values())


def test_quality_csv_keeps_formulas_as_text(run: Run) -> None:
    raw = (run.root / "data" / "processed" / sp.PLAN / "quality.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw)))
    fields = [f for r in rows for f in r.values()]
    assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")]
    (zero,) = [r for r in rows if r["check"] == "zero_target"]
    assert zero["unit"] == "'" + FORMULA_UNIT  # OWASP: a spreadsheet shows it as text
    assert zero["row"] == "11"
    # ptdv reads it back as it was: the report's Excel quality sheet names the unit exactly
    wb = openpyxl.load_workbook(run.dest / "tong-hop.xlsx")
    quality = wb.worksheets[1]
    units = [r[4] for r in quality.iter_rows(min_row=2, values_only=True)]
    assert FORMULA_UNIT in units and "'" + FORMULA_UNIT not in units
    cell = next(c for r in quality.iter_rows(min_row=2) for c in r if c.value == FORMULA_UNIT)
    assert cell.data_type == "s" and cell.quotePrefix


def test_guard_workbook_keeps_numbers_and_plain_text() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    values = ["=1+2", "+84 912", "-3", "@SUM(A1)", "\tx", "\rx", "ok", -3, 2.5, "a=b"]
    for r, v in enumerate(values, start=1):
        ws.cell(row=r, column=1, value=v)
    assert ws["A1"].data_type == "f"  # what openpyxl would write: a formula
    assert guard_workbook(wb) == 6
    buf = io.BytesIO()
    wb.save(buf)
    _no_formula_xml(buf.getvalue())
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    got = [(c.value, c.data_type, bool(c.quotePrefix)) for c in back["A"]]
    assert got == [
        # (XML reads a carriage return back as a line feed)
        ("=1+2", "s", True), ("+84 912", "s", True), ("-3", "s", True),
        ("@SUM(A1)", "s", True), ("\tx", "s", True), ("\nx", "s", True), ("ok", "s", False),
        (-3, "n", False), (2.5, "n", False), ("a=b", "s", False),
    ]  # fmt: skip


def test_csv_escape_round_trip() -> None:
    values = ["=1+2", "-3", "'quoted", "''", "ok", "", None, 7, "@x", "+1"]
    escaped = [csv_escape(v) for v in values]
    assert escaped == ["'=1+2", "'-3", "''quoted", "'''", "ok", "", None, 7, "'@x", "'+1"]
    assert [csv_unescape(v) for v in escaped] == values


# --- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("LĐLĐ huyện Yên Dũng", "ldld-huyen-yen-dung"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", None),
        (".", None),
        ("/", None),
        ("a\\b\\..\\c", "a-b-c"),
        ("x\x00y", "x-y"),
        ("CON", "unit-con"),
        ("nul", "unit-nul"),
        ("COM1", "unit-com1"),
        ("lpt9", "unit-lpt9"),
        ("con-tay", "con-tay"),
        ("Đắk Lắk", "dak-lak"),
        # slugs already (unit ids), read without the long way: those it would change still are
        ("yen-dung-2", "yen-dung-2"),
        ("con", "unit-con"),
        ("yen--dung-", "yen-dung"),
        ("-yen-dung", "yen-dung"),
    ],
)
def test_file_stem_stays_in_its_folder(text: str, stem: str | None, tmp_path: Path) -> None:
    got = file_stem(text)
    if stem is not None:
        assert got == stem
    else:  # nothing to keep: a stem from the text's hash
        assert got.startswith("unit-") and len(got) == len("unit-") + 10
    assert got not in ("", ".", "..") and set(got) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    path = tmp_path / f"{got}.en.ipynb"
    path.write_text("x")
    assert path.parent == tmp_path and path.is_file()


def test_file_stem_cuts_long_names_apart() -> None:
    long_a = "Công đoàn ngành " + "Y tế " * 80 + "A"
    long_b = "Công đoàn ngành " + "Y tế " * 80 + "B"
    assert len(long_a.encode("utf-8")) > 255
    a, b = file_stem(long_a), file_stem(long_b)
    assert a != b and len(a) == len(b) == MAX_STEM_BYTES
    assert a.startswith("cong-doan-nganh-y-te-y-te-")
    assert file_stem(long_a) == a  # the same name, the same file
    slug = "y-te-" * 20 + "a"  # a slug, but too long: cut as any other text
    assert file_stem(slug) == f"{slug[:89].rstrip('-')}-" + file_stem(slug)[-10:]
    assert len(file_stem(slug)) <= MAX_STEM_BYTES and file_stem(slug) != file_stem(slug[:-1] + "b")
    assert unit_key(long_a) != unit_key(long_b) and len(unit_key(long_a)) <= MAX_STEM_BYTES


def test_unique_stem_never_reuses_a_name() -> None:
    taken: set[str] = set()
    got = [unique_stem(s, taken) for s in ["a", "a", "a-2", "a", "b"]]
    assert got == ["a", "a-2", "a-2-2", "a-3", "b"]
    assert len(set(got)) == len(got)


def test_unit_ids_never_collide(make_plan, card_text) -> None:  # noqa: ANN001 - fixtures
    """A repeated name gets -2; a later name whose own id is that gets another."""
    from ptdv.tables.clean import clean_plan

    cols = """\
- header: Kết nạp ĐV
  kind: target
  metric: members_admitted
  period: "2024"
"""
    rows = [
        ["TT", "Đơn vị", "Kết nạp ĐV"],
        [1, "LĐLĐ huyện Đông", "10"],
        [2, "LĐLĐ huyện Đông", "20"],
        [3, "LĐLĐ huyện Đông 2", "30"],
        [4, "★ ★", "40"],
        [5, "../..", "50"],
    ]
    card = make_plan("thu-ten", card_text("thu-ten", file="bang.txt", columns=cols),
                     {"bang.txt": rows})  # fmt: skip
    result = clean_plan(card)
    ids = result.units["unit_id"].tolist()
    assert ids[:3] == ["dong", "dong-2", "dong-2-2"]  # was dong, dong-2, dong-2
    assert ids[3] == file_stem("★ ★") and ids[3].startswith("unit-")
    assert ids[4] == file_stem("../..") and ids[4].startswith("unit-") and ids[3] != ids[4]
    assert len(set(ids)) == len(ids)
    t = result.targets.set_index("unit_id")["value"]
    assert [t[i] for i in ids[:3]] == [10, 20, 30]


def test_unit_files_are_named_safely(run: Run) -> None:
    units = run.dest / "don-vi"
    assert sorted(p.name for p in units.glob("*.html")) == sorted(
        f"{u}.html" for u in run.ids.values()
    )
    assert run.ids[DEVICE_UNIT] == "unit-con"
    assert len(run.ids[LONG_UNIT.strip()]) <= MAX_STEM_BYTES
    for p in run.root.rglob("*"):
        assert len(p.name.encode("utf-8")) <= 255
        assert p.resolve().is_relative_to(run.root.resolve())
    names = [a.get_filename() for m in run.mails for a in m.iter_attachments()]
    assert names and all(n and "/" not in n and "\\" not in n and len(n) <= 255 for n in names)


# --- secrets ----------------------------------------------------------------------------------


def test_the_password_reaches_no_file_and_no_output(run: Run) -> None:
    needles = [PASSWORD.encode(), base64.b64encode(PASSWORD.encode())]
    assert PASSWORD not in run.res.stdout + run.res.stderr + run.dry.stdout + run.dry.stderr
    leaks = []
    files = [p for p in run.root.rglob("*") if p.is_file()]
    assert any(p.name == "sent.json" for p in files) and any(p.suffix == ".log" for p in files)
    for p in files:
        data = p.read_bytes()
        leaks += [str(p) for n in needles if n in data]
    assert leaks == []
    # the notebooks' kernels (the main one and the workers') never had it
    executed = [
        run.root / "data" / "processed" / sp.PLAN / "01_clean.ipynb",
        run.dest / "tong-hop.ipynb",
        *sorted((run.dest / "don-vi").glob("*.ipynb")),
    ]
    assert len(executed) == 2 + len(run.ids)
    for path in executed:
        assert "password in env: None" in path.read_text("utf-8"), path.name
    # it was used: the server checks the login against it (and refuses any other), and the
    # messages themselves do not carry it
    assert all(PASSWORD.encode() not in w for w in run.wire)
    assert len(run.mails) == 1 + len(run.ids)
