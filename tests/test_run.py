"""`ptdv run` end to end: the reports as users get them (HTML, PDF, Excel, run.json)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from helpers import project_copy, run_ptdv, tiny_notebook
from ptdv.base.errors import ConfigError
from ptdv.report import render


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def tld(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_copy(tmp_path_factory.mktemp("tld"))
    res = run_ptdv(root, "run", "--plan", "tld-2021-2023", "--period", "2021-H1",
               "--units", "bac-kan", "hai-phong-2")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "3 of 3 report(s) written" in res.stdout
    return root / "reports" / "tld-2021-2023" / "2021-H1"


@pytest.fixture(scope="module")
def bg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_copy(tmp_path_factory.mktemp("bg"))
    # the worker count set explicitly (the default is one per core: this machine's count)
    res = run_ptdv(root, "run", "--plan", "bac-giang-2023-2028", "--period", "2026-H1",
               "--jobs", "2", "--svg-all")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "[3/3] 18 report(s) in 2 worker(s) ..." in res.stdout
    return root / "reports" / "bac-giang-2023-2028" / "2026-H1"


# --- HTML ---------------------------------------------------------------------------------


def test_html_is_self_contained_and_shows_the_figures(tld: Path) -> None:
    page = (tld / "tong-hop.html").read_text("utf-8")
    assert render.external_references(page) == []
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page  # no require.js, MathJax or widgets
    assert "1.487.307" in page and "9,86%" in page and "146.630" in page
    assert "Hải Phòng" in page and "Bắc Kạn" in page
    assert "import " not in page  # no code cells
    assert page.count('src="data:image/png;base64,') == 3  # pace, cumulative, spread


def test_unit_html_shows_its_own_figures(tld: Path) -> None:
    page = (tld / "don-vi" / "bac-kan.html").read_text("utf-8")
    assert render.external_references(page) == []
    assert "Đơn vị: Bắc Kạn" in page
    assert "-65" in page and "xếp thứ 44/57" in page


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_text_keeps_the_diacritics(tld: Path) -> None:
    text = pdf_text(tld / "tong-hop.pdf")
    assert "Phát triển đoàn viên" in text
    assert "Hải Phòng" in text and "Thừa Thiên-Huế" in text
    assert "1.487.307" in text
    assert len(PdfReader(tld / "tong-hop.pdf").pages) >= 3


#: What each unit's PDF must show, from its row of the TLĐ table (members_net, 2021-H1):
#: Bắc Kạn -65 of a term target of 2,400; Hải Phòng's second row (TT 27) 9,802 of 66,900.
#: Derived by hand: the half-year's target is a sixth of the term's (pro rata, 6 halves),
#: the share a negative figure reaches is 0, "needed" is (term - cumulative) / 5 halves
#: left, the forecast is 6 x the cumulative; the ranks are those of test_progress.
UNIT_PDF_LINES = {
    "bac-kan": [
        "Đơn vị: Bắc Kạn",
        "Chỉ tiêu kỳ 400",  # 2,400 / 6
        "Thực hiện kỳ -65",
        "Chỉ tiêu nhiệm kỳ 2.400",
        "Lũy kế -65",
        "% nhiệm kỳ 0,00%",
        "Chênh lệch -465",  # -65 - 400
        "Cần mỗi 6 tháng còn lại 493",  # (2,400 + 65) / 5 = 493
        "Dự báo cuối nhiệm kỳ -390",  # -65 x 6
        "Xếp hạng xếp thứ 44/57 đơn vị có chỉ tiêu",
        "4 Bắc Kạn 400 -65 0,00% 2.400 -65 0,00% Chậm tiến độ 493 44",
    ],
    "hai-phong-2": [
        "Đơn vị: Hải Phòng",
        "Chỉ tiêu kỳ 11.150",  # 66,900 / 6
        "Thực hiện kỳ 9.802",
        "% kỳ 87,91%",  # 9,802 / 11,150
        "Chỉ tiêu nhiệm kỳ 66.900",
        "Lũy kế 9.802",
        "% nhiệm kỳ 14,65%",  # 9,802 / 66,900
        "Chênh lệch -1.348",  # 9,802 - 11,150
        "Cần mỗi 6 tháng còn lại 11.420",  # (66,900 - 9,802) / 5 = 11,419.6
        "Dự báo cuối nhiệm kỳ 58.812",  # 9,802 x 6
        "Xếp hạng xếp thứ 6/57 đơn vị có chỉ tiêu",
        "27 Hải Phòng 11.150 9.802 87,91% 66.900 9.802 14,65% Chậm tiến độ 11.420 6",
    ],
}
#: The federation's row, which every unit's table ends with.
FEDERATION_PDF_LINE = "Tổng cộng (TLĐ) 247.884 146.630 59,15% 1.487.307 146.630 9,86% Chậm tiến độ"


def test_unit_pdfs_show_the_units_own_name_and_figures(tld: Path) -> None:
    for unit, expected in UNIT_PDF_LINES.items():
        text = pdf_text(tld / "don-vi" / f"{unit}.pdf")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        assert "Phát triển đoàn viên, thành lập công đoàn cơ sở" in lines
        missing = [line for line in expected if line not in lines]
        assert missing == [], unit
        assert any(line.startswith(FEDERATION_PDF_LINE) for line in lines), unit
        assert f"Tham số: plan_id='tld-2021-2023', period='2021-H1', unit='{unit}', lang='vi'" in (
            lines
        )
    # each report holds its own unit only: not the other Hải Phòng row's 14,020, nor Bắc Kạn
    hai_phong_2 = pdf_text(tld / "don-vi" / "hai-phong-2.pdf")
    assert "14.020" not in hai_phong_2 and "Bắc Kạn" not in hai_phong_2
    assert "Hải Phòng" not in pdf_text(tld / "don-vi" / "bac-kan.pdf")


def test_unit_pdf_pages_are_not_left_nearly_empty(tld: Path) -> None:
    # the pace chart of 57 units is a page tall: at its full height it left the page before
    # it with one line of notes; in print it shrinks a little and shares that page
    for unit in ("bac-kan", "hai-phong-2"):
        pages = PdfReader(tld / "don-vi" / f"{unit}.pdf").pages
        assert len(pages) == 4, unit
        for n, page in enumerate(pages[:-1], start=1):  # the last page ends where it ends
            lines = page.extract_text().splitlines()
            assert len(page.images) > 0 or len(lines) > 20, (unit, n, lines)
        assert "Cách tính chỉ tiêu kỳ" in pages[1].extract_text() and len(pages[1].images) > 0


# --- Excel --------------------------------------------------------------------------------


def test_xlsx_holds_the_progress_numbers(tld: Path) -> None:
    root = tld.parents[2]
    prog = pd.read_parquet(root / "data/processed/tld-2021-2023/progress_2021-H1.parquet")
    ws = openpyxl.load_workbook(tld / "tong-hop.xlsx").worksheets[0]
    found = {}
    for row in ws.iter_rows(values_only=True):
        if row[1] in ("An Giang", "Bình Phước", "Bắc Kạn"):
            found[row[1]] = row
    assert set(found) == {"An Giang", "Bình Phước", "Bắc Kạn"}
    for name, cells in found.items():
        r = prog[(prog["unit_name"] == name) & (prog["metric"] == "members_net")].iloc[0]
        numbers = [c for c in cells if isinstance(c, int | float)]
        assert r["cum_actual"] in numbers and r["term_target"] in numbers
        assert any(abs(c - r["cum_pct"]) < 1e-9 for c in numbers)


# --- run.json and the files around the reports ------------------------------------------


def test_run_json_lists_outputs_hashes_and_times(tld: Path) -> None:
    record = json.loads((tld / "run.json").read_text("utf-8"))
    assert record["status"] == "ok" and record["failures"] == []
    assert record["plan_id"] == "tld-2021-2023" and record["period"] == "2021-H1"
    assert set(record["seconds"]) >= {"clean", "progress", "reports", "total"}
    assert [r["unit_id"] for r in record["reports"]] == [None, "bac-kan", "hai-phong-2"]
    assert all(r["status"] == "ok" and r["seconds"]["execute"] > 0 for r in record["reports"])
    for out in record["outputs"]:
        data = (tld / out["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == out["sha256"]
    paths_out = {o["path"] for o in record["outputs"]}
    assert {"tong-hop.html", "tong-hop.pdf", "tong-hop.xlsx", "tong-hop.ipynb"} <= paths_out
    assert {"charts/members_net-pace.png", "charts/members_net-pace.svg"} <= paths_out
    # a unit's charts are PNG files, and SVG too only with --svg-all (see the Bắc Giang run)
    unit_charts = {p.removeprefix("charts/don-vi/") for p in paths_out if "/don-vi/" in p}
    assert unit_charts == {
        f"{unit}-members_net-{chart}.png"
        for unit in ("bac-kan", "hai-phong-2")
        for chart in ("pace", "cumulative")
    }
    inputs = {i["path"] for i in record["inputs"]}
    assert "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx" in inputs


def test_executed_notebook_is_kept_for_audit(tld: Path) -> None:
    nb = nbformat.read(tld / "don-vi" / "bac-kan.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "bac-kan" in injected[0].source


def test_every_bac_giang_unit_gets_a_report(bg: Path) -> None:
    htmls = sorted(p.stem for p in (bg / "don-vi").glob("*.html"))
    pdfs = sorted(p.stem for p in (bg / "don-vi").glob("*.pdf"))
    assert len(htmls) == 17 and htmls == pdfs
    # --svg-all: each unit's four charts (two metrics, pace and cumulative) in both formats
    charts = bg / "charts" / "don-vi"
    pngs = sorted(p.stem for p in charts.glob("*.png"))
    assert len(pngs) == 17 * 4 and pngs == sorted(p.stem for p in charts.glob("*.svg"))
    record = json.loads((bg / "run.json").read_text("utf-8"))
    assert record["status"] == "ok" and len(record["reports"]) == 18
    assert record["demo"] is True and record["workers"] == 2
    for p in [bg / "tong-hop.html", *(bg / "don-vi").glob("*.html")]:
        page = p.read_text("utf-8")
        assert "SỐ LIỆU MINH HỌA" in page
        assert render.external_references(page) == []
    city = (bg / "don-vi" / "bac-giang.html").read_text("utf-8")
    assert "1.184" in city and "LĐLĐ thành phố Bắc Giang" in city


def test_rerun_replaces_the_folder(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    args = ("run", "--plan", "tld-2021-2023", "--period", "2021-H1", "--formats", "html")
    assert run_ptdv(root, *args, "--units", "bac-kan").returncode == 0
    dest = root / "reports/tld-2021-2023/2021-H1"
    assert (dest / "don-vi" / "bac-kan.html").is_file()
    assert run_ptdv(root, *args, "--units", "none").returncode == 0
    assert not (dest / "don-vi").exists()  # the new run's folder replaced the old one whole
    assert (dest / "tong-hop.html").is_file() and not (dest / "tong-hop.pdf").exists()
    assert [p.name for p in dest.parent.iterdir()] == ["2021-H1"]  # no staging left


# --- failures -----------------------------------------------------------------------------


def test_a_failing_unit_leaves_the_others_complete(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    nb_path = root / "notebooks" / "03_report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(
        3,
        nbformat.v4.new_code_cell(
            'if unit == "yen-dung":\n    raise RuntimeError("made to fail for the test")'
        ),
    )
    nbformat.write(nb, nb_path)
    res = run_ptdv(root, "run", "--plan", "bac-giang-2023-2028", "--period", "2026-H1",
               "--units", "yen-dung", "viet-yen", "--formats", "html")  # fmt: skip
    assert res.returncode == 1
    assert "LĐLĐ huyện Yên Dũng: RuntimeError: made to fail for the test" in res.stderr
    assert "Traceback" not in res.stderr
    dest = root / "reports/bac-giang-2023-2028/2026-H1"
    assert (dest / "tong-hop.html").is_file()
    assert (dest / "don-vi" / "viet-yen.html").is_file()
    assert not (dest / "don-vi" / "yen-dung.html").exists()
    kept = nbformat.read(dest / "don-vi" / "yen-dung.ipynb", as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors and errors[0]["evalue"] == "made to fail for the test"
    record = json.loads((dest / "run.json").read_text("utf-8"))
    assert record["status"] == "failed"
    assert [f["unit_id"] for f in record["failures"]] == ["yen-dung"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--peroid", "2021-H1"), "required: --period"),
        (("--period", "2021-H1", "--unit", "bac-kan", "--lnag", "vi"), "unrecognized arguments"),
        (("--period", "2021-H7"), "valid: 2021-H1, 2021-H2"),
        (("--period", "2021-H1", "--formats", "html,docx"), "unknown format(s) docx"),
        (("--period", "2021-H1", "--lang", "fr"), "invalid choice: 'fr'"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "run", "--plan", "tld-2021-2023", *args)
    assert res.returncode == 2
    assert expected in res.stderr
    assert "[1/3]" not in res.stdout  # refused before the first step (and its kernel)
    assert not (root / "data" / "processed").exists()  # nothing ran, nothing written
    assert not (root / "reports").exists()


def test_unknown_unit_lists_the_valid_ones(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "run", "--plan", "bac-giang-2023-2028", "--period", "2026-H1",
               "--units", "Yen Dunx")  # fmt: skip
    assert res.returncode == 2
    assert "no unit 'Yen Dunx'" in res.stderr and "yen-dung (LĐLĐ huyện Yên Dũng)" in res.stderr
    # no report folder; only the run's log, which records the refusal
    assert [p.name for p in (root / "reports").iterdir()] == ["logs"]
    log = (root / "reports" / "logs" / "last-run.log").read_text("utf-8")
    assert "no unit 'Yen Dunx'" in log and "exit code 2" in log


def test_misspelt_notebook_parameter_is_refused_before_a_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    import papermill

    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    with pytest.raises(ConfigError) as err:
        render.execute_notebook(
            "03_report.ipynb",
            {"plan_id": "tld-2021-2023", "period": "2021-H1", "unti": "bac-kan"},
            tmp_path / "out.ipynb",
        )
    assert "unknown parameter(s) unti" in str(err.value)
    assert "plan_id, period, unit, lang, charts_dir" in str(err.value)


def test_a_line_printed_in_pieces_stays_one_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel sends stdout when its 0.2 s flush timer fires: a line written in two parts
    # with a pause between them (what a busy machine does to `print("a:", x)`) arrives as two
    # messages. The executed notebook keeps it as one output, as it was printed.
    split = "import sys, time\nprint('sent to:', end='')\ntime.sleep(0.6)\nprint(' 18 units')"
    err = "print('no', end='', file=sys.stderr)\ntime.sleep(0.6)\nprint('te', file=sys.stderr)"
    tiny_notebook(tmp_path, "pieces.ipynb", "plan_id", split, err)
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    out = render.execute_notebook("pieces.ipynb", {"plan_id": "x"}, tmp_path / "out.ipynb")
    cells = nbformat.read(out, as_version=4).cells
    assert cells[2].outputs == [
        nbformat.v4.new_output("stream", name="stdout", text="sent to: 18 units\n")
    ]
    assert cells[3].outputs == [nbformat.v4.new_output("stream", name="stderr", text="note\n")]


def test_a_kernel_keeps_one_ready_client_from_notebook_to_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nbclient asks for a new client for every notebook, and a new client is ready only once
    # the kernel's output has been quiet for 0.2 s. A run's (or a worker's) kernel hands out
    # one client, kept ready: three notebooks wait for it once, and each cell keeps its own
    # outputs. A kernel that died is replaced, with a client of its own.
    from jupyter_core.utils import run_sync

    from ptdv.report import kernel as kernels

    waits: list[int] = []
    real_wait = kernels._handshake

    async def counted(kc: object, timeout: float | None = None) -> None:
        waits.append(1)
        await real_wait(kc, timeout)

    monkeypatch.setattr(kernels, "_handshake", counted)
    tiny_notebook(tmp_path, "steps.ipynb", "plan_id", "print('plan', plan_id)", "plan_id * 2")
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))

    def run(plan: str) -> list:
        out = tmp_path / f"{plan}.ipynb"
        render.execute_notebook("steps.ipynb", {"plan_id": plan}, out, km=kernels.worker_kernel())
        return [c.outputs for c in nbformat.read(out, as_version=4).cells[2:]]

    try:
        for plan in ("a", "bb", "ccc"):
            printed, shown = run(plan)
            line = nbformat.v4.new_output("stream", name="stdout", text=f"plan {plan}\n")
            assert printed == [line]
            assert shown[0]["data"]["text/plain"] == repr(plan * 2)
        km = kernels.worker_kernel()
        assert km.client() is km.client()
        assert len(waits) == 1
        run_sync(km.shutdown_kernel)(now=True)  # as if the kernel had died
        assert run("d")[0][0]["text"] == "plan d\n"
        assert kernels.worker_kernel() is not km and len(waits) == 2
    finally:
        kernels.stop_kernel()


def test_a_step_kernel_imports_what_its_notebook_needs_before_the_first_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `ptdv clean` and `ptdv progress` launch their kernel first and have it import what the
    # step's notebook imports, while papermill loads here: the first cell finds the modules
    # loaded, and its outputs are its own (the import said nothing, and is not a cell)
    from ptdv.report import kernel as kernels

    modules = "('ptdv.progress', 'ptdv.tables.clean')"
    check = f"import sys\nprint(sorted(m for m in {modules} if m in sys.modules))"
    tiny_notebook(tmp_path, "first.ipynb", "plan_id", check)
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    kernel = kernels.kernel_started("progress")
    try:
        out = tmp_path / "out.ipynb"
        render.execute_notebook("first.ipynb", {"plan_id": "x"}, out, km=kernel.km())
        cells = nbformat.read(out, as_version=4).cells
        assert [c.execution_count for c in cells] == [1, 2, 3]
        assert cells[2].outputs == [
            nbformat.v4.new_output("stream", name="stdout", text="['ptdv.progress']\n")
        ]
    finally:
        kernel.stop()


def test_each_step_notebook_starts_with_an_empty_namespace_in_the_run_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a run's steps share one kernel: what one notebook left (a national table's cleaned
    # frames) is dropped before the next, which sees only its own names, as it would alone;
    # the modules imported stay imported
    from ptdv.report import kernel as kernels

    tiny_notebook(tmp_path, "first.ipynb", "plan_id", "import colorsys\nleft = [0] * 1000")
    seen = "import sys\nprint(sorted(n for n in ('left', 'plan_id') if n in globals()))"
    tiny_notebook(tmp_path, "second.ipynb", "plan_id", seen, "print('colorsys' in sys.modules)")
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    kernel = kernels.kernel_started()
    try:
        for name in ("first.ipynb", "second.ipynb"):
            render.execute_notebook(
                name, {"plan_id": "x"}, tmp_path / f"out-{name}", km=kernel.km()
            )
        cells = nbformat.read(tmp_path / "out-second.ipynb", as_version=4).cells
        assert [c.outputs[0]["text"] for c in cells[2:]] == ["['plan_id']\n", "True\n"]
    finally:
        kernel.stop()


class _Channel:
    """A kernel client's channel that hands out a script of messages (None: silence)."""

    def __init__(self, script: list) -> None:
        self.script = script
        self.waits: list[float] = []

    async def get_msg(self, timeout: float) -> dict:
        from queue import Empty

        self.waits.append(timeout)
        if not self.script or self.script[0] is None:
            if self.script:
                self.script.pop(0)
            raise Empty
        return self.script.pop(0)


