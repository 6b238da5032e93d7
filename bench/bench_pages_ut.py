"""The Utilization and Timesheet compliance pages on the 600-person demo firm: what each page
asks the warehouse, cold (a fresh prepared connection, as after a load) and warm (what a rerun
recomputes once st.cache_data holds the rows: the shaping), a drill-down's entries read, and
DuckDB's own time for the page's largest query.

Run: .venv/bin/python bench/bench_pages_ut.py [--db PATH] [--period YYYY-MM] [--range month|quarter]
Without --db it builds the demo firm (people 600) in a temp folder first (about 25 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics.filters import Filters
from metrics.session import _COMMENT, kpi_connection, kpi_sql
from read_models import compliance_view as cv
from read_models import utilization_view as uv

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, repeat: int = 1):
    """(result, median seconds of `repeat` runs)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def utilization_page(weeks):
    summaries = uv.summaries(weeks)
    teams = uv.team_table(weeks)
    people = uv.people_table(weeks)
    heat = uv.heatmap(weeks)
    split = uv.hours_split(weeks, "team")
    person = uv.person_weeks(weeks, people["person_id"][0])
    return summaries, teams, people, heat, split, person


def compliance_page(rows):
    return (
        cv.summaries(rows),
        cv.team_rates(rows),
        cv.offenders(rows),
        cv.grid(rows),
    )


def duckdb_time(con, name: str, params: dict) -> float:
    """DuckDB alone: the query's rows fetched as tuples, no Polars, no shaping."""
    text = _COMMENT.sub("", kpi_sql(name))
    used = {k: v for k, v in params.items() if f"${k}" in text}
    _, seconds = timed(lambda: con.execute(text, used).fetchall(), repeat=5)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--range", default="month", choices=("month", "quarter"))
    args = parser.parse_args()
    filters = (Filters.month if args.range == "month" else Filters.quarter_to)(args.period)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "warehouse.duckdb"
        if not args.db:
            subprocess.run(
                [sys.executable, "-m", "etl", "--db", str(db), "demo", "--people", "600"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        print(f"{filters.label()} on {db}")

        def cold(reader):
            with kpi_connection(db, last_day=filters.end) as con:
                return reader(con, filters)

        def prepared() -> None:
            with kpi_connection(db, last_day=filters.end):
                pass

        _, prepare = timed(prepared, 3)
        print(f"  prepare (connection, temp marts, fx, holidays, kpi_person_days): {prepare:.3f} s")
        for page, reader, shape in (
            ("Utilization", uv.utilization_weeks, utilization_page),
            ("Timesheet compliance", cv.compliance_weeks, compliance_page),
        ):
            rows, cold_read = timed(lambda reader=reader: cold(reader), repeat=3)
            _, shaping = timed(lambda rows=rows, shape=shape: shape(rows), repeat=5)
            print(f"{page}: {rows.height:,} rows")
            print(f"  cold (prepare + query + shaping): {cold_read + shaping:.3f} s")
            print(f"  warm (cached rows, shaping only): {shaping * 1000:.0f} ms")

        with kpi_connection(db, last_day=filters.end) as con:
            weeks = uv.utilization_weeks(con, filters)
            person = uv.people_table(weeks)["person_id"][0]
            _, entries_q = timed(lambda: uv.person_entries(con, filters, person), repeat=5)
            week = weeks["week_start"].max()
            _, week_q = timed(lambda: cv.week_entries(con, person, week), repeat=5)
            print(
                f"drill-down on a prepared connection: a person's month of entries "
                f"{entries_q * 1000:.0f} ms, one person-week {week_q * 1000:.0f} ms"
            )
            _, q_util = timed(lambda: uv.utilization_weeks(con, filters), repeat=5)
            _, q_comp = timed(lambda: cv.compliance_weeks(con, filters), repeat=5)
            params = {**filters.params(), "now": filters.end + timedelta(days=30)}
            print(
                f"query on a prepared connection (DuckDB + Polars): utilization_weeks "
                f"{q_util * 1000:.0f} ms, compliance {q_comp * 1000:.0f} ms"
            )
            print(
                f"DuckDB alone: utilization_weeks {duckdb_time(con, 'utilization_weeks', params) * 1000:.0f} ms, "
                f"compliance {duckdb_time(con, 'compliance', params) * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
