"""A read-only connection ready for the KPI queries: the firm's public holidays, an FX lookup
and each person's working days, all as TEMP objects (a read-only transaction may create those).
The mart views are the warehouse's own: opening it brings them up to this version of the code
(warehouse.db.ensure_marts), so a read never re-creates them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from core import clock
from rules.prepare import firm_holidays
from warehouse.sessions import Db, read_only

KPI_SQL_DIR = Path(__file__).parent / "sql" / "kpi"

# fx_to_base: the rate to the base currency of every currency on every day from the first
# fx_rates row (or 2000-01-01) to $last_day: the latest fx_rates row on or before the day, as
# billing converts expenses (DATA_CONTRACT rule 7); the base currency is always 1. A day table
# turns every conversion into an equality join, several times cheaper than an ASOF join on
# 300k rows. A currency with no rate yet on a day has no row: its amounts read NULL.
FX_TO_BASE_SQL = """
CREATE OR REPLACE TEMP TABLE fx_to_base AS
WITH rates AS (
    SELECT currency, date, rate_to_base AS rate FROM fx_rates
    UNION ALL
    SELECT base_currency, DATE '2000-01-01', 1 FROM firm WHERE base_currency IS NOT NULL
),
days AS (
    SELECT c.currency, CAST(unnest(generate_series(CAST(c.first_day AS TIMESTAMP),
                                                   CAST($last_day AS TIMESTAMP),
                                                   INTERVAL 1 DAY)) AS DATE) AS date
    FROM (SELECT currency, min(date) AS first_day FROM rates GROUP BY ALL) c
)
SELECT d.currency, d.date, r.rate
FROM days d ASOF JOIN rates r ON r.currency = d.currency AND d.date >= r.date
"""


_INCLUDE = re.compile(r"^@include (\w+)", re.MULTILINE)


@cache
def kpi_sql(name: str) -> str:
    """The text of metrics/sql/kpi/<name>.sql, its `@include other` lines replaced by the
    text of metrics/sql/kpi/other.sql (CTEs two queries share)."""
    return expand_includes((KPI_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def expand_includes(text: str) -> str:
    return _INCLUDE.sub(lambda m: kpi_sql(m.group(1)), text)


def prepare(con: duckdb.DuckDBPyConnection, last_day: date) -> None:
    """Readies `con` for the KPI queries up to `last_day` (holidays and capacity end there)."""
    con.execute(FX_TO_BASE_SQL.replace("$last_day", f"DATE '{last_day.isoformat()}'"))
    firm_holidays(con, last_day)
    # DuckDB binds no parameters inside CREATE TABLE AS; a date's ISO literal is safe.
    con.execute(kpi_sql("person_days").replace("$last_day", f"DATE '{last_day.isoformat()}'"))


@contextmanager
def kpi_connection(
    db: Db = None, last_day: date | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection prepared for KPIs up to `last_day` (default today)."""
    with read_only(db) as con:
        today = clock.today()
        prepare(con, max(last_day or today, today))
        yield con


_PARAM = re.compile(r"\$([A-Za-z_]\w*)")
_COMMENT = re.compile(r"--[^\n]*")


def query(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object], wrap: str = "{rows}"
) -> pl.DataFrame:
    """Runs metrics/sql/kpi/<name>.sql with the parameters it names (DuckDB refuses unused
    named parameters; a `$word` inside a comment is not one). `wrap` may aggregate the rows in
    DuckDB ("SELECT month, sum(x) FROM ({rows}) GROUP BY month") when only totals are needed."""
    return run_sql(con, wrap.format(rows=_COMMENT.sub("", kpi_sql(name))), params, name)


def run_sql(
    con: duckdb.DuckDBPyConnection, text: str, params: dict[str, object], name: str = "query"
) -> pl.DataFrame:
    """Runs SQL text with the parameters it names, as polars."""
    text = _COMMENT.sub("", expand_includes(text))
    used = set(_PARAM.findall(text))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"{name} needs {sorted(missing)}")
    return con.sql(text, params={k: v for k, v in params.items() if k in used}).pl()
