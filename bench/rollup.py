"""When to leave pandas for DuckDB: one roll-up over ever larger tidy tables, both ways.

The tidy tables ptdv writes (data/processed/<plan>/actuals.parquet: one row per unit,
metric, period and kind) grow with units × half-years × metrics. A national roll-up over
years of half-year forms is a group-by-and-sum over them. This script writes such a table
(its columns as ptdv writes them, made-up figures, in row groups so that writing it never
holds it whole), then runs the same roll-up in a fresh process each way:

- pandas: `pd.read_parquet(...)` then `groupby(["group", "metric", "period"]).sum()`;
- DuckDB: the same SQL over the Parquet file, with `memory_limit` set, so that it streams.

and measures the seconds and peak memory of each process. Used by bench/run.py (case 5).

    .venv/bin/python bench/rollup.py 5000000 20000000
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

#: Units, metrics and kinds of the generated table; periods grow to reach the row count.
UNITS, DIRECT = 135_000, 100
METRICS = ("members_admitted", "members_lost", "members_net", "unions_founded")
ROWS_PER_GROUP = 1_000_000

PANDAS = """
import sys, pandas as pd
df = pd.read_parquet(sys.argv[1], columns=["group", "metric", "period", "kind", "value"])
out = df[df["kind"] == "actual"].groupby(["group", "metric", "period"])["value"].sum()
print(len(out), float(out.sum()))
"""

DUCKDB = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET memory_limit = '1GB'; SET threads = 2")
rows, total = con.execute(
    "SELECT count(*), sum(v) FROM (SELECT \\"group\\", metric, period, sum(value) AS v "
    "FROM read_parquet(?) WHERE kind = 'actual' GROUP BY ALL)", [sys.argv[1]]
).fetchone()
print(rows, float(total))
"""


def write_table(path: Path, n_rows: int, seed: int = 2026) -> None:
    """Write a tidy actuals table of `n_rows` rows (about) to `path`, a row group at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    unit_ids = np.array([f"cdcs-{i:06d}" for i in range(UNITS)], dtype=object)
    groups = np.array([f"direct-{i % DIRECT:03d}" for i in range(UNITS)], dtype=object)
    per_period = UNITS * len(METRICS)
    n_periods = max(1, round(n_rows / per_period))
    writer = None
    try:
        for k in range(n_periods):
            period = f"{2021 + k // 2}-H{k % 2 + 1}"
            for m in METRICS:
                n = UNITS
                table = pa.table(
                    {
                        "plan_id": pa.array(["national"] * n),
                        "level": pa.array(["unit"] * n),
                        "unit_id": pa.array(unit_ids),
                        "group": pa.array(groups),
                        "metric": pa.array([m] * n),
                        "period": pa.array([period] * n),
                        "kind": pa.array(["actual"] * n),
                        "value": pa.array(rng.integers(0, 60, n).astype("float64")),
                    }
                )
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table, row_group_size=ROWS_PER_GROUP)
    finally:
        if writer is not None:
            writer.close()


def compare(sizes: list[int], measured, repeats: int = 3) -> list[dict]:  # noqa: ANN001
    """Return, per size, the seconds and peak MiB of the roll-up in pandas and in DuckDB.

    `measured` is run.measured. Each is run `repeats` times, in turn; the medians are kept
    (one run alone can be far off: a first DuckDB run once took 3.8 s for a usual 0.4 s).
    """
    import statistics

    out = []
    with tempfile.TemporaryDirectory(prefix="ptdv-rollup-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"actuals-{n}.parquet"
            write_table(path, n)
            import pyarrow.parquet as pq

            rows = pq.ParquetFile(path).metadata.num_rows
            record: dict = {"rows": rows, "file_mib": round(path.stat().st_size / 2**20, 1)}
            answers = []
            runs: dict[str, list[dict]] = {"pandas": [], "duckdb": []}
            for _ in range(repeats):
                for name, code in (("pandas", PANDAS), ("duckdb", DUCKDB)):
                    runs[name].append(measured([sys.executable, "-c", code, str(path)]))
            for name, these in runs.items():
                record[f"{name}_s"] = round(statistics.median(r["seconds"] for r in these), 2)
                record[f"{name}_peak_mib"] = round(statistics.median(r["peak_mib"] for r in these))
                answers.append(these[0]["output"].split())
            record["same_answer"] = answers[0][0] == answers[1][0] and abs(
                float(answers[0][1]) - float(answers[1][1])
            ) < 1e-6 * max(1.0, abs(float(answers[0][1])))
            out.append(record)
            path.unlink()
    return out


if __name__ == "__main__":
    from run import measured as _measured

    sizes = [int(a) for a in sys.argv[1:]] or [5_000_000, 20_000_000]
    for rec in compare(sizes, _measured):
        print(rec)
