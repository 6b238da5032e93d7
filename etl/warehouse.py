"""Opening the DuckDB warehouse: path resolution, schema migrations, mart views, transactions."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "warehouse.duckdb"
MIGRATIONS_DIR = Path(__file__).parent / "sql" / "migrations"
MARTS_DIR = Path(__file__).parent / "sql" / "marts"


def resolve_db_path(db: str | os.PathLike | None = None) -> Path:
    """--db wins, then $WAREHOUSE_DB, then data/warehouse.duckdb."""
    if db:
        return Path(db)
    env = os.environ.get("WAREHOUSE_DB")
    return Path(env) if env else DEFAULT_DB


def migrations() -> list[tuple[int, Path]]:
    """The numbered migration files, in order; the number is the schema version it produces."""
    found = []
    for path in MIGRATIONS_DIR.glob("*.sql"):
        found.append((int(path.name.split("_", 1)[0]), path))
    return sorted(found)


LATEST_VERSION = migrations()[-1][0]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """One value. Fetches everything: DuckDB 2.0 refuses new work while a result is unfinished."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return scalar(con, "SELECT coalesce(max(version), 0) FROM schema_version")


def migrate(con: duckdb.DuckDBPyConnection, target: int | None = None) -> int:
    """Upgrades the schema in place, one migration per transaction, keeping all data."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMPTZ)"
    )
    current = schema_version(con)
    for version, path in migrations():
        if version <= current or (target is not None and version > target):
            continue
        with transaction(con):
            con.execute(path.read_text())
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
        current = version
    return current


def create_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Mart views are derived, so they are rebuilt from their .sql files on every open."""
    for path in sorted(MARTS_DIR.glob("*.sql")):
        con.execute(path.read_text())


def connect(
    db: str | os.PathLike | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Opens (creating and upgrading if needed) the warehouse."""
    path = resolve_db_path(db)
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        return con
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect_waiting_for_lock(path)
    con.execute("SET TimeZone = 'UTC'")
    migrate(con)
    create_marts(con)
    return con


def _connect_waiting_for_lock(path: Path, wait_seconds: float = 10.0) -> duckdb.DuckDBPyConnection:
    """The app opens the file read-only for a moment per query; a writer waits that out."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure anywhere inside leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
