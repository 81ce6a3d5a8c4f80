"""Steps skipped by content hash: what changes makes which step run again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from helpers import project_copy, run_ptdv
from ptdv.base.steps import StepRecords, code_sha256, intact, step_key, tree_sha256

PLAN, PERIOD = "tld-2021-2023", "2021-H1"
RUN = ("run", "--plan", PLAN, "--period", PERIOD, "--units", "none", "--formats", "html,xlsx")
SKIPPED = "skipped"


# --- the record -----------------------------------------------------------------------------


def test_tree_digest_follows_content_and_names_not_times(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("1")
    first = tree_sha256(tmp_path / "a")
    (tmp_path / "a" / "x.txt").write_text("1")  # rewritten, same content
    assert tree_sha256(tmp_path / "a") == first
    (tmp_path / "a" / "x.txt").write_text("2")
    assert tree_sha256(tmp_path / "a") != first
    (tmp_path / "a" / "x.txt").write_text("1")
    (tmp_path / "a" / "y.txt").write_text("")  # a new, empty file counts
    assert tree_sha256(tmp_path / "a") != first
    (tmp_path / "a" / "y.txt").unlink()
    (tmp_path / "a" / ".~lock.x.txt#").write_text("editor")  # hidden files do not
    assert tree_sha256(tmp_path / "a") == first
    assert tree_sha256(tmp_path / "missing") != first


def test_step_key_depends_on_every_part() -> None:
    base = {"step": "clean", "raw": "r1", "code": code_sha256("base")}
    assert step_key(base) == step_key(dict(reversed(base.items())))
    assert step_key(base) != step_key({**base, "raw": "r2"})
    assert step_key(base) != step_key({**base, "code": code_sha256("base", "plan")})


def test_a_record_is_current_only_with_its_key_and_intact_outputs(tmp_path: Path) -> None:
    (tmp_path / "out.csv").write_text("a,b\n1,2\n")
    records = StepRecords(tmp_path / "steps.json")
    assert records.current("clean", "k1") is None
    records.save("clean", "k1", ["out.csv"], halves=["2021-H1"])
    assert records.current("clean", "k1")["halves"] == ["2021-H1"]
    assert records.current("clean", "k2") is None  # another key
    (tmp_path / "out.csv").write_text("a,b\n1,3\n")  # an output changed by hand
    assert records.current("clean", "k1") is None
    (tmp_path / "out.csv").unlink()
    assert records.current("clean", "k1") is None
    assert not intact(tmp_path, {"../steps.json": "x"})
    (tmp_path / "steps.json").write_text("{not json")
    assert records.current("clean", "k1") is None  # a damaged record: the step runs


# --- a run --------------------------------------------------------------------------------


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_copy(tmp_path_factory.mktemp("steps"))
    res = run_ptdv(root, *RUN)
    assert res.returncode == 0, res.stderr
    assert SKIPPED not in res.stdout
    return root


def _run(root: Path, *extra: str) -> str:
    res = run_ptdv(root, *RUN, *extra)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "WARNING" not in res.stderr
    return res.stdout


def _change_report_notebook(root: Path, mark: object) -> None:
    """Change the report notebook's metadata alone: its hash, not what it does."""
    nb_path = root / "notebooks" / "03_report.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["changed_by_the_test"] = mark
    nbformat.write(nb, nb_path)


def _skipped(out: str) -> list[str]:
    """Return which of the three steps said they were skipped, from a run's output."""
    steps, current = [], None
    for line in out.splitlines():
        for n, name in ((1, "clean"), (2, "progress"), (3, "reports")):
            if line.startswith(f"[{n}/3]"):
                current = name
        if SKIPPED in line and line.startswith("  ") and current:
            steps.append(current)
    return steps


def test_nothing_changed_skips_every_step_and_touches_nothing(root: Path) -> None:
    dest = root / "reports" / PLAN / PERIOD
    processed = root / "data" / "processed" / PLAN
    before = (_hashes(dest), _hashes(processed))
    out = _run(root)
    assert _skipped(out) == ["clean", "progress", "reports"]
    assert "1 report(s) in reports/tld-2021-2023/2021-H1/ are up to date" in out
    assert (_hashes(dest), _hashes(processed)) == before


def test_a_changed_report_notebook_renders_the_reports_only(root: Path) -> None:
    _change_report_notebook(root, True)
    out = _run(root)
    assert _skipped(out) == ["clean", "progress"]
    assert "1 of 1 report(s) written" in out
    assert _skipped(_run(root)) == ["clean", "progress", "reports"]


