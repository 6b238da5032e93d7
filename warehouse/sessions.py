"""Access to the warehouse for the app's sessions (read_only for pages, read_write for one
action) and the stamp that tells a cache it changed.

Both are blocks on a connection of the process's shared warehouse instance (warehouse/access.py):
reads see the last committed state and never wait for a write; writes take turns. Any lock or
write conflict comes out as WarehouseBusy, which the pages show as "the warehouse is busy".
docs/warehouse.md describes the model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse import access
from warehouse.access import session_connection, write_turn
from warehouse.db import (
    WarehouseBusy,
    WarehouseUnreadable,
    as_busy,
    as_unreadable,
    create_marts,
    migrate,
    resolve_db_path,
)

__all__ = [
    "Db",
    "WarehouseBusy",
    "held",
    "WarehouseUnreadable",
    "read_only",
    "read_write",
    "warehouse_stamp",
]

Db = str | os.PathLike | None  # a warehouse path; None: $WAREHOUSE_DB or the default


def warehouse_stamp(db: str | os.PathLike | None = None) -> tuple[str, int, int]:
    """(path, mtime of the file, mtime of its WAL): changes whenever a load commits.

    Cached query results are keyed on it, so a new load shows up on the next rerun."""
    path = resolve_db_path(db)
    wal = path.with_name(path.name + ".wal")
    return (str(path), _mtime_ns(path), _mtime_ns(wal))


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _empty_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with the full schema and no rows: every query answers empty."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    migrate(con)
    create_marts(con)
    return con


@contextmanager
def held(db: Db = None) -> Iterator[None]:
    """The warehouse kept open for the block, as app.py keeps it for one run of a page: the
    read_only and read_write blocks inside share one opening of the file. Idle afterwards as
    before: the file is let go when the block ends (and no other session is inside one)."""
    with access.held(resolve_db_path(db)):
        yield


@contextmanager
def _busy_as_warehouse_busy(path: Path) -> Iterator[None]:
    """DuckDB's lock and conflict errors (opening, or inside the block) as WarehouseBusy, and
    its errors for a damaged file as WarehouseUnreadable (a damaged block may only show when
    a query reads it)."""
    try:
        yield
    except duckdb.Error as err:
        mapped = as_busy(err)
        if mapped is err:
            mapped = as_unreadable(err, path)
        if mapped is err:
            raise
        raise mapped from err


@contextmanager
def read_only(db: Db = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for reading, for the length of one block, in one read-only transaction: the
    block sees one consistent state however many queries it runs, even while another session
    writes, and cannot write itself (TEMP tables and views are allowed). A warehouse that does
    not exist reads as an empty one.

    Nothing stays open after the block (unless another session is still inside one), so an
    import in another process gets the file as soon as the app is idle."""
    path = resolve_db_path(db)
    if not path.exists():
        con = _empty_warehouse()
        try:
            yield con
        finally:
            con.close()
        return
    with _busy_as_warehouse_busy(path), session_connection(path) as con:
        con.execute("BEGIN TRANSACTION READ ONLY")
        try:
            yield con
        finally:
            _end_read(con)


def _end_read(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass  # the block ended its transaction itself


@contextmanager
def read_write(db: Db = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one action (a decision, an approval), for the length of one block.

    Actions of this process take turns (one at a time, waiting up to
    warehouse.access.WRITER_WAIT_SECONDS for the one before); reads go on meanwhile. A warehouse that
    does not exist is created. Busy (another process writing, a turn not coming, a conflict)
    raises WarehouseBusy, and the action's own transactions leave nothing half-written."""
    path = resolve_db_path(db)
    with _busy_as_warehouse_busy(path), write_turn(path), session_connection(path) as con:
        yield con
