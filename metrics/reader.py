"""Short-lived access to the warehouse (read-only for pages, read-write for one action), and
the stamp that tells a cache it changed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from etl.warehouse import LATEST_VERSION, connect, migrate, resolve_db_path, schema_version

SQL_DIR = Path(__file__).parent / "sql"
Db = str | os.PathLike | None  # a warehouse path; None: $WAREHOUSE_DB or the default


class WarehouseBusy(RuntimeError):
    """Another process (an import or the demo build) holds the write lock right now."""


class WarehouseUnreadable(RuntimeError):
    """The warehouse file is damaged (truncated, overwritten) or is not a DuckDB database:
    nothing the app can read or fix. app.py shows it as one message on every page."""

    def __init__(self, path: Path, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path, self.detail = path, detail


# DuckDB's words for a file it cannot read as a database (IOException, or a bare Error).
DATABASE_SIZE_SQL = "SELECT block_size, total_blocks FROM pragma_database_size() LIMIT 1"
FILE_HEADERS_BYTES = 3 * 4096  # DuckDB's main header and its two database headers
DAMAGE_MARKERS = ("not a valid duckdb database", "could not read enough bytes", "corrupt",
                  "checksum", "failed to read", "deserializ")  # fmt: skip


@cache
def sql(name: str) -> str:
    """The text of metrics/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text()


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
    return con


@contextmanager
def read_only(db: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for the length of one block.

    The connection is never kept open: DuckDB lets a writer in only when no other process holds
    the file, so a connection cached for the app's lifetime would make every import fail. A
    warehouse that does not exist (or was never migrated) reads as an empty one."""
    path = resolve_db_path(db)
    with _busy_when_locked(path):
        con = _open(path) if path.exists() else _empty_warehouse()
        try:
            yield con  # a damaged block may only show when a query reads it
        finally:
            con.close()


@contextmanager
def _busy_when_locked(path: Path) -> Iterator[None]:
    """Turns DuckDB's lock error (another process is writing) into WarehouseBusy, and its
    errors for a damaged file into WarehouseUnreadable; anything else passes unchanged."""
    try:
        yield
    except duckdb.Error as exc:  # a checksum mismatch is a bare duckdb.Error in 2.0
        text = " ".join(str(exc).split())
        if "lock" in text.lower() and isinstance(exc, duckdb.IOException):
            raise WarehouseBusy(f"{path} is being written by another process") from exc
        if any(marker in text.lower() for marker in DAMAGE_MARKERS):
            raise WarehouseUnreadable(path, text) from exc
        raise


def _check_length(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A file cut short (a copy that stopped, a full disk) opens fine and fails only on the
    query that reads a missing block, maybe never on the page shown: compare the file's
    length with the blocks its header counts, so every page says so at once."""
    block_size, total_blocks = con.execute(DATABASE_SIZE_SQL).fetchone()
    expected = FILE_HEADERS_BYTES + block_size * total_blocks
    actual = path.stat().st_size
    if actual < expected:
        con.close()
        raise WarehouseUnreadable(
            path,
            f"the file is {actual:,} bytes but its header counts {expected:,}: it was cut short",
        )


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    with _busy_when_locked(path):
        con = connect(path, read_only=True)
        _check_length(con, path)
    version = schema_version(con)
    if version == 0:
        con.close()
        return _empty_warehouse()
    if version < LATEST_VERSION:
        # A warehouse built by an older version: upgrade it once (the migrations keep every
        # row, in one transaction each), then read it as usual.
        con.close()
        with _busy_when_locked(path):
            connect(path).close()
            con = connect(path, read_only=True)
    return con


@contextmanager
def read_write(db: Db = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection for one action (a decision, an approval), closed right after.

    Opening waits a few seconds for another writer, as every writer does; a load that holds the
    file longer raises WarehouseBusy."""
    path = resolve_db_path(db)
    with _busy_when_locked(path):
        con = connect(path)
        try:
            yield con
        finally:
            con.close()