def _msg(msg_type: str, parent: str, **content: str) -> dict:
    return {"msg_type": msg_type, "parent_header": {"msg_id": parent}, "content": content}


def test_a_kernel_is_ready_at_the_idle_of_the_kernel_info_it_answered() -> None:
    # The handshake asks kernel_info until answered, then reads the output channel up to the
    # kernel's idle status for that very request: a status for another request, or output,
    # does not end it. A silent output channel (not connected yet) means asking again, and
    # waiting twice as long for it each time.
    from jupyter_core.utils import run_sync

    from ptdv.report import kernel as kernels

    class Client:
        def __init__(self, shell: list, iopub: list) -> None:
            self.shell_channel, self.iopub_channel = _Channel(shell), _Channel(iopub)
            self.asked: list[str] = []
            self.handled: list[dict] = []

        def kernel_info(self) -> str:
            self.asked.append(f"k{len(self.asked) + 1}")
            return self.asked[-1]

        def _handle_kernel_info_reply(self, msg: dict) -> None:
            self.handled.append(msg)

        async def _async_is_alive(self) -> bool:
            return True

    reply1, reply2 = _msg("kernel_info_reply", "k1"), _msg("kernel_info_reply", "k2")
    kc = Client(
        shell=[reply1, reply2],
        iopub=[
            None,  # k1: the channel is not connected yet, its status is lost
            _msg("status", "k1", execution_state="idle"),  # late, and not k2's
            _msg("stream", "k2", name="stdout", text="x"),
            _msg("status", "k2", execution_state="busy"),
            _msg("status", "k2", execution_state="idle"),
            _msg("status", "k3", execution_state="idle"),  # left for nbclient to skip
        ],
    )
    run_sync(kernels._handshake)(kc, 5)
    assert kc.asked == ["k1", "k2"] and kc.handled == [reply2]
    first, longest = kernels._IOPUB_WAIT
    assert kc.iopub_channel.waits == [first] + [2 * first] * 4
    assert len(kc.iopub_channel.script) == 1

    # an answer to a request this handshake did not make (a warm-up's) is not its answer
    stale = _msg("kernel_info_reply", "earlier")
    kc = Client(shell=[stale, reply2], iopub=[_msg("status", "k2", execution_state="idle")])
    run_sync(kernels._handshake)(kc, 5)
    assert kc.handled == [reply2]

    # never connected: the waits grow to the longest, and the deadline ends it
    kc = Client(shell=[reply1] * 12, iopub=[None] * 12)
    with pytest.raises(RuntimeError, match="didn't respond"):
        run_sync(kernels._handshake)(kc, 0.05)
    assert kc.iopub_channel.waits == [min(first * 2**i, longest) for i in range(12)]
    assert kc.iopub_channel.waits[-1] == longest


