"""The corpus of bad inputs (tests/bad_inputs/<slug>/): each gets its exact one-line message.

Every case folder holds `case.yaml` (what, plan, command, exit, stderr or finding) and
optionally `make.py` whose `make(root)` spoils a scratch project. A case starts from a
baseline of its plan: a scratch project on which `ptdv clean --all` and one small report run
have already been done, so `data/processed/` and `reports/` hold real outputs. The test
copies that baseline, calls `make(root)`, runs the case's command and checks the exit code,
the whole of stderr and, for a refused input, that both trees are byte-identical afterwards
(SHA-256 over every file's path and bytes). A case whose data stays usable (exit 0) names a
finding instead that the plan's data-quality log must hold.

`pytest tests/test_bad_inputs.py -k <slug>` runs one case.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import REPO, project_copy, run_ptdv

CORPUS = Path(__file__).parent / "bad_inputs"
CASE_KEYS = {"what", "plan", "command", "exit", "stderr", "finding", "env", "skip_if_root"}
#: the small report run of each plan's baseline (HTML only: the cases never need the rest)
BASELINE_RUNS = {
    "tld-2021-2023": ["run", "--plan", "tld-2021-2023", "--period", "2021-H1", "--units", "none"],
    "bac-giang-2023-2028": [
        "run",
        "--plan",
        "bac-giang-2023-2028",
        "--period",
        "2026-H1",
        "--units",
        "none",
    ],
}
#: the trees a refused input must leave byte-identical
GUARDED = ("data/processed", "reports")


def load_case(folder: Path) -> dict:
    """Return a case's case.yaml, checked for its keys."""
    case = yaml.safe_load((folder / "case.yaml").read_text("utf-8"))
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"{folder.name}/case.yaml: unknown keys {sorted(unknown)}"
    for key in ("what", "plan", "command", "exit"):
        assert key in case, f"{folder.name}/case.yaml: no {key!r}"
    assert case["plan"] in BASELINE_RUNS, f"{folder.name}: no baseline for plan {case['plan']}"
    assert ("stderr" in case) != ("finding" in case) or case["exit"] == 0, folder.name
    return case


def case_folders() -> list[Path]:
    """Return the case folders of the corpus, sorted by slug."""
    return sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())


def tree_hashes(root: Path) -> dict[str, str]:
    """Return {relative path: SHA-256 of path and bytes} for every file of the guarded trees.

    reports/logs/ is left out: a refused run records its refusal there on purpose.
    """
    out: dict[str, str] = {}
    for top in GUARDED:
        base = root / top
        if not base.exists():
            continue
        for p in sorted(base.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if rel.startswith("reports/logs/") or not p.is_file() or p.is_symlink():
                continue
            digest = hashlib.sha256(rel.encode("utf-8") + b"\0" + p.read_bytes())
            out[rel] = digest.hexdigest()
    return out


def quality_lines(root: Path, plan: str) -> list[str]:
    """Return the rows of a plan's data-quality log, each as one line of text."""
    path = root / "data" / "processed" / plan / "quality.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [" | ".join(row) for row in csv.reader(fh)]


@pytest.fixture(scope="session")
def baselines(tmp_path_factory: pytest.TempPathFactory):
    """Return a function plan id -> baseline project root, each built once per session."""
    built: dict[str, Path] = {}

    def get(plan: str) -> Path:
        if plan not in built:
            root = project_copy(tmp_path_factory.mktemp(f"baseline-{plan}"))
            for args in (["clean", "--all"], BASELINE_RUNS[plan]):
                r = run_ptdv(root, *args)
                assert r.returncode == 0, (args, r.stderr[-2000:])
            assert any((root / "data/processed" / plan).iterdir())
            assert any((root / "reports" / plan).rglob("*.html"))
            built[plan] = root
        return built[plan]

    return get


def _make(folder: Path, root: Path) -> None:
    """Run the case's make.py on the scratch project, if it has one."""
    script = folder / "make.py"
    if not script.is_file():
        return
    spec = importlib.util.spec_from_file_location(f"bad_input_{folder.name}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(root)


@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: p.name)
def test_bad_input(folder: Path, baselines, tmp_path: Path) -> None:
    case = load_case(folder)
    if case.get("skip_if_root") and os.geteuid() == 0:
        pytest.skip("running as root, which can read any file")
    root = tmp_path / "proj"
    shutil.copytree(baselines(case["plan"]), root, symlinks=True)
    raw_before = tree_hashes_raw(REPO)
    _make(folder, root)
    before = tree_hashes(root)
    assert before, "the baseline has outputs to guard"
    env = {k: str(v) for k, v in (case.get("env") or {}).items()}
    result = run_ptdv(root, *[str(a) for a in case["command"]], env=env)
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    assert result.returncode == case["exit"], result.stderr[-2000:]
    if "stderr" in case:
        assert result.stderr.strip() == case["stderr"].strip()
        assert len(result.stderr.strip().splitlines()) <= 1 or case["exit"] == 0
    if case["exit"] != 0:
        after = tree_hashes(root)
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, f"changed by a refused input: {changed[:10]}"
    if "finding" in case:
        lines = quality_lines(root, case["plan"])
        assert any(case["finding"] in line for line in lines), "\n".join(lines[:40])
    assert tree_hashes_raw(REPO) == raw_before, "the repository's raw files were changed"


def tree_hashes_raw(repo: Path) -> dict[str, str]:
    """Return {path: SHA-256} of the repository's raw data (never to be touched by a case)."""
    return {
        p.relative_to(repo).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((repo / "data" / "raw").rglob("*"))
        if p.is_file()
    }


def test_corpus_cases_are_well_formed() -> None:
    folders = case_folders()
    assert len(folders) >= 40, "the issue asks for at least 40 cases"
    for folder in folders:
        case = load_case(folder)
        assert folder.name == folder.name.lower() and " " not in folder.name
        assert isinstance(case["command"], list) and case["command"]
        if case["exit"] != 0:
            assert "stderr" in case, f"{folder.name}: a refused input names its message"
            assert case["stderr"].startswith("error: "), folder.name
            assert "\n" not in case["stderr"].strip(), folder.name


def test_readme_table_is_up_to_date() -> None:
    script = REPO / "scripts" / "bad_inputs_table.py"
    r = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, cwd=REPO
    )
    assert r.returncode == 0, r.stdout + r.stderr
