"""`python -m etl demo --people 600`: wall time and warehouse size, as a user runs it.

Run: .venv/bin/python bench/bench_demo.py [--people N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "etl", "--db", str(db), "demo", "--people", str(args.people)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - started
        con = duckdb.connect(str(db), read_only=True)
        entries = con.execute("SELECT count(*), min(date), max(date) FROM time_entries").fetchall()[
            0
        ]
        con.close()
        size_mb = sum(p.stat().st_size for p in Path(tmp).glob("warehouse.duckdb*")) / 1e6
    print(f"etl demo --people {args.people}: {elapsed:.1f} s wall, warehouse {size_mb:.0f} MB")
    print(f"time entries: {entries[0]:,} from {entries[1]} to {entries[2]}")


if __name__ == "__main__":
    main()
