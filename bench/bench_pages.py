"""The leadership pages' reads on the 600-person demo firm: each page cold (a fresh connection,
nothing cached) and warm (st.cache_data hit, as a rerun of the page gets it), the time of
`python -m metrics kpis`, and DuckDB's own time for the largest single query (the 12-month
realization rows) against the Python layers above it.

Run: .venv/bin/python bench/bench_pages.py [--db PATH] [--period YYYY-MM]
Without --db it builds the demo firm (people 600) in a temp folder first (about 25 s); the
warehouse is copied, never changed. Pages: metrics functions each page reads (PAGE_READERS).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from metrics.filters import Filters
from metrics.session import kpi_connection, kpi_sql
from warehouse.sessions import warehouse_stamp

ROOT = Path(__file__).resolve().parent.parent

# What each page asks metrics/ for on its first run: module:function called as f(con, filters),
# the functions the page hands to kpi_ui.read; "@db" marks one called as f(filters, db=path),
# the AR page's own cached reads.
PAGE_READERS: dict[str, list[str]] = {
    "Overview": ["read_models.overview:overview"],
    "Utilization": ["read_models.utilization_view:utilization_weeks"],
    "Realization & margin": ["read_models.realization_view:read_page"],
    "AR aging & DSO": ["read_models.ar_page:leadership_view@db"],
    "Timesheet compliance": ["read_models.compliance_view:compliance_weeks"],
}


def _resolve(spec: str):
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


@st.cache_data(show_spinner=False)
def _cached(stamp, spec: str, filters: Filters):
    if spec.endswith("@db"):
        return _resolve(spec.removesuffix("@db"))(filters, db=stamp[0])
    with kpi_connection(stamp[0], last_day=filters.end) as con:
        return _resolve(spec)(con, filters)


def time_page(db: Path, readers: list[str], filters: Filters) -> tuple[float, float]:
    stamp = warehouse_stamp(db)
    started = time.perf_counter()
    for spec in readers:  # cold: a fresh connection per page read, nothing cached
        _cached(stamp, spec, filters)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for spec in readers:  # warm: the cache answers, as on a rerun
        _cached(stamp, spec, filters)
    return cold, time.perf_counter() - started


def duckdb_time_of_largest_query(db: Path, filters: Filters) -> tuple[float, float, int]:
    """(DuckDB alone: the query run to an Arrow table, the whole row function: parameters,
    query and the frame handed to polars, rows) for the 12-month realization rows, the largest
    single query of the pages, both on a warm connection."""
    from metrics.filters import trend_months
    from metrics.kpis import realization_rows

    months = trend_months(filters, 12)
    whole = filters.with_range(months[0].start, months[-1].end)
    with kpi_connection(db) as con:
        realization_rows(con, whole)  # once to warm the buffers: both figures below are warm
        started = time.perf_counter()
        con.sql(kpi_sql("realization"), params=whole.params()).to_arrow_table()
        alone = time.perf_counter() - started
        started = time.perf_counter()
        rows = realization_rows(con, whole)
        wall = time.perf_counter() - started
    return alone, wall, rows.height


def warm_up(db: Path, filters: Filters) -> None:
    """What a running app has done before a page's first read after a load: its modules
    imported and the file opened once. Without this the first page timed pays for both."""
    for specs in PAGE_READERS.values():
        for spec in specs:
            _resolve(spec.removesuffix("@db"))
    with kpi_connection(db, last_day=filters.end):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--period", default="2026-09")
    args = parser.parse_args()
    filters = Filters.month(args.period)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            subprocess.run(
                [sys.executable, "-m", "etl", "--db", str(db), "demo", "--people", "600"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [sys.executable, "-m", "rules", "--db", str(db), "run"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        with kpi_connection(db) as con:
            entries = con.execute("SELECT count(*) FROM time_entries").fetchall()[0][0]
        print(f"warehouse: {entries:,} time entries; period {args.period}")
        warm_up(db, filters)
        print(f"{'page':<24} {'cold s':>8} {'warm ms':>8}")
        for page, readers in PAGE_READERS.items():
            cold, warm = time_page(db, readers, filters)
            print(f"{page:<24} {cold:>8.2f} {warm * 1000:>8.1f}")
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "metrics",
                "--db",
                str(db),
                "kpis",
                "--period",
                args.period,
                "--format",
                "json",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        print(f"python -m metrics kpis: {time.perf_counter() - started:.2f} s (process included)")
        alone, wall, rows = duckdb_time_of_largest_query(db, filters)
        print(
            f"largest query (12-month realization rows, {rows:,} rows): DuckDB alone "
            f"{alone:.2f} s, through metrics.kpis.realization_rows {wall:.2f} s"
        )


if __name__ == "__main__":
    main()