def test_a_full_disk_in_a_notebook_is_one_line_naming_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the kernel's staged writes say which folder was full and that nothing was replaced;
    # any other write a cell makes on a full disk is named by the notebook
    from ptdv.base.atomic import NoSpaceError

    cell = (
        "import errno, os\n"
        "from ptdv.base.atomic import raise_if_no_space\n"
        "full = OSError(errno.ENOSPC, 'Error writing bytes to file. Detail: [errno 28]')\n"
        "if where == 'staged':\n"
        "    raise_if_no_space(full, 'data/processed/x/', 'nothing replaced')\n"
        "raise full"
    )
    tiny_notebook(tmp_path, "full.ipynb", "where", cell)
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    with pytest.raises(NoSpaceError) as staged:
        render.execute_notebook("full.ipynb", {"where": "staged"}, tmp_path / "a.ipynb")
    assert str(staged.value) == (
        "no space left on the disk writing data/processed/x/ ([Errno 28] No space left on "
        "device): nothing replaced"
    )
    with pytest.raises(NoSpaceError) as raw:
        render.execute_notebook("full.ipynb", {"where": "cell"}, tmp_path / "b.ipynb")
    assert str(raw.value) == (
        "no space left on the disk writing the files of full.ipynb ([Errno 28] No space left "
        "on device): the step is not recorded as done and runs again next time"
    )


