"""Benchmark: unit reports with one kernel reused per worker against a cold kernel per report.

Runs the report notebook for N units of the Bắc Giang plan twice, in this process (no
worker pool, so only the kernel strategy differs): once with a fresh kernel per report
(plain papermill), once reusing a single kernel. Prints both times and their ratio.
Needs the plan cleaned and its progress computed (`make report` does both).

    .venv/bin/python scripts/bench_reports.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import papermill as pm
from jupyter_client.manager import AsyncKernelManager

from ptdv.base import paths

PLAN, PERIOD = "bac-giang-2023-2028", "2026-H1"


def main(n: int) -> None:
    """Time N unit reports both ways and print the ratio."""
    import pandas as pd

    units = pd.read_parquet(paths.processed_dir(PLAN) / "units.parquet")["unit_id"][:n]
    notebook = str(paths.notebooks_dir() / "03_report.ipynb")
    out = Path(tempfile.mkdtemp(prefix="ptdv-bench-"))

    def params(unit: str) -> dict:
        return {"plan_id": PLAN, "period": PERIOD, "unit": unit, "lang": "vi"}

    t0 = time.perf_counter()
    for u in units:
        pm.execute_notebook(notebook, str(out / f"cold-{u}.ipynb"), parameters=params(u),
                            cwd=str(paths.root()), progress_bar=False)  # fmt: skip
    cold = time.perf_counter() - t0

    km = AsyncKernelManager(kernel_name="python3")
    t0 = time.perf_counter()
    asyncio.run(km.start_kernel(cwd=str(paths.root())))
    try:
        for u in units:
            pm.execute_notebook(notebook, str(out / f"warm-{u}.ipynb"), parameters=params(u),
                                km=km, progress_bar=False)  # fmt: skip
    finally:
        asyncio.run(km.shutdown_kernel(now=True))
    warm = time.perf_counter() - t0
    print(f"{len(units)} unit reports (execute only, one process)")
    print(f"  cold kernel per report : {cold:6.1f} s ({cold / len(units):.2f} s each)")
    print(f"  one kernel reused      : {warm:6.1f} s ({warm / len(units):.2f} s each)")
    print(f"  ratio cold / reused    : {cold / warm:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
