"""The connection layer (warehouse.sessions / warehouse.db) under one and two sessions: how long
one page read takes (20 runs each: a bare read-only connection with one query, and the Overview
page's metrics read on a prepared KPI connection), the same while another session holds a read
open, and how long a page action (accrue late fees) waits behind a read another session is in
the middle of, and whether it gets in at all.

Run: .venv/bin/python bench/bench_connections.py [--db PATH] [--period YYYY-MM]
Without --db it builds the default demo firm (24 people) in a temp folder first; the warehouse
is copied, never changed. Figures: docs/benchmarks.md ("Connections").
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.ar.late_fees import accrue_late_fees
from metrics.filters import Filters
from metrics.session import kpi_connection
from read_models.overview import overview
from warehouse.sessions import read_only, read_write

ROOT = Path(__file__).resolve().parent.parent
RUNS = 20


def bare_read(db: Path, filters: Filters) -> None:
    with read_only(db) as con:
        con.execute("SELECT count(*) FROM invoices").fetchall()


def page_read(db: Path, filters: Filters) -> None:
    with kpi_connection(db, last_day=filters.end) as con:
        overview(con, filters)


def timings(read: Callable[[Path, Filters], None], db: Path, filters: Filters) -> str:
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        read(db, filters)
        runs.append(time.perf_counter() - started)
    runs.sort()
    return (
        f"median {statistics.median(runs) * 1000:7.1f} ms  p90 {runs[int(RUNS * 0.9) - 1] * 1000:7.1f} ms"
        f"  max {runs[-1] * 1000:7.1f} ms"
    )


def while_another_session_reads(db: Path, work: Callable[[], str]) -> str:
    """`work()` while another thread holds a read connection open (a session mid-read)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with read_only(db) as con:
            con.execute("SELECT count(*) FROM invoices").fetchall()
            holding.set()
            release.wait(120)

    other = threading.Thread(target=hold)
    other.start()
    holding.wait(30)
    try:
        return work()
    finally:
        release.set()
        other.join()


def write_behind_read(db: Path, filters: Filters, as_of: date) -> str:
    """Session A starts the Overview read; 20 ms later session B accrues late fees. B's time
    from its click to done, and A's read time for comparison."""
    result: dict[str, str] = {}

    def reader() -> None:
        started = time.perf_counter()
        page_read(db, filters)
        result["read"] = f"{(time.perf_counter() - started) * 1000:.0f} ms"

    a = threading.Thread(target=reader)
    a.start()
    time.sleep(0.02)
    started = time.perf_counter()
    outcome = _write(db, as_of)
    waited = (time.perf_counter() - started) * 1000
    a.join()
    return f"write {waited:.0f} ms ({outcome}); the read it overlapped took {result.get('read')}"


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
                [sys.executable, "-m", "etl", "--db", str(db), "demo"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        page_read(db, filters)  # modules imported, file opened once: what a running app has
        print(f"one session, {RUNS} runs each")
        print(f"  bare read (open + 1 query)   {timings(bare_read, db, filters)}")
        print(f"  Overview page read           {timings(page_read, db, filters)}")
        print("while another session holds a read open")
        line = while_another_session_reads(db, lambda: timings(bare_read, db, filters))
        print(f"  bare read                    {line}")
        for n in range(3):
            line = write_behind_read(db, filters, filters.end)
            print(f"  write behind a page read #{n + 1}  {line}")
        line = while_another_session_reads(db, lambda: _timed_write(db, filters.end))
        print(f"  write while a read is held   {line}")


def _write(db: Path, as_of: date) -> str:
    """One page action; "done", or the error the layer gave (the old one failed here)."""
    try:
        with read_write(db) as con:
            accrue_late_fees(con, as_of, "bench")
    except duckdb.Error as err:
        return f"failed: {type(err).__name__}: {str(err).splitlines()[0][:90]}"
    return "done"


def _timed_write(db: Path, as_of: date) -> str:
    started = time.perf_counter()
    outcome = _write(db, as_of)
    return f"{(time.perf_counter() - started) * 1000:.0f} ms ({outcome})"


if __name__ == "__main__":
    main()