def test_a_run_says_when_its_pdf_fonts_are_subset_the_slow_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset0 is installed (.ci/run
    # and the README's list install it), else with fontTools, 0.4-0.5 s slower a PDF, and its
    # own warning is kept out of ptdv's output: a run rendering PDFs says so in one line
    import weasyprint.text.ffi

    from ptdv import cli

    assert render.pdf_font_subsetter() == "harfbuzz", "install libharfbuzz-subset0"
    monkeypatch.setattr(weasyprint.text.ffi, "harfbuzz_subset", None)
    assert render.pdf_font_subsetter() == "fonttools"
    root = project_copy(tmp_path)
    monkeypatch.setenv("PTDV_ROOT", str(root))
    args = ["run", "--plan", "bac-giang-2023-2028", "--period", "2026-H1", "--units", "none"]
    assert cli.main([*args, "--formats", "html"]) == 0
    assert "libharfbuzz-subset0" not in capsys.readouterr().out  # no PDF, nothing to say
    monkeypatch.setenv("PTDV_LANG", "vi")  # what ptdv says, in Vietnamese
    assert cli.main([*args, "--formats", "pdf"]) == 0
    out = capsys.readouterr().out
    assert out.count("thiếu libharfbuzz-subset0 (HarfBuzz 4.1 trở lên)") == 1
    pdf = root / "reports" / "bac-giang-2023-2028" / "2026-H1" / "tong-hop.pdf"
    assert "61.392" in pdf_text(pdf)


def test_a_kernel_stopped_as_soon_as_it_started_leaves_no_thread_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a command refused right after launching its kernel stops it at once; the kept client
    # starts no heartbeat thread, whose socket was then made in a closed context ("Too many
    # open files" in a thread, 4 to 5 times in 6 such cycles before)
    import threading

    from ptdv.report import kernel as kernels

    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    failed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failed.append(args.exc_value))
    for _ in range(6):
        kernel = kernels.kernel_started("progress")
        kc = kernels.WORKER["km"].kept
        assert kc.channels_running and kc._hb_channel is None
        kernel.stop()
    assert failed == [] and "km" not in kernels.WORKER


