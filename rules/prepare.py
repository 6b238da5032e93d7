"""What rules need before their SQL runs: the shared day tables up to as_of (public holidays,
capacity by person-day and FX by day: warehouse/day_tables.py) and the person-week capacity
the time-discipline rules share (rule_person_weeks, built once)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from warehouse.day_tables import build_day_tables

PERSON_WEEKS_SQL = (Path(__file__).parent / "person_weeks.sql").read_text(encoding="utf-8")


def prepare(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    build_day_tables(con, as_of)
    # DuckDB binds no parameters inside CREATE TABLE AS; as_of is a date, so its ISO literal
    # is safe to inline.
    con.execute(PERSON_WEEKS_SQL.replace("$as_of", f"DATE '{as_of.isoformat()}'"))
