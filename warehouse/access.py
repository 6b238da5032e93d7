"""The warehouse shared by every session of one process (Streamlit serves all sessions from one
process, each in its own thread).

DuckDB refuses to open a file read-only in a process that has it open read-write, and the
reverse ("different configuration"). So every connection of the process is opened the same way
(read-write) onto one database instance per file, which DuckDB's MVCC lets sessions read while
another writes. Writes go one at a time through a process-wide lock per file; the instance is
closed when the last session lets go of it, so another process (an import) can write while the
app is idle. docs/warehouse.md has the whole model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.db import (
    WarehouseBusy,
    WarehouseUnreadable,
    _connect_waiting_for_lock,
    as_unreadable,
    busy_reason,
    check_length,
    ensure_current,
)

FILE_WAIT_SECONDS = 3.0  # how long a session waits for another process to release the file
WRITER_WAIT_SECONDS = 10.0  # how long a session's write waits for another session's write


@dataclass
class _SharedFile:
    """One warehouse file as this process holds it."""

    opening: threading.Lock = field(default_factory=threading.Lock)  # guards anchor and users
    writer: threading.RLock = field(default_factory=threading.RLock)  # one write at a time
    anchor: duckdb.DuckDBPyConnection | None = None  # keeps the instance open; never queried
    users: int = 0


_files: dict[str, _SharedFile] = {}
_files_lock = threading.Lock()


def _shared(path: Path) -> _SharedFile:
    key = str(path.resolve())
    with _files_lock:
        return _files.setdefault(key, _SharedFile())


@contextmanager
def session_connection(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own (a cursor on the shared instance) for one block of one thread.

    The first user of the file opens the instance, waiting up to FILE_WAIT_SECONDS for another
    process, and brings the schema and the mart views up to date (the only time opening writes
    anything, and no other session of this process is using the file then); the last one to
    leave closes it."""
    with _using(path) as anchor:
        con = anchor.cursor()
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()


@contextmanager
def held(path: Path) -> Iterator[None]:
    """The instance stays open for the block, so the blocks inside it (a page's run: its
    sign-in check, sidebar and reads) share one opening of the file instead of each opening and
    closing it (~40 ms and a cold buffer each, 4-6 times in a page's first run). A file that
    does not exist is not created, and one that cannot be opened (busy, damaged) is not held:
    the blocks inside report it as they do."""
    with ExitStack() as stack:
        if path.exists():
            try:
                stack.enter_context(_using(path))
            except (duckdb.Error, WarehouseUnreadable):  # WarehouseBusy is a duckdb.Error
                pass
        yield


@contextmanager
def _using(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One user of the file's shared instance for the block (its anchor): the first user opens
    the instance, the last one to leave closes it."""
    shared = _shared(path)
    with shared.opening:
        if shared.anchor is None:
            shared.anchor = _open_instance(path)
        shared.users += 1
        anchor = shared.anchor
    try:
        yield anchor
    finally:
        with shared.opening:
            _leave(shared)


def _leave(shared: _SharedFile) -> None:
    """One user fewer (called holding shared.opening); the last one closes the instance."""
    shared.users -= 1
    if shared.users == 0 and shared.anchor is not None:
        anchor, shared.anchor = shared.anchor, None
        anchor.close()


def _open_instance(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        anchor = _connect_waiting_for_lock(path, FILE_WAIT_SECONDS)
    except duckdb.Error as err:
        reason = busy_reason(err)
        if reason is None:
            raise as_unreadable(err, path) from err
        raise WarehouseBusy(f"{path} is held by another process: {reason}") from err
    try:
        anchor.execute("SET TimeZone = 'UTC'")
        check_length(anchor, path)
        ensure_current(anchor)
    except duckdb.Error as err:
        anchor.close()
        raise as_unreadable(err, path) from err
    except BaseException:
        anchor.close()
        raise
    return anchor


@contextmanager
def write_turn(path: Path) -> Iterator[None]:
    """This process's one write at a time on `path`: waits up to WRITER_WAIT_SECONDS for another
    session's write to finish, then gives up with WarehouseBusy. Re-entrant in one thread."""
    shared = _shared(path)
    started = time.monotonic()
    if not shared.writer.acquire(timeout=WRITER_WAIT_SECONDS):
        waited = time.monotonic() - started
        raise WarehouseBusy(f"another session's write held {path} for {waited:.1f} s")
    try:
        yield
    finally:
        shared.writer.release()


def open_sessions(path: Path) -> int:
    """How many blocks of this process use `path` right now (0: the file is free)."""
    shared = _shared(path)
    with shared.opening:
        return shared.users