def test_a_stopped_kernel_is_waited_for_in_milliseconds_not_tenths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jupyter_client asks whether a killed kernel has gone every 0.1 s; every command ended
    # with that wait (0.1-0.2 s). The process must be gone after, and asked about often.
    import asyncio
    import sys

    import psutil
    from jupyter_client import manager

    from ptdv.report import kernel as kernels

    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    naps: list[float] = []
    sleep = asyncio.sleep

    async def nap(delay: float, *args: object) -> object:
        if sys._getframe(1).f_code.co_name == "_async_wait":  # the wait for the process
            naps.append(delay)
        return await sleep(delay, *args)

    kernel = kernels.kernel_started("progress")
    pid = kernels.WORKER["km"].provisioner.pid
    monkeypatch.setattr(manager.asyncio, "sleep", nap)  # what jupyter_client waits with
    kernel.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert naps and max(naps) <= 0.005


def test_a_report_rendered_alone_draws_its_pace_chart_on_the_other_core(tmp_path: Path) -> None:
    # with a core to spare (--jobs 2) the lone report's kernel has its pace chart drawn in a
    # process of its own; with one (--jobs 1) it draws it itself. The same report either way.
    root = project_copy(tmp_path)
    args = ("run", "--plan", "tld-2021-2023", "--period", "2021-H1", "--units", "none",
            "--formats", "html,xlsx", "--force")  # fmt: skip
    dest = root / "reports" / "tld-2021-2023" / "2021-H1"
    made = {}
    for jobs in ("1", "2"):
        res = run_ptdv(root, *args, "--jobs", jobs)
        assert res.returncode == 0
        assert res.stderr == ""  # nor a warning of the warm-up's (render.warm_up)
        nb = nbformat.read(dest / "tong-hop.ipynb", as_version=4)
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert ("draw_ahead = True" in injected.source) == (jobs == "2")
        page = (dest / "tong-hop.html").read_text("utf-8")
        charts = {p.name: p.read_bytes() for p in (dest / "charts").iterdir()}
        sheet = openpyxl.load_workbook(dest / "tong-hop.xlsx").worksheets[2]  # provenance
        shown = [r for r in sheet.iter_rows(values_only=True) if str(r[0]).startswith("Tham số")]
        made[jobs] = (re.findall(r'src="data:image/png;base64,([^"]*)"', page), charts, shown)
    assert len(made["1"][0]) == 3 and sorted(made["1"][1]) == [
        f"members_net-{c}.{f}" for c in ("cumulative", "pace", "spread") for f in ("png", "svg")
    ]
    assert [r[0] for r in made["1"][2]] == [  # what is shown, not how it was drawn
        f"Tham số › {p}" for p in ("Mã kế hoạch", "Kỳ báo cáo", "Đơn vị nhận", "Ngôn ngữ")
    ]
    assert made["1"] == made["2"]  # the same images, in the same order, the same parameters


