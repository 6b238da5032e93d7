"""What rules need before their SQL runs: the firm's public holidays (the `holidays` package
for firm.holidays_country, which SQL cannot compute) as the temp table firm_holidays, and the
person-week capacity the time-discipline rules share (rule_person_weeks, built once)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import holidays

PERSON_WEEKS_SQL = (Path(__file__).parent / "person_weeks.sql").read_text(encoding="utf-8")


def firm_holidays(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """temp table firm_holidays(date DATE, name VARCHAR): one row per public holiday of the
    firm's holidays_country between the first time entry and as_of (empty without a country)."""
    con.execute("CREATE OR REPLACE TEMP TABLE firm_holidays (date DATE, name VARCHAR)")
    country = con.execute("SELECT max(holidays_country) FROM firm").fetchall()[0][0]
    first = con.execute("SELECT min(date) FROM time_entries").fetchall()[0][0]
    if not country or first is None:
        return
    try:
        calendar = holidays.country_holidays(country, years=range(first.year, as_of.year + 1))
    except NotImplementedError:
        return  # an unknown country code: no public holidays rather than a failed run
    rows = sorted((day, name) for day, name in calendar.items() if first <= day <= as_of)
    if rows:
        con.executemany("INSERT INTO firm_holidays VALUES (?, ?)", [list(r) for r in rows])


def prepare(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    firm_holidays(con, as_of)
    # DuckDB binds no parameters inside CREATE TABLE AS; as_of is a date, so its ISO literal
    # is safe to inline.
    con.execute(PERSON_WEEKS_SQL.replace("$as_of", f"DATE '{as_of.isoformat()}'"))
