"""End to end: the `ptdv` command on the shipped plans, through papermill, and on bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import project_copy, run_ptdv
from ptdv.plan.config import parse_card


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_copy(tmp_path_factory.mktemp("cli"))
    res = run_ptdv(root, "clean", "--all")
    assert res.returncode == 0, res.stderr
    return root


def test_clean_all_writes_every_plan(cleaned: Path) -> None:
    for plan in ("tld-2021-2023", "bac-giang-2023-2028", "nghe-an-2021-2023", "nam-dinh-2023-2028"):
        out = cleaned / "data" / "processed" / plan
        names = {p.name for p in out.iterdir()}
        assert {"units.parquet", "targets.parquet", "actuals.parquet", "quality.csv"} <= names
        assert "01_clean.ipynb" in names  # the executed notebook, for audit
    leftovers = [p.name for p in (cleaned / "data" / "processed").iterdir() if p.name[0] == "."]
    assert leftovers == []


def test_clean_tld_figures_through_the_notebook(cleaned: Path) -> None:
    out = cleaned / "data" / "processed" / "tld-2021-2023"
    units = pd.read_parquet(out / "units.parquet")
    targets = pd.read_parquet(out / "targets.parquet")
    actuals = pd.read_parquet(out / "actuals.parquet")
    assert len(units) == 57
    t = targets[targets["level"] == "unit"]
    assert t.loc[t["period"] == "term", "value"].sum() == 1_487_307
    assert t.loc[t["period"] == "2021-H2", "value"].sum() == 202_901
    a = actuals.set_index(["metric", "period"])["value"].groupby(level=[0, 1]).sum()
    assert a[("members_total", "2020-H2")] == 8_716_090
    assert a[("nonmember_workers", "2021-H1")] == 1_010_784
    assert a[("members_net", "2021-H1")] == 146_630
    plan = targets[targets["level"] == "plan"]
    assert plan["value"].tolist() == [1_600_000]
    q = pd.read_csv(out / "quality.csv")
    assert list(q.columns) == [
        "severity", "check", "source", "row", "unit", "message",
        "file", "sheet", "column", "template", "params",
    ]  # fmt: skip
    dup = q[q["check"] == "duplicate_unit"]
    assert dup["severity"].tolist() == ["error"] and dup["unit"].tolist() == ["Hải Phòng"]
    rule = q[(q["check"] == "derived_rule") & (q["severity"] == "warning")]
    assert rule["row"].tolist() == [35]
    assert "12,884" in rule["message"].iloc[0] and "12,140" in rule["message"].iloc[0]
    short = q[q["check"] == "declared_total"]
    assert short["severity"].tolist() == ["warning"]
    assert "1,487,307" in short["message"].iloc[0] and "1,600,000" in short["message"].iloc[0]


def test_clean_bac_giang_through_the_notebook(cleaned: Path) -> None:
    out = cleaned / "data" / "processed" / "bac-giang-2023-2028"
    targets = pd.read_parquet(out / "targets.parquet")
    t = targets[targets["level"] == "unit"].groupby(["metric", "period"])["value"].sum()
    assert t[("members_admitted", "2024")] == 23_960
    for year in ("2025", "2026", "2027", "2028"):
        assert t[("members_admitted", year)] == 24_010
        assert t[("unions_founded", year)] == 54
    assert t[("members_admitted", "term")] == 120_000
    assert t[("unions_founded", "term")] == 270
    q = pd.read_csv(out / "quality.csv")
    table = q[~q["source"].str.startswith("actuals/")]
    assert set(table["severity"]) == {"info"}  # the allocation table itself is sound
    forms = q[q["source"].str.startswith("actuals/")]
    assert sorted(forms.loc[forms["severity"] != "info", "check"]) == [
        "missing_report",
        "net_mismatch",
    ]
    actuals = pd.read_parquet(out / "actuals.parquet")
    assert actuals.groupby(["unit_id", "period"]).ngroups == 84  # 17 units x 5 - 1 missing
    assert set(q.loc[q["check"] == "zero_target", "unit"]) == {
        "CĐN Giáo dục",
        "CĐN Nông nghiệp",
        "Công đoàn Viên chức tỉnh",
    }


def test_stdout_says_where_output_went(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "clean", "--plan", "bac-giang-2023-2028")
    assert res.returncode == 0, res.stderr
    assert "17 units" in res.stdout
    assert "data/processed/bac-giang-2023-2028" in res.stdout
    assert res.stderr == ""  # no kernel chatter


def test_text_in_a_number_cell_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    raw = root / "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.txt"
    text = raw.read_text(encoding="utf-8")
    assert "5\tBắc Giang\t212.372\t" in text
    raw.write_text(text.replace("5\tBắc Giang\t212.372\t", "5\tBắc Giang\t212.37x\t"), "utf-8")
    res = run_ptdv(root, "clean", "--plan", "tld-2021-2023")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    msg = lines[0]
    assert "Traceback" not in res.stderr
    assert "bang-giao-chi-tieu-135-KH-TLD.txt" in msg
    assert "row 16" in msg and "column C" in msg and "212.37x" in msg and "expected a number" in msg
    assert not (root / "data" / "processed" / "tld-2021-2023").exists()


def test_failed_rerun_keeps_the_previous_output(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    assert run_ptdv(root, "clean", "--plan", "bac-giang-2023-2028").returncode == 0
    out = root / "data" / "processed" / "bac-giang-2023-2028"
    before = (out / "targets.parquet").read_bytes()
    book = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    book.write_bytes(b"not a zip file")
    res = run_ptdv(root, "clean", "--plan", "bac-giang-2023-2028")
    assert res.returncode == 2
    assert "chi-tieu-giao-2023-2028.xlsx" in res.stderr and "Excel" in res.stderr
    assert (out / "targets.parquet").read_bytes() == before


def test_a_damaged_processed_table_is_named_with_its_remedy(tmp_path: Path) -> None:
    # a cleaned table overwritten by something else: ptdv progress names the file and says
    # to clean again, in one line; cleaning again makes progress work
    root = project_copy(tmp_path)
    assert run_ptdv(root, "clean", "--plan", "bac-giang-2023-2028").returncode == 0
    table = root / "data" / "processed" / "bac-giang-2023-2028" / "targets.parquet"
    table.write_bytes(b"PAR1 damaged")
    progress = ("progress", "--plan", "bac-giang-2023-2028", "--period", "2026-H1")
    res = run_ptdv(root, *progress)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(
        "error: data/processed/bac-giang-2023-2028/targets.parquet: cannot be read as a "
        "Parquet table (damaged? "
    )
    assert line.endswith(
        "clean the plan again to write it (`ptdv clean --plan bac-giang-2023-2028`)"
    )
    assert run_ptdv(root, "clean", "--plan", "bac-giang-2023-2028").returncode == 0
    res = run_ptdv(root, *progress)
    assert res.returncode == 0, res.stderr
    assert "members_admitted: 61,392 of 120,000 = 51.16% of the term target" in res.stdout


def test_clean_all_cleans_every_other_plan_when_one_table_is_bad(tmp_path: Path) -> None:
    # one plan's bad table is that plan's error: the others are cleaned, the bad one is named
    # in its one line and in the last line, and the exit code is the error's (2)
    root = project_copy(tmp_path)
    book = root / "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx"
    book.write_bytes(b"not a zip file")
    res = run_ptdv(root, "clean", "--all")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith(
        "error: data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.xlsx: a text file"
    )
    assert lines[-1] == "3 of 4 plan(s) cleaned; not cleaned: bac-giang-2023-2028"
    processed = root / "data" / "processed"
    assert sorted(p.name for p in processed.iterdir() if not p.name.startswith(".")) == [
        "nam-dinh-2023-2028",
        "nghe-an-2021-2023",
        "tld-2021-2023",
    ]
    # the plan cleaned after the failed one, in the same kernel, is whole: its summary and
    # the TLĐ table's known findings
    assert "57 units; quality log: 1 error(s), 2 warning(s)" in res.stdout
    units = pd.read_parquet(processed / "tld-2021-2023" / "units.parquet")
    assert len(units) == 57


@pytest.mark.parametrize("consolidated", [False, True])
def test_template_refuses_an_out_it_cannot_write_in_one_line(
    tmp_path: Path, consolidated: bool
) -> None:
    root = project_copy(tmp_path)
    assert run_ptdv(root, "clean", "--plan", "bac-giang-2023-2028").returncode == 0
    taken = root / "a-file"
    taken.write_text("not a folder")
    more = ["--consolidated"] if consolidated else []
    for out, expected in (
        (taken, "error: --out a-file: a file, not a folder: give the folder for the forms"),
        (
            Path("/proc/ptdv-forms"),  # a folder that cannot be made (Linux)
            "error: --out /proc/ptdv-forms: the forms cannot be written there (No such file or "
            "directory): give a folder you may write to",
        ),
    ):
        res = run_ptdv(root, "template", "--plan", "bac-giang-2023-2028", "--period", "2026-H2",
                       "--out", str(out), *more)  # fmt: skip
        assert res.returncode == 2
        assert res.stderr.strip() == expected
    assert taken.read_text() == "not a folder"
    assert not [p for p in root.iterdir() if ".tmp" in p.name]  # nothing half-written left


def test_bad_card_is_refused_naming_the_key(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    card = root / "config/plans/tld-2021-2023.yaml"
    card.write_text(card.read_text("utf-8").replace("    sheet:", "    sheeet:"), "utf-8")
    res = run_ptdv(root, "clean", "--plan", "tld-2021-2023")
    assert res.returncode == 2
    assert "unknown key 'sources[0].sheeet'" in res.stderr
    assert "tld-2021-2023.yaml" in res.stderr


def test_unknown_plan_lists_known_ones(tmp_path: Path) -> None:
    res = run_ptdv(project_copy(tmp_path), "clean", "--plan", "tld-2021")
    assert res.returncode == 2
    assert "tld-2021-2023" in res.stderr and "bac-giang-2023-2028" in res.stderr
    assert res.stdout == ""


def test_inspect_shows_the_layout_and_a_valid_draft_card(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    res = run_ptdv(root, "inspect", "data/raw/tld-2021-2023/bang-giao-chi-tieu-135-KH-TLD.xlsx")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Header: rows 7-8" in out
    assert "Unit rows: 57 (rows 10-68)" in out
    assert "Header repeated: row 36 (spelling differs)" in out
    assert "Group label: row 9" in out
    assert "row 13: 4 Bắc Kạn" in out and "E=-65" in out
    draft = out[out.index("# Draft plan card") :]
    card = parse_card(draft, "draft")
    cols = {c.ref: c for c in card.sources[0].columns}
    assert set(cols) == {
        "members_total@2020-H2",
        "nonmember_workers@2021-H1",
        "members_net@2021-H1",
        "members_net@2021-H2",
        "members_net@term",
    }
    assert cols["members_net@2021-H1"].kind == "actual"
    assert cols["members_net@term"].kind == "target"
    assert cols["members_net@2021-H2"].rule.share == 0.2
    assert cols["members_net@2021-H2"].rule.of == "nonmember_workers@2021-H1"


def test_inspect_bac_giang_finds_the_totals_row(tmp_path: Path) -> None:
    res = run_ptdv(
        project_copy(tmp_path),
        "inspect",
        "data/raw/bac-giang-2023-2028/chi-tieu-giao-2023-2028.txt",
    )
    assert res.returncode == 0, res.stderr
    assert "Unit rows: 17" in res.stdout
    assert "Totals row:" in res.stdout and "TỔNG" in res.stdout
    draft = res.stdout[res.stdout.index("# Draft plan card") :]
    card = parse_card(draft, "draft")
    assert card.members_target == "admitted"
    assert [c.ref for c in card.sources[0].columns][:2] == [
        "unions_founded@2024",
        "members_admitted@2024",
    ]


def test_inspect_missing_file(tmp_path: Path) -> None:
    res = run_ptdv(project_copy(tmp_path), "inspect", "nope.xlsx")
    assert res.returncode == 2
    assert res.stderr.strip() == "error: nope.xlsx: file not found"


def test_progress_command_on_the_demo_forms(cleaned: Path) -> None:
    res = run_ptdv(cleaned, "progress", "--plan", "bac-giang-2023-2028", "--period", "2026-H1")
    assert res.returncode == 0, res.stderr
    assert "SỐ LIỆU MINH HỌA" in res.stdout
    assert "members_admitted: 61,392 of 120,000 = 51.16%" in res.stdout
    out = cleaned / "data/processed/bac-giang-2023-2028"
    df = pd.read_parquet(out / "progress_2026-H1.parquet")
    assert (out / "02_progress_2026-H1.ipynb").is_file()
    assert len(df) == 2 * 18  # two metrics x (17 units + the federation)


def test_progress_tld_prints_the_headline(cleaned: Path) -> None:
    res = run_ptdv(cleaned, "progress", "--plan", "tld-2021-2023", "--period", "2021-H1")
    assert res.returncode == 0, res.stderr
    assert "146,630 of 1,487,307 = 9.86% of the term target, elapsed 16.67%" in res.stdout


def test_progress_refuses_a_period_outside_the_term(tmp_path: Path) -> None:
    res = run_ptdv(
        project_copy(tmp_path), "progress", "--plan", "tld-2021-2023", "--period", "2021-H3"
    )
    assert res.returncode == 2
    assert "'2021-H3' is not a period" in res.stderr and "2021-H1, 2021-H2" in res.stderr
    assert res.stdout == ""  # refused before any cleaning or kernel


def test_template_writes_one_locked_form_per_unit(tmp_path: Path) -> None:
    import openpyxl

    root = project_copy(tmp_path)
    res = run_ptdv(root, "template", "--plan", "bac-giang-2023-2028", "--period", "2026-H2")
    assert res.returncode == 0, res.stderr
    out = root / "reports/bac-giang-2023-2028/bieu-mau/2026-H2"
    files = sorted(p.name for p in out.glob("*.xlsx"))
    assert len(files) == 17 and "yen-dung.xlsx" in files
    ws = openpyxl.load_workbook(out / "yen-dung.xlsx")["Báo cáo"]
    assert ws.protection.sheet
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "LĐLĐ huyện Yên Dũng" in text and "2026-H2" in text
    assert "01/06/2026 – 30/11/2026" in text and "SỐ LIỆU MINH HỌA" in text
    res = run_ptdv(root, "template", "--plan", "bac-giang-2023-2028", "--period", "2026-H2",
               "--consolidated", "--out", str(tmp_path / "one"))  # fmt: skip
    assert res.returncode == 0, res.stderr
    ws = openpyxl.load_workbook(tmp_path / "one" / "tong-hop.xlsx")["Báo cáo"]
    names = [r[1] for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(names) == 17 and names[0] == "LĐLĐ thành phố Bắc Giang"


def test_clean_and_progress_run_in_the_kernel_the_command_started_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # `ptdv clean` and `ptdv progress` launch their kernel (with their step's imports) before
    # loading papermill and hashing the inputs, run their notebooks in it, and stop it
    # before they return
    from ptdv import cli, pipeline
    from ptdv.report import kernel as kernels

    root = project_copy(tmp_path)
    monkeypatch.setenv("PTDV_ROOT", str(root))
    started, used = [], []
    real_started, real_clean, real_progress = (
        kernels.kernel_started, pipeline.clean_plan, pipeline.compute_progress
    )  # fmt: skip

    def kernel_started(step):  # noqa: ANN001, ANN202
        kernel = real_started(step)
        started.append((step, kernel.km()))
        return kernel

    def clean_plan(plan_id, **kw):  # noqa: ANN001, ANN003, ANN202
        used.append(("clean", kw["km"]))
        return real_clean(plan_id, **kw)

    def compute_progress(plan_id, period, **kw):  # noqa: ANN001, ANN003, ANN202
        used.append(("progress", kw["km"]))
        return real_progress(plan_id, period, **kw)

    monkeypatch.setattr(cli, "kernel_started", kernel_started)
    monkeypatch.setattr(pipeline, "clean_plan", clean_plan)
    monkeypatch.setattr(pipeline, "compute_progress", compute_progress)
    assert cli.main(["clean", "--plan", "bac-giang-2023-2028"]) == 0
    assert "km" not in kernels.WORKER  # stopped
    assert cli.main(["progress", "--plan", "bac-giang-2023-2028", "--period", "2026-H1"]) == 0
    assert "km" not in kernels.WORKER
    assert [step for step, _km in used] == ["clean", "progress"]
    assert used == started and started[0][1] is not started[1][1]  # each its step's imports
    out = capsys.readouterr().out
    assert "members_admitted: 61,392 of 120,000 = 51.16%" in out
    processed = root / "data" / "processed" / "bac-giang-2023-2028"
    assert {"01_clean.ipynb", "02_progress_2026-H1.ipynb"} <= {p.name for p in processed.iterdir()}


def test_a_run_that_will_clean_launches_its_kernel_first_and_a_refused_one_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # `ptdv run` launches the kernel before loading the card and the pipeline when the
    # plan's cleaning is not recorded as current; a run refused for its parameters then
    # stops it, having written nothing; an unknown plan, or one cleaned and recorded,
    # launches none (unless --force cleans it again)
    from ptdv import cli
    from ptdv.report import kernel as kernels

    root = project_copy(tmp_path)
    monkeypatch.setenv("PTDV_ROOT", str(root))
    started: list[str | None] = []
    real = cli.kernel_started

    def kernel_started(step):  # noqa: ANN001, ANN202
        started.append(step)
        return real(step)

    monkeypatch.setattr(cli, "kernel_started", kernel_started)
    plan = ["--plan", "bac-giang-2023-2028", "--period", "2026-H1"]
    assert cli.main(["run", *plan, "--units", "none", "--formats", "html,docx"]) == 2
    assert started == ["clean"] and "km" not in kernels.WORKER
    assert "unknown format(s) docx; valid: html, pdf, xlsx" in capsys.readouterr().err
    assert not (root / "data" / "processed" / "bac-giang-2023-2028").exists()
    assert not (root / "reports" / "bac-giang-2023-2028").exists()
    assert cli.main(["run", "--plan", "khong-co", "--period", "2026-H1"]) == 2
    assert started == ["clean"]
    # cleaned and recorded: a run will skip the cleaning, and launches no kernel first
    assert cli.main(["clean", "--plan", "bac-giang-2023-2028"]) == 0
    assert started == ["clean", "clean"]
    assert cli.main(["run", *plan, "--units", "none", "--formats", "docx"]) == 2
    assert started == ["clean", "clean"]
    assert cli.main(["run", *plan, "--units", "none", "--formats", "docx", "--force"]) == 2
    assert started == ["clean", "clean", "clean"] and "km" not in kernels.WORKER


@pytest.mark.parametrize("jobs", ["0", "-1", "2.5", "zwei"])
def test_run_refuses_a_number_of_workers_below_one(
    jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0 once meant "one per core" and -1 one worker, without a word: both are refused now
    from ptdv import cli

    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(
            ["run", "--plan", "bac-giang-2023-2028", "--period", "2026-H1", "--jobs", jobs]
        )
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --jobs: expected a whole number of 1 or more, got '{jobs}'" in err


def test_run_takes_a_number_of_workers_of_one_or_more() -> None:
    from ptdv import cli

    args = cli.build_parser().parse_args(
        ["run", "--plan", "bac-giang-2023-2028", "--period", "2026-H1", "--jobs", "3"]
    )
    assert args.jobs == 3
