"""Opening the DuckDB warehouse: path resolution, schema migrations, mart views, transactions,
and the one error every lock or write conflict becomes (WarehouseBusy).

How connections are shared inside one process (the app) is warehouse/access.py; docs/warehouse.md
describes the whole model."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.cli_errors import UserError
from core.file_digest import files_digest
from warehouse import exception_groups

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "warehouse.duckdb"
MIGRATIONS_DIR = Path(__file__).parent / "sql" / "migrations"
MARTS_DIR = Path(__file__).parent / "sql" / "marts"
MARTS_DIGEST_KEY = "marts_sha256"  # warehouse_meta row: the mart SQL the views were made from
CLI_WAIT_SECONDS = 10.0  # how long a command waits for another process to release the file
BUSY_MESSAGE = "The warehouse is busy; try again in a moment."


class WarehouseBusy(duckdb.IOException):
    """Someone else is using the warehouse in a way that excludes this call right now: another
    process holds the file (DuckDB's lock), another session's write held the app's writer lock
    past the wait, or two transactions changed the same rows. Nothing was written by the call
    that gets it; the same call succeeds a moment later.

    A subclass of duckdb.IOException so that every command line that already reports DuckDB's
    lock error in one line reports this one the same way."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{BUSY_MESSAGE} ({detail})" if detail else BUSY_MESSAGE)
        self.detail = detail