def test_a_report_alone_imports_in_this_thread_while_its_kernel_boots(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with cleaning and progress skipped nothing was imported while a kernel worked; a thread
    # importing the report's libraries beside the report's own imports once found
    # jupyter_client half-imported (ImportError, the report failed): none may be running
    import threading

    from ptdv import pipeline

    _change_report_notebook(root, "again")
    monkeypatch.setenv("PTDV_ROOT", str(root))
    seen: list[list[str]] = []
    real = pipeline._render_here

    def spied(*args: object, **kwargs: object) -> object:
        seen.append([t.name for t in threading.enumerate()])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_render_here", spied)
    record = pipeline.run(PLAN, PERIOD, units=["none"], formats=["html", "xlsx"], say=print)
    assert record["skipped"] == ["clean", "progress"]
    assert record["status"] == "ok"
    assert len(seen) == 1 and not [name for name in seen[0] if "_preload" in name]


def test_a_report_whose_notebook_alone_changed_has_its_kernel_started_first(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with cleaning and progress skipped, nothing had started the kernel: it was launched
    # only after this process had read the units and loaded its converters, 1.35 s into the
    # run. It is started as soon as the reports are known to be stale.
    import pandas as pd

    from ptdv import pipeline
    from ptdv.report import kernel as kernels

    _change_report_notebook(root, "once more")
    monkeypatch.setenv("PTDV_ROOT", str(root))
    events: list[str] = []
    real_km, real_read = kernels.RunKernel.km, pd.read_parquet

    def km(self: kernels.RunKernel, step: str | None = None) -> object:
        events.append(f"kernel for {step}")
        return real_km(self, step)

    def read(path: object, *args: object, **kwargs: object) -> object:
        events.append(f"read {Path(str(path)).name}")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(kernels.RunKernel, "km", km)
    monkeypatch.setattr(pd, "read_parquet", read)
    record = pipeline.run(PLAN, PERIOD, units=["none"], formats=["html"], say=print)
    assert record["skipped"] == ["clean", "progress"] and record["status"] == "ok"
    assert events.index("kernel for report") < events.index("read units.parquet")


def test_a_missing_or_altered_report_file_is_rendered_again(root: Path) -> None:
    dest = root / "reports" / PLAN / PERIOD
    (dest / "tong-hop.html").write_text("edited by hand", "utf-8")
    out = _run(root)
    assert _skipped(out) == ["clean", "progress"]
    assert "edited by hand" not in (dest / "tong-hop.html").read_text("utf-8")
    (dest / "tong-hop.xlsx").unlink()
    assert _skipped(_run(root)) == ["clean", "progress"]
    assert (dest / "tong-hop.xlsx").is_file()


def test_a_changed_card_runs_every_step(root: Path) -> None:
    card = root / "config" / "plans" / f"{PLAN}.yaml"
    card.write_text(card.read_text("utf-8") + "\n# a comment added by the test\n", "utf-8")
    assert _skipped(_run(root)) == []
    assert _skipped(_run(root)) == ["clean", "progress", "reports"]


def test_a_changed_raw_file_runs_every_step(root: Path) -> None:
    readme = root / "data" / "raw" / PLAN / "notes-added-by-the-test.txt"
    readme.write_text("not a table the card reads; still an input of the plan's folder\n")
    assert _skipped(_run(root)) == []


def test_other_parameters_are_another_step(root: Path) -> None:
    out = _run(root, "--lang", "en")
    assert _skipped(out) == ["clean", "progress"]
    out = _run(root)  # the Vietnamese reports were kept beside the English ones
    assert _skipped(out) == ["clean", "progress", "reports"]


def test_force_runs_every_step(root: Path) -> None:
    assert _skipped(_run(root, "--force")) == []


def test_ptdv_clean_and_progress_are_recorded_for_the_run(root: Path) -> None:
    assert run_ptdv(root, "clean", "--plan", PLAN).returncode == 0
    res = run_ptdv(root, "progress", "--plan", PLAN, "--period", PERIOD)
    assert res.returncode == 0, res.stderr
    steps = json.loads((root / "data" / "processed" / PLAN / "steps.json").read_text("utf-8"))
    assert set(steps) == {"clean", f"progress {PERIOD}"}
    assert steps["clean"]["halves"] == ["2021-H1"]
    # clean replaced the processed tables (same content) and progress its table: the
    # reports rendered from the same figures are still current
    assert _skipped(_run(root)) == ["clean", "progress", "reports"]
