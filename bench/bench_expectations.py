"""Timing of the great-expectations suite (etl/expectations.py) on time entries.

    .venv/bin/python bench/bench_expectations.py [--rows 1000000] [--repeat 3]

Prints, in seconds:
  * first call in a fresh process on a 10-row frame (GX import + context + suite + validation);
  * steady state on a 10-row frame;
  * DuckDB's plain read_csv of a ROWS-row time_entries.csv (the budget's yardstick), and the
    same read typed per the contract and fetched as a pandas frame (what the importer hands over);
  * validate_entity(TIME_ENTRIES, df) on that ROWS-row frame, and on the same frame with hours as
    Decimal objects and dates as datetime.date objects (the slow input shapes);
  * the ratio (typed read + validation) / plain read_csv, which the import must keep under 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb
import numpy as np
import pandas as pd

from etl.contract import TIME_ENTRIES

FIRST_CALL = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
import pandas as pd
from etl.contract import TIME_ENTRIES
from etl.expectations import validate_entity
df = pd.DataFrame({{
    "entry_id": [f"E{{i}}" for i in range(10)], "person_id": ["P1"] * 10,
    "date": pd.to_datetime(["2026-10-05"] * 10), "hours": [1.5] * 10,
    "work_type": ["standard"] * 10,
}})
t1 = time.perf_counter()
import great_expectations
t2 = time.perf_counter()
res = validate_entity(TIME_ENTRIES, df)
t3 = time.perf_counter()
assert all(r.success for r in res), res
print(t2 - t1, t3 - t2, t3 - t0)
"""


def write_csv(path: Path, rows: int) -> None:
    """A realistic time_entries.csv with every contract column."""
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT
            'TE-' || lpad(i::VARCHAR, 8, '0')                        AS entry_id,
            'P-' || (i % 250)::VARCHAR                               AS person_id,
            (DATE '2025-01-01' + (i % 640)::INTEGER)::VARCHAR         AS date,
            ((1 + (i * 7) % 32) * 0.25)::DECIMAL(12,2)::VARCHAR      AS hours,
            'P-' || (i % 180)::VARCHAR                               AS project_id,
            CASE WHEN i % 3 = 0 THEN '' ELSE 'SOW-' || (i % 900)::VARCHAR END AS sow_line_id,
            'worked on item ' || (i % 5000)::VARCHAR                 AS notes,
            CASE WHEN i % 5 = 0 THEN 'false' ELSE 'true' END         AS billable,
            CASE WHEN i % 20 = 0 THEN 'rush' ELSE 'standard' END     AS work_type,
            'harvest'                                                AS source,
            'h-' || i::VARCHAR                                       AS source_id,
            '2025-06-02T17:02:00-04:00'                              AS submitted_at,
            CASE WHEN i % 10 = 0 THEN '' ELSE '2025-06-03T09:00:00-04:00' END AS approved_at,
            'P-1'                                                    AS approved_by,
            ''                                                       AS invoice_id,
            'false'                                                  AS locked
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def typed_select(path: Path) -> str:
    casts = []
    for c in TIME_ENTRIES.columns:
        casts.append(f"TRY_CAST(NULLIF({_q(c.name)}, '') AS {c.sql_type}) AS {_q(c.name)}")
    return f"SELECT {', '.join(casts)} FROM read_csv('{path}', all_varchar = true)"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def best(fn, repeat: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    # 1. First call, in a fresh interpreter.
    out = subprocess.run(
        [sys.executable, "-c", FIRST_CALL.format(root=str(ROOT))],
        check=True,
        capture_output=True,
        text=True,
    )
    gx_import, first_validate, first_total = map(float, out.stdout.split())
    if out.stderr.strip():
        print("stderr of first call (should be empty):", out.stderr.strip()[:500])
    print(
        f"first call, 10 rows, fresh process:    {first_total:7.3f} s total "
        f"(import great_expectations {gx_import:.3f} s, first validate_entity {first_validate:.3f} s)"
    )

    from etl.expectations import validate_entity

    small = pd.DataFrame(
        {
            "entry_id": [f"E{i}" for i in range(10)],
            "person_id": ["P1"] * 10,
            "date": pd.to_datetime(["2026-10-05"] * 10),
            "hours": [1.5] * 10,
            "work_type": ["standard"] * 10,
        }
    )
    validate_entity(TIME_ENTRIES, small)
    _, med, _ = best(lambda: validate_entity(TIME_ENTRIES, small), 20)
    print(f"steady state, 10 rows:                 {med:7.3f} s (median of 20)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "time_entries.csv"
        write_csv(path, args.rows)
        size_mb = os.path.getsize(path) / 1e6
        con = duckdb.connect()

        def plain_read():
            con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT * FROM read_csv('{path}')")

        def typed_read():
            return con.sql(typed_select(path)).df()

        read_best, read_med, _ = best(plain_read, args.repeat)
        typed_best, typed_med, df = best(typed_read, args.repeat)
        print(f"\n{args.rows:,} rows, {size_mb:.0f} MB CSV, {os.cpu_count()} CPUs")
        print(f"duckdb plain read_csv -> table:        {read_med:7.3f} s (best {read_best:.3f})")
        print(f"duckdb typed read_csv -> pandas .df(): {typed_med:7.3f} s (best {typed_best:.3f})")
        print(
            "  dtypes handed over: "
            + ", ".join(f"{c}={df[c].dtype}" for c in ("entry_id", "date", "hours", "work_type"))
        )

        v_best, v_med, res = best(lambda: validate_entity(TIME_ENTRIES, df), args.repeat)
        assert all(r.success for r in res), [r for r in res if not r.success]
        print(
            f"validate_entity, typed frame:          {v_med:7.3f} s (best {v_best:.3f}), "
            f"{len(res)} expectations"
        )

        # Slow input shapes: Decimal objects and datetime.date objects.
        obj = df.copy()
        obj["hours"] = pd.Series(
            np.array([None if pd.isna(h) else _dec(h) for h in df["hours"]], dtype=object),
            index=df.index,
        )
        obj["date"] = pd.Series(df["date"].dt.date.to_numpy(dtype=object), index=df.index)
        o_best, o_med, res = best(lambda: validate_entity(TIME_ENTRIES, obj), args.repeat)
        assert all(r.success for r in res), [r for r in res if not r.success]
        print(f"validate_entity, Decimal+date objects: {o_med:7.3f} s (best {o_best:.3f})")

        # A frame with failures, to price the unexpected-value reporting.
        bad = df.copy()
        bad.loc[bad.index[::1000], "hours"] = 30.0
        bad.loc[bad.index[::777], "work_type"] = "Rush"
        b_best, b_med, res = best(lambda: validate_entity(TIME_ENTRIES, bad), args.repeat)
        failed = {
            r.column + ":" + r.expectation.split("_to_")[-1]: r.unexpected_count
            for r in res
            if not r.success
        }
        print(f"validate_entity, frame with failures:  {b_med:7.3f} s (best {b_best:.3f}) {failed}")

        ratio = (typed_med + v_med) / read_med
        print(
            f"\n(typed read + validation) / plain read_csv = {ratio:.2f}x  "
            f"(validation alone = {v_med / read_med:.2f}x of read_csv)"
        )
        con.close()


def _dec(x: float):
    from decimal import Decimal

    return Decimal(repr(float(x)))


if __name__ == "__main__":
    main()