def test_the_federation_table_is_written_while_its_notebook_runs_and_dropped_if_it_fails(
    tmp_path: Path,
) -> None:
    # the notebook waits until the Excel table is in the staging folder, then fails: the
    # table was written meanwhile (on a thread of the command), and a failed report keeps
    # its notebook but no table
    root = project_copy(tmp_path)
    nb_path = root / "notebooks" / "03_report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    wait = (
        "import time\n"
        'table = Path(charts_dir).parent / "tong-hop.xlsx"\n'
        "for _ in range(600):\n"
        "    if table.is_file():\n"
        "        break\n"
        "    time.sleep(0.1)\n"
        'raise RuntimeError(f"made to fail, the table written: {table.is_file()}")'
    )
    nb.cells.insert(3, nbformat.v4.new_code_cell(wait))
    nbformat.write(nb, nb_path)
    res = run_ptdv(root, "run", "--plan", "tld-2021-2023", "--period", "2021-H1",
                   "--units", "none", "--formats", "html,xlsx")  # fmt: skip
    assert res.returncode == 1
    assert "RuntimeError: made to fail, the table written: True" in res.stderr
    dest = root / "reports" / "tld-2021-2023" / "2021-H1"
    assert (dest / "tong-hop.ipynb").is_file()
    assert not (dest / "tong-hop.xlsx").exists() and not (dest / "tong-hop.html").exists()


