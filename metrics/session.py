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
from warehouse import attribution_snapshot
from warehouse.day_tables import build_day_tables
from warehouse.sessions import Db, read_only

KPI_SQL_DIR = Path(__file__).parent / "sql" / "kpi"

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
    build_day_tables(con, last_day)  # firm_holidays, person_day_capacity, fx_to_base
    con.execute(kpi_sql("person_days"))


def prepare_to(con: duckdb.DuckDBPyConnection, last_day: date | None = None) -> None:
    """prepare() up to `last_day`, never stopping before today (the default)."""
    today = clock.today()
    prepare(con, max(last_day or today, today))


@contextmanager
def kpi_connection(
    db: Db = None, last_day: date | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection prepared for KPIs up to `last_day` (default today)."""
    with read_only(db) as con:
        prepare_to(con, last_day)
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
    text = with_attribution_source(con, _COMMENT.sub("", expand_includes(text)))
    used = set(_PARAM.findall(text))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"{name} needs {sorted(missing)}")
    return con.sql(text, params={k: v for k, v in params.items() if k in used}).pl()


def with_attribution_source(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """`text` reading the attribution snapshot instead of pricing the work again while it is
    current (attribution_snapshot.reading_snapshot, which billing and the rules use too)."""
    return attribution_snapshot.reading_snapshot(con, text)
