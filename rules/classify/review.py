"""What the Exceptions page reads about classification: the current suggestion of each
selected entry, and the app's way to start a local-first run."""

from __future__ import annotations

import duckdb
import polars as pl

from app_auth import guard
from rules.classify import data, llm
from rules.classify.cascade import ClassifyRun, run_classify
from rules.classify.config import load_classify_config
from warehouse.sessions import Db, read_only

HAS_TABLE_SQL = (
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'classify_suggestions'"
)


def current_suggestions(entry_ids: list[str], db: Db = None) -> pl.DataFrame:
    """Latest open or applied suggestion per entry; empty before the first classify run (or on
    a warehouse from before schema version 5)."""
    with read_only(db) as con:
        if not entry_ids or con.execute(HAS_TABLE_SQL).fetchall()[0][0] == 0:
            return pl.DataFrame()
        return con.sql(data.sql("current_suggestions"), params={"entry_ids": list(entry_ids)}).pl()


def classify_from_app(con: duckdb.DuckDBPyConnection, actor: str) -> ClassifyRun:
    """A run as of today with the firm's config; the LLM only when a key is configured."""
    guard.require("decide_exceptions", actor)
    return run_classify(
        con, None, load_classify_config(), llm_mode="auto", actor=actor, api_key=llm.api_key()
    )
