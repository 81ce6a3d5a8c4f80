"""The project's set-up: environment.yml in step with pyproject.toml; notebooks clean."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml

from ptdv.base import paths
from ptdv.base.errors import ConfigError
from ptdv.report.render import check_parameters, notebook_parameters

ROOT = paths.PACKAGE_ROOT


#: conda-forge names that differ from PyPI's.
CONDA_NAMES = {"python-duckdb": "duckdb"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = {_name(d) for d in project["dependencies"]}
    dev = {_name(d) for d in project["optional-dependencies"]["dev"]}
    bench = {_name(d) for d in project["optional-dependencies"]["bench"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    conda = {CONDA_NAMES.get(n, n) for n in conda}
    assert runtime - conda == set(), "in pyproject.toml but not environment.yml"
    assert conda - runtime - dev - bench == set(), "in environment.yml but not pyproject.toml"
    assert dev <= conda
    assert bench <= conda


def test_lib_is_not_ignored_by_git() -> None:
    ignore = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert "lib/" not in ignore and "lib" not in ignore


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_pipeline_notebooks_have_no_outputs_and_one_parameters_cell(nb) -> None:
    data = json.loads(nb.read_text("utf-8"))
    code = [c for c in data["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert notebook_parameters(nb)  # literal defaults, so it runs as it is in JupyterLab


def test_clean_notebook_declares_plan_id() -> None:
    nb = paths.notebooks_dir() / "01_clean.ipynb"
    assert notebook_parameters(nb) == {"plan_id": "tld-2021-2023"}
    with pytest.raises(ConfigError, match="unknown parameter.*plan"):
        check_parameters(nb, {"plan": "tld-2021-2023"})
