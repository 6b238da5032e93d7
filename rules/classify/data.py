"""What the cascade reads from the warehouse: the catalog of SOW lines, the approved history,
the entries to classify and their candidate lines (rules/classify/sql/*.sql)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

SQL_DIR = Path(__file__).parent / "sql"
TARGET_COLUMNS = {
    "entry_id": pl.String,
    "person_id": pl.String,
    "date": pl.Date,
    "notes": pl.String,
    "project_id": pl.String,
}


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def catalog(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every SOW line with its project (and as TEMP table classify_catalog for candidates)."""
    frame = con.sql(sql("catalog")).pl()
    con.register("_catalog", frame)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE classify_catalog AS SELECT * FROM _catalog"
    ).fetchall()
    con.unregister("_catalog")
    return frame


def history(con: duckdb.DuckDBPyConnection, before: date) -> pl.DataFrame:
    return con.sql(sql("history"), params={"before": before}).pl()


def person_lines(con: duckdb.DuckDBPyConnection, before: date) -> pl.DataFrame:
    return con.sql(sql("person_lines"), params={"before": before}).pl()


def digest(con: duckdb.DuckDBPyConnection, before: date) -> str:
    return con.execute(sql("digest").replace("$before", "?"), [before]).fetchall()[0][0]


def targets(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    return con.sql(sql("targets"), params={"as_of": as_of}).pl()


def candidates(
    con: duckdb.DuckDBPyConnection, targets: pl.DataFrame, as_of: date, reach_days: int = 60
) -> pl.DataFrame:
    """(entry_id, sow_line_id, project_id) pairs; needs catalog() on the same connection.
    `reach_days`: how long after a person's last entry on a project it stays a candidate."""
    frame = targets.select(
        [
            pl.col(c).cast(t) if c in targets.columns else pl.lit(None, t).alias(c)
            for c, t in TARGET_COLUMNS.items()
        ]
    )
    con.register("_targets", frame)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE classify_targets AS SELECT * FROM _targets"
    ).fetchall()
    con.unregister("_targets")
    return con.sql(sql("candidates"), params={"as_of": as_of, "reach": reach_days}).pl()