def test_the_kernel_that_will_render_imports_the_report_modules_before_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the kernel that cleans renders the reports itself when they are one, or with --jobs 1:
    # it imports what they need in the pause after cleaning (its request queued ahead of
    # progress's), not at the report's first cell. A batch's kernel stops after progress (its
    # workers render): it imports nothing of the report's.
    from ptdv import pipeline

    root = project_copy(tmp_path)
    monkeypatch.setenv("PTDV_ROOT", str(root))
    nb_path = root / "notebooks" / "02_progress.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    at = 1 + next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    check = "import sys\nprint('ptdv.report.charts' in sys.modules)"
    nb.cells.insert(at, nbformat.v4.new_code_cell(check))
    nbformat.write(nb, nb_path)

    class Stop(Exception):
        pass

    def stop(*args: object, **kwargs: object) -> None:
        raise Stop

    monkeypatch.setattr(pipeline, "_render_here", stop)  # progress is what is looked at
    monkeypatch.setattr(pipeline._WarmPool, "render", stop)
    executed = root / "data" / "processed" / "tld-2021-2023" / "02_progress_2021-H1.ipynb"
    seen = {}
    for units, jobs in ((["none"], 2), (["bac-kan"], 1), (["bac-kan"], 2)):
        with pytest.raises(Stop):
            pipeline.run("tld-2021-2023", "2021-H1", units=units, jobs=jobs, formats=["html"],
                         force=True, say=lambda _line: None)  # fmt: skip
        cell = nbformat.read(executed, as_version=4).cells[at + 1]  # after the injected one
        assert cell.source == check
        seen[units[0], jobs] = cell.outputs[0]["text"].strip()
    assert seen == {("none", 2): "True", ("bac-kan", 1): "True", ("bac-kan", 2): "False"}