class WarehouseUnreadable(UserError, RuntimeError):
    """The warehouse file is damaged (truncated, overwritten) or is not a DuckDB database:
    nothing the app can read or fix. app.py shows it as one message on every page."""

    def __init__(self, path: Path, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path, self.detail = path, detail


# DuckDB's words for a file it cannot read as a database (IOException, or a bare Error).
DAMAGE_MARKERS = (
    "not a valid duckdb database",
    "could not read enough bytes",
    "corrupt",
    "checksum",
    "failed to read",
    "deserializ",
)
# Blocks in use: a checkpoint may give free blocks at the end of the file back to the disk
# (seen after the marts were re-created on a 600-person warehouse: 488 blocks counted, one of
# them free, the file one block shorter), so only the used ones must be there.
DATABASE_SIZE_SQL = (
    "SELECT block_size, total_blocks - free_blocks FROM pragma_database_size() LIMIT 1"
)
FILE_HEADERS_BYTES = 3 * 4096  # DuckDB's main header and its two database headers


def as_unreadable(err: BaseException, path: Path) -> BaseException:
    """`err` as WarehouseUnreadable when DuckDB's message says the file is damaged, else `err`
    (a checksum mismatch is a bare duckdb.Error in 2.0, so the message decides)."""
    if not isinstance(err, duckdb.Error) or busy_reason(err) is not None:
        return err
    text = " ".join(str(err).split())
    if not any(marker in text.lower() for marker in DAMAGE_MARKERS):
        return err
    unreadable = WarehouseUnreadable(path, text)
    unreadable.__cause__ = err
    return unreadable


def check_length(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A file cut short (a copy that stopped, a full disk) opens fine and fails only on the
    query that reads a missing block, maybe never on the page shown: compare the file's length
    with the blocks its header counts when it is opened, so every page says so at once."""
    block_size, total_blocks = con.execute(DATABASE_SIZE_SQL).fetchone()
    expected = FILE_HEADERS_BYTES + block_size * total_blocks
    actual = path.stat().st_size
    if actual < expected:
        raise WarehouseUnreadable(
            path,
            f"the file is {actual:,} bytes but its header counts {expected:,}: it was cut short",
        )


# DuckDB's exception classes are too broad to tell a lock from a missing file, or a write
# conflict from a bad statement; their messages tell.
_BUSY_MESSAGES: tuple[tuple[type[duckdb.Error], tuple[str, ...]], ...] = (
    (duckdb.IOException, ("could not set lock", "conflicting lock")),  # another process
    (duckdb.ConnectionException, ("different configuration",)),  # read-only vs read-write
    (duckdb.TransactionException, ("conflict",)),  # "Conflict on update!", write-write, ...
    # Opening the file while another thread of this process closes its last connection to it:
    # the closing instance still holds the file for a moment ("Unique file handle conflict").
    (duckdb.ResourceInUseException, ("file handle conflict", "already attached")),
)


def busy_reason(err: BaseException) -> str | None:
    """The first line of DuckDB's message when `err` means "someone else is using it", else
    None. A constraint violation found only at COMMIT counts too: it is a row a concurrent
    transaction committed first (one against rows committed before is raised at the INSERT,
    as a ConstraintException, and stays what it is)."""
    if isinstance(err, WarehouseBusy):
        return err.detail or BUSY_MESSAGE
    text = str(err).strip()
    lower = text.lower()
    busy = any(
        isinstance(err, kind) and any(p in lower for p in patterns)
        for kind, patterns in _BUSY_MESSAGES
    )
    if isinstance(err, duckdb.TransactionException) and "failed to commit" in lower:
        busy = busy or "constraint" in lower
    return (text.splitlines()[0][:200] if text else type(err).__name__) if busy else None


def as_busy(err: BaseException) -> BaseException:
    """`err` as WarehouseBusy when it is a lock or conflict error, else `err` itself."""
    reason = busy_reason(err)
    if reason is None or isinstance(err, WarehouseBusy):
        return err
    busy = WarehouseBusy(reason)
    busy.__cause__ = err
    return busy


def resolve_db_path(db: str | os.PathLike | None = None) -> Path:
    """--db wins, then WAREHOUSE_DB (environment or secrets.toml: core.settings), then
    data/warehouse.duckdb."""
    if db:
        return Path(db)
    from core import settings

    env = settings.raw("WAREHOUSE_DB")
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
    """The schema version of the warehouse (0: never migrated). Call it outside a transaction:
    on a file without the table the failed query would end one. It asks the table directly
    (catalog listings such as information_schema cost tens of milliseconds on a fresh open),
    with DuckDB's Python replacement scans off so a missing table is not looked up among the
    caller's Python names (this module has a function of the same name)."""
    con.execute("SET python_enable_replacements = false")
    try:
        return scalar(con, "SELECT coalesce(max(version), 0) FROM schema_version")
    except duckdb.CatalogException:
        return 0
    finally:
        con.execute("RESET python_enable_replacements")


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migrations this warehouse has run. A set, not the highest number: branches land in
    any order, and a warehouse migrated to 11 before 9 and 10 existed still needs 9 and 10.
    Call it outside a transaction (see schema_version)."""
    con.execute("SET python_enable_replacements = false")
    try:
        return {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    except duckdb.CatalogException:
        return set()
    finally:
        con.execute("RESET python_enable_replacements")


def apply_migrations(con: duckdb.DuckDBPyConnection, target: int | None = None) -> list[int]:
    """Runs every numbered migration (up to `target`) the warehouse has not run yet, in order,
    one per transaction, keeping all data; returns the versions it ran. A warehouse already
    there is left untouched (no DDL at all)."""
    applied = applied_versions(con)
    missing = [
        (version, path)
        for version, path in migrations()
        if version not in applied and (target is None or version <= target)
    ]
    if missing:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMPTZ)"
        )
    for version, path in missing:
        with transaction(con):
            con.execute(path.read_text())
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    return [version for version, _ in missing]


def migrate(con: duckdb.DuckDBPyConnection, target: int | None = None) -> int:
    """Upgrades the schema in place (apply_migrations); returns the schema version."""
    apply_migrations(con, target)
    return schema_version(con)


def marts_digest() -> str:
    """sha256 of the mart views' SQL files (names and text): what the views were made from."""
    return files_digest(sorted(MARTS_DIR.glob("*.sql")))


def create_marts(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)creates the mart views from their .sql files."""
    for path in sorted(MARTS_DIR.glob("*.sql")):
        con.execute(path.read_text())


def ensure_marts(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> bool:
    """Re-creates the mart views only when their SQL changed since they were made (the digest
    kept in warehouse_meta) or `force` (a migration just ran). Re-creating a view on every open
    made two sessions opening at once collide on the catalog. True when it re-created them."""
    digest = marts_digest()
    stored = scalar(con, "SELECT value FROM warehouse_meta WHERE key = ?", [MARTS_DIGEST_KEY])
    if stored == digest and not force:
        return False
    with transaction(con):
        create_marts(con)
        con.execute(
            "INSERT OR REPLACE INTO warehouse_meta VALUES (?, ?, now())", [MARTS_DIGEST_KEY, digest]
        ).fetchall()
    return True


def ensure_current(con: duckdb.DuckDBPyConnection) -> None:
    """Pending migrations, then the marts if a migration ran or their SQL changed, then the
    findings' groups table if it was never built or by another grouping
    (warehouse.exception_groups): the only times opening the warehouse writes anything."""
    ensure_marts(con, force=bool(apply_migrations(con)))
    ensure_groups(con)


def ensure_groups(con: duckdb.DuckDBPyConnection) -> bool:
    """Builds exception_groups when the warehouse has none by this grouping (migration 016
    just ran, or the grouping changed); True when it did."""
    if exception_groups.is_current(con):
        return False
    with transaction(con):
        exception_groups.rebuild_in(con)
    return True


def connect(
    db: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Opens (creating and upgrading if needed) the warehouse: a plain connection for a command
    line process (the caller closes it), waiting up to CLI_WAIT_SECONDS for another process to
    let go of the file. The app goes through warehouse.sessions (read_only / read_write) instead,
    which shares one database instance between its sessions.

    `read_only=True` opens the file in DuckDB's read-only mode (several processes may read at
    once); in a process that already has the file open read-write (the app) that is refused as
    "different configuration", so the app never asks for it.

    `wait_seconds` replaces CLI_WAIT_SECONDS: a background validator (etl/validation.py) waits
    minutes for the import or command that holds the file instead of failing (DuckDB allows one
    writing process per file)."""
    path = resolve_db_path(db)
    if read_only:
        con = _connect_waiting_for_lock(path, wait_seconds, read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        return con
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect_waiting_for_lock(path, wait_seconds)
    try:
        con.execute("SET TimeZone = 'UTC'")
        ensure_current(con)
    except BaseException:
        con.close()
        raise
    return con


def _connect_waiting_for_lock(
    path: Path, wait_seconds: float | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Opens the file, retrying while another process holds it (the app holds it only while a
    session reads or writes) or another thread of this one is closing it. After `wait_seconds` (CLI_WAIT_SECONDS) DuckDB's lock error
    goes up as it is; other errors (a corrupt file) at once."""
    wait = CLI_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (
            duckdb.IOException,
            duckdb.ConnectionException,
            duckdb.ResourceInUseException,
        ) as err:
            if busy_reason(err) is None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure anywhere inside leaves the warehouse as it was. A write
    conflict with another transaction (inside, or found at COMMIT) is raised as WarehouseBusy,
    having written nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException as err:
        _rollback(con)
        busy = as_busy(err)
        if busy is err:
            raise
        raise busy from err
    try:
        con.execute("COMMIT")
    except duckdb.Error as err:
        _rollback(con)  # DuckDB has already rolled back a failed COMMIT; this is for the rest
        busy = as_busy(err)
        if busy is err:
            raise
        raise busy from err


ORDER_SETTING = "preserve_insertion_order"


@contextmanager
def in_any_order(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Statements inside may write their rows in any order, for a write whose rows carry their
    own order (a line number): DuckDB then inserts from several threads without keeping the
    source's order. The session's setting comes back afterwards; when a failed statement left
    the transaction aborted it cannot, so a reader that relies on order (etl/csv_source.py)
    asks for it itself (keep_order)."""
    con.execute(f"SET SESSION {ORDER_SETTING} = false")
    try:
        yield con
    finally:
        try:
            con.execute(f"RESET SESSION {ORDER_SETTING}")
        except duckdb.TransactionException:
            pass  # aborted: keep_order puts it back for the readers that need it


def keep_order(con: duckdb.DuckDBPyConnection) -> None:
    """Queries on `con` return rows in their source's order (DuckDB's default)."""
    con.execute(f"SET SESSION {ORDER_SETTING} = true")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK, quiet when DuckDB already ended the transaction (a failed COMMIT does)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass
