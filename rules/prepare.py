"""What rules need before their SQL runs and SQL cannot compute: the firm's public holidays
(from the `holidays` package for firm.holidays_country) as the temp table firm_holidays."""

from __future__ import annotations

from datetime import date

import duckdb
import holidays


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
