"""The day tables every reader shares, built per connection up to a last day: the firm's
public holidays, capacity by person-day, and the FX rate in force by day.

They are the one definition of two business nouns that billing's rules, the KPIs and the
time-discipline rules all need (DATA_CONTRACT "Capacity" and rule 7). They are TEMP tables,
not views, because public holidays come from the `holidays` package (SQL cannot compute them)
and because an equality join on a day table is several times cheaper than an ASOF join.
Grain and invariants are tested in tests/warehouse/test_day_tables.py."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import duckdb
import holidays

SQL_DIR = Path(__file__).parent / "sql" / "day_tables"


@cache
def day_table_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def public_holidays(con: duckdb.DuckDBPyConnection, years: range) -> dict[date, str]:
    """The firm's public holidays in `years` (firm.holidays_country; none without one, and
    none for a country code the `holidays` package does not know, rather than a failed run)."""
    country = con.execute("SELECT max(holidays_country) FROM firm").fetchall()[0][0]
    if not country:
        return {}
    try:
        return dict(holidays.country_holidays(country, years=years))
    except NotImplementedError:
        return {}


def build_firm_holidays(con: duckdb.DuckDBPyConnection, last_day: date) -> None:
    """temp table firm_holidays(date DATE, name VARCHAR): one row per public holiday from the
    week before the first time entry (capacity starts at that week's first day) to last_day."""
    con.execute("CREATE OR REPLACE TEMP TABLE firm_holidays (date DATE, name VARCHAR)")
    first = con.execute("SELECT min(date) FROM time_entries").fetchall()[0][0]
    if first is None:
        return
    first -= timedelta(days=6)
    calendar = public_holidays(con, range(first.year, last_day.year + 1))
    rows = sorted((day, name) for day, name in calendar.items() if first <= day <= last_day)
    if rows:
        con.executemany("INSERT INTO firm_holidays VALUES (?, ?)", [list(r) for r in rows])


def _with_last_day(sql: str, last_day: date) -> str:
    # DuckDB binds no parameters inside CREATE TABLE AS; a date's ISO literal is safe to inline.
    return sql.replace("$last_day", f"DATE '{last_day.isoformat()}'")


def build_day_tables(con: duckdb.DuckDBPyConnection, last_day: date) -> None:
    """firm_holidays, person_day_capacity and fx_to_base up to `last_day` on this connection."""
    build_firm_holidays(con, last_day)
    con.execute(_with_last_day(day_table_sql("person_day_capacity"), last_day))
    con.execute(_with_last_day(day_table_sql("fx_to_base"), last_day))