def test_a_pace_svg_written_after_the_notebook_fails_its_report(tmp_path: Path) -> None:
    # a report rendered alone has its pace chart's SVG drawn on the other core and written
    # after its notebook, while its PDF is made: a failure to write it fails the report, as
    # one line (here the SVG's path is taken by a folder the notebook made)
    root = project_copy(tmp_path)
    nb_path = root / "notebooks" / "03_report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    taken = "(Path(charts_dir) / 'members_net-pace.svg').mkdir()"
    nb.cells.append(nbformat.v4.new_code_cell(taken))
    nbformat.write(nb, nb_path)
    res = run_ptdv(root, "run", "--plan", "tld-2021-2023", "--period", "2021-H1",
                   "--units", "none", "--formats", "html,xlsx", "--jobs", "2")  # fmt: skip
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "TLĐ: IsADirectoryError: [Errno 21] Is a directory" in res.stderr
    assert "members_net-pace.svg" in res.stderr
    dest = root / "reports" / "tld-2021-2023" / "2021-H1"
    record = json.loads((dest / "run.json").read_text("utf-8"))
    assert record["status"] == "failed"
    # a report that failed keeps its notebook, but no table, and no page made before it
    # failed (ptdv send would mail it)
    assert (dest / "tong-hop.ipynb").is_file()
    assert not (dest / "tong-hop.xlsx").exists() and not (dest / "tong-hop.html").exists()
    assert record["reports"][0]["outputs"] == ["tong-hop.ipynb"]
    assert [o["path"] for o in record["outputs"] if "tong-hop." in o["path"]] == ["tong-hop.ipynb"]
    charts = dest / "charts"
    assert (charts / "members_net-pace.png").is_file()
    assert (charts / "members_net-pace.svg").is_dir()


def test_a_kernel_runs_code_and_waits_for_it_raising_what_it_raised(tmp_path: Path) -> None:
    from ptdv.report import kernel as kernels

    kernel = kernels.kernel_started()
    try:
        km = kernel.km()
        kernels.run_and_wait(km, "import time; time.sleep(0.3); done = 42")
        kernels.run_and_wait(km, "assert done == 42")  # ran to the end before the reply
        with pytest.raises(kernels.KernelRaised, match="^ZeroDivisionError: division by zero$"):
            kernels.run_and_wait(km, "1 / 0")
        with pytest.raises(RuntimeError, match="did not answer in 1 s"):
            kernels.run_and_wait(km, "time.sleep(3)", timeout=1)
    finally:
        kernel.stop()


def test_a_ptdv_kernel_keeps_no_history_of_the_cells_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # IPython writes every cell it runs into a history database in the user's ~/.ipython:
    # a scheduled job's notebooks, run after run. ptdv's kernels keep none.
    from ptdv.report import kernel as kernels

    ipython = tmp_path / "ipython"
    monkeypatch.setenv("IPYTHONDIR", str(ipython))
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    tiny_notebook(tmp_path, "cells.ipynb", "plan_id", "print(plan_id)")
    kernel = kernels.kernel_started()
    try:
        km = kernel.km()
        render.execute_notebook("cells.ipynb", {"plan_id": "x"}, tmp_path / "out.ipynb", km=km)
        kernels.run_and_wait(km, "assert not get_ipython().history_manager.enabled")
    finally:
        kernel.stop()
    assert ipython.is_dir()  # the kernel's IPython did look there
    assert list(ipython.rglob("history.sqlite")) == []


def test_a_ptdv_kernel_is_this_environments_python_whatever_the_users_kernelspecs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a user's own `python3` kernelspec, put first (JUPYTER_PREFER_ENV_PATH=0), names a
    # Python without ptdv: a ptdv kernel is still this environment's, which has it
    import json
    import sys

    from ptdv.report import kernel as kernels

    user = tmp_path / "jupyter-data"
    spec = user / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "not ptdv's", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(user))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    monkeypatch.delenv("JUPYTER_PATH", raising=False)  # which running a notebook sets
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    from jupyter_client.kernelspec import KernelSpecManager

    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/nonexistent/python"
    kernel = kernels.kernel_started()
    try:
        kernels.run_and_wait(
            kernel.km(), "import sys, ptdv; assert sys.prefix == " + repr(sys.prefix)
        )
    finally:
        kernel.stop()
