"""The pipeline's notebooks, executed by papermill: 01_clean and 02_progress for a plan.

Each runs into a temporary file and moves to data/processed/<plan-id>/ only on success,
so the executed notebook kept there is the auditable record of the step.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from ptdv.base import paths
from ptdv.base.atomic import atomic_file, work_dir
from ptdv.base.errors import PtdvError
from ptdv.plan import config
from ptdv.report import render


def run_notebook(
    name: str, params: dict, dest: Path, *, verbose: bool = False, km: Any = None
) -> Path:
    """Execute notebooks/<name> into a temporary file; move it to `dest` only on success.

    `km`: a started kernel to run it in (see render.execute_notebook); default a new one.
    """
    work = work_dir("run")
    executed = work / name
    try:
        render.execute_notebook(name, params, executed, km=km)
    except BaseException as err:
        if verbose and isinstance(err, PtdvError) and executed.is_file():
            print(f"(executed notebook kept at {executed})", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
        raise
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(dest) as tmp:  # /tmp may be another file system: never a half copy
        shutil.copyfile(executed, tmp)
    shutil.rmtree(work, ignore_errors=True)
    return dest


def clean_plan(plan_id: str, *, verbose: bool = False, km: Any = None) -> Path:
    """Run notebooks/01_clean.ipynb for one plan and return its output folder."""
    config.load_card(plan_id)  # refuse a bad card before a kernel starts
    dest = paths.processed_dir(plan_id)
    run_notebook(
        "01_clean.ipynb", {"plan_id": plan_id}, dest / "01_clean.ipynb", verbose=verbose, km=km
    )
    return dest


def compute_progress(plan_id: str, period: str, *, verbose: bool = False, km: Any = None) -> Path:
    """Run notebooks/02_progress.ipynb and return the progress table's path."""
    d = paths.processed_dir(plan_id)
    run_notebook(
        "02_progress.ipynb",
        {"plan_id": plan_id, "period": period},
        d / f"02_progress_{period}.ipynb",
        verbose=verbose,
        km=km,
    )
    return d / f"progress_{period}.parquet"
