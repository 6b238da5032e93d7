"""Import of 1,000,000 canonical time entries against DuckDB's own read_csv of the same file.

Prints both times and the ratio. Run: .venv/bin/python bench/bench_import.py [--rows N]
`--one-short-row` cuts one row in the middle of the file short, so DuckDB's strict reader gives up
and the record-by-record reader (etl/csv_rows.py) loads the file: the cost of a bad row.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.loader import import_canonical
from warehouse.db import connect

NOTES = ["dev work on API", "ACME-142 checkout fix", "client call", "standup", "code review"]


def write_folder(folder: Path, rows: int) -> Path:
    """A small firm and `rows` time entries in the canonical layout."""
    rng = np.random.default_rng(1)
    people, projects = 400, 200
    (folder / "firm.yaml").write_text("name: Bench\nbase_currency: USD\n")
    (folder / "clients.csv").write_text("client_id,name,currency\nCL-1,Acme,USD\n")
    pl.DataFrame(
        {
            "person_id": [f"P-{i}" for i in range(people)],
            "name": [f"Person {i}" for i in range(people)],
            "role": "Engineer",
        }
    ).write_csv(folder / "people.csv")
    pl.DataFrame(
        {
            "project_id": [f"PR-{i}" for i in range(projects)],
            "name": [f"Project {i}" for i in range(projects)],
            "client_id": "CL-1",
        }
    ).write_csv(folder / "projects.csv")
    days = rng.integers(0, 700, rows)
    entries = pl.DataFrame(
        {
            "entry_id": [f"T-{i}" for i in range(rows)],
            "person_id": [f"P-{i}" for i in rng.integers(0, people, rows)],
            "date": (np.datetime64("2025-01-01") + days).astype(str),
            "hours": (rng.integers(1, 33, rows) * 0.25).round(2).astype(str),
            "project_id": [f"PR-{i}" for i in rng.integers(0, projects, rows)],
            "notes": rng.choice(NOTES, rows),
            "billable": rng.choice(["true", "false"], rows),
            "approved_at": "2026-01-05T10:00:00-05:00",
        }
    )
    entries.write_csv(folder / "time_entries.csv")
    return folder / "time_entries.csv"


def cut_one_row_short(csv_path: Path) -> None:
    """The middle row loses its fields after the date (a truncated line)."""
    lines = csv_path.read_text().splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle] = ",".join(lines[middle].split(",")[:3]) + "\n"
    csv_path.write_text("".join(lines))


def floor_seconds(csv_path: Path, db: Path) -> float:
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(csv_path)])
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def import_seconds(folder: Path, db: Path, quarantined: int = 0) -> tuple[float, int]:
    """The time entries' own load: the small reference files load first, as a firm's would,
    which also pays the one-off great-expectations start-up outside the measured run."""
    entries = folder / "time_entries.csv"
    parked = folder.parent / "time_entries.parked"
    entries.rename(parked)
    con = connect(db)
    import_canonical(con, folder)
    parked.rename(entries)
    for name in ("firm.yaml", "clients.csv", "people.csv", "projects.csv"):
        (folder / name).rename(folder.parent / name)
    started = time.perf_counter()
    report = import_canonical(con, folder)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = import_canonical(con, folder)
    print(f"re-import of the same file (all unchanged): {time.perf_counter() - started:.2f} s")
    assert sum(s.unchanged for s in again.entities) == report.entities[0].new
    loaded = con.execute("SELECT count(*) FROM time_entries").fetchall()[0][0]
    con.close()
    assert report.quarantined == quarantined
    return elapsed, loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--one-short-row", action="store_true", help="measure the slow path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "firm"
        folder.mkdir()
        csv_path = write_folder(folder, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        floor = floor_seconds(csv_path, Path(tmp) / "floor.duckdb")  # of the clean file
        if args.one_short_row:
            cut_one_row_short(csv_path)
        bad = 1 if args.one_short_row else 0
        ours, loaded = import_seconds(folder, Path(tmp) / "warehouse.duckdb", bad)
        print(f"time_entries.csv: {args.rows:,} rows, {size_mb:.0f} MB")
        print(f"duckdb read_csv into a table: {floor:.2f} s")
        print(
            "import_canonical in-process (checks, quarantine, history, raw; the great-expectations"
            f" suite is after the commit, not in this figure): {ours:.2f} s"
        )
        print(f"ratio: {ours / floor:.2f}x  (loaded {loaded:,} entries)")
        print(f"rows/s: {loaded / ours:,.0f}")


if __name__ == "__main__":
    main()
