"""Incremental cursors per (source, entity), kept in the warehouse (sync_cursors, migration 008).

A cursor is opaque here (an `updated_since` timestamp, a unix time, an id). `write_cursors`
must run inside the transaction that writes the rows the new cursor covers (etl.sync.run does
that): a run that fails after fetching leaves the old cursor, so the next run asks again."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from core import clock

READ_SQL = "SELECT entity, cursor FROM sync_cursors WHERE source = ?"
WRITE_SQL = "INSERT OR REPLACE INTO sync_cursors VALUES (?, ?, ?, ?, ?)"


def read_cursors(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """{entity: cursor} of `source`; empty before its first successful run."""
    return dict(con.execute(READ_SQL, [source]).fetchall())


def write_cursors(
    con: duckdb.DuckDBPyConnection, source: str, cursors: Mapping[str, str], load_id: int | None
) -> None:
    """Moves the cursors of `source` (call inside the loading transaction)."""
    now = clock.now()
    rows = [[source, entity, value, load_id, now] for entity, value in cursors.items()]
    if rows:
        con.executemany(WRITE_SQL, rows)
