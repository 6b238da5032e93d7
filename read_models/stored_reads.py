"""Page reads kept in the warehouse (migration 022) so the next cold open of a page reads what
was stored instead of computing it again.

Why: the app's cached reads are keyed on the warehouse file's stamp, which every write anywhere
changes, and a server restart forgets them. The Overview's live read (a year of KPIs, the
receivables ledger and its payment matching, compliance, leakage: 0.7–1 s at 600 people on top
of 0.2 s of day tables) and the Realization page's (the month's entries with their invoices'
settlement, ~1 s) then ran again although none of their inputs changed.

A stored read is used only while its fingerprint matches, which covers:
- every table a report may read (warehouse/state_fingerprint.py: all but logs, raw copies and
  stored reads, so a table added later counts by default);
- the code: every .py and .sql file of the packages a read goes through, and the holidays
  package's version;
- the clock: today (the day tables run to it) and the last weekly timesheet deadline passed
  (compliance counts the weeks whose deadline has passed, so it moves at that moment);
- the read and its range (start, end, grain). Client, team or person filters always read live.
Otherwise the read is live, so a stored read is never stale, only unused.

A read can be stored when it returns a polars frame, or a dataclass whose fields are frames
(or None) and values exact_json keeps (Decimals, dates, strings, numbers, dicts and dataclasses
of those); its return annotation says how to build it back. `store` computes and saves one (in
the app's background after a page read it live, and after a job pass)."""

from __future__ import annotations

import hashlib
import io
import types
import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import datetime
from functools import cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core import clock, exact_json
from core.file_digest import files_digest
from metrics.filters import Filters
from metrics.session import kpi_sql, prepare_to
from warehouse import snapshot_refresher, state_fingerprint
from warehouse.db import transaction
from warehouse.sessions import read_only

ROOT = Path(__file__).resolve().parent.parent
# The packages a page read goes through (read models, KPIs, receivables and the ledger, the
# findings, the marts and day tables, the clock and money helpers).
CODE_PACKAGES = ("core", "warehouse", "exception_queue", "billing", "metrics", "read_models")
KEPT = 6  # ranges kept per read: the default month's and the last few people looked at
WHOLE = "value"  # the frame's name when the read returns one frame
LOAD_SQL = """SELECT fingerprint, scalars, frame_names, frames FROM stored_reads
WHERE reader = ? AND range_start = ? AND range_end = ? AND grain = ?"""
SAVE_SQL = "INSERT OR REPLACE INTO stored_reads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
PRUNE_SQL = """DELETE FROM stored_reads WHERE reader = ? AND made_at < (
    SELECT min(made_at) FROM (
        SELECT made_at FROM stored_reads WHERE reader = ? ORDER BY made_at DESC LIMIT ?))"""

Reader = Callable[[duckdb.DuckDBPyConnection, Filters], Any]


def reader_name(reader: Reader) -> str:
    return f"{reader.__module__}.{reader.__qualname__}"


@cache
def _code_digest() -> str:
    """Every .py and .sql file of CODE_PACKAGES, and the holidays package's version (capacity
    subtracts public holidays): a read made by other code is not current."""
    files = [
        path
        for package in CODE_PACKAGES
        for path in sorted((ROOT / package).rglob("*"))
        if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts
    ]
    return files_digest(files, seed=metadata.version("holidays"), root=ROOT)


def fingerprint(
    con: duckdb.DuckDBPyConnection, reader: Reader, filters: Filters, now: datetime | None = None
) -> str:
    """What `reader` of `filters` on this connection at `now` (default: the clock's) reads."""
    now = now or clock.now()
    deadline = con.execute(kpi_sql("last_timesheet_deadline"), {"now": now}).fetchall()
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(state_fingerprint.fingerprint(con).encode())
    digest.update(repr((reader_name(reader), clock.today(), deadline, filters)).encode())
    return digest.hexdigest()


def _stored_row(con: duckdb.DuckDBPyConnection, reader: Reader, filters: Filters) -> tuple | None:
    key = [reader_name(reader), filters.start, filters.end, filters.grain]
    rows = con.execute(LOAD_SQL, key).fetchall()
    return rows[0] if rows else None


def load(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    filters: Filters,
    current: str | None = None,
) -> Any | None:
    """What `reader` returned for `filters`, when stored and current on this connection; else
    None (at once, without the fingerprint, when nothing is stored for the range). `current`:
    the fingerprint when the caller has taken it on this connection already."""
    if not filters.firm_wide:
        return None
    row = _stored_row(con, reader, filters)
    if row is None or row[0] != (current or fingerprint(con, reader, filters)):
        return None
    return _decode(_result_type(reader), *row[1:])


def read_kept(db: str | Path, reader: Reader, filters: Filters, prepared: bool = True) -> Any:
    """What `reader` returns for a firm-wide `filters` on the warehouse at `db`: the kept read
    when it is current (no day tables, no live read); else the live read (on a connection
    prepared for the KPIs, with `prepared`) on the same transaction, handed to the app's
    background pass to keep with the fingerprint of what it read. Filtered ranges are read
    live and not kept."""
    with read_only(db) as con:
        made_from = fingerprint(con, reader, filters) if filters.firm_wide else None
        if made_from is not None:
            kept = load(con, reader, filters, made_from)
            if kept is not None:
                return kept
        if prepared:
            prepare_to(con, filters.end)
        value = reader(con, filters)
    if made_from is not None and Path(db).exists():  # not a missing warehouse's stand-in
        task = partial(save, reader=reader, filters=filters, value=value, made_from=made_from)
        snapshot_refresher.request(db, also={f"keep {reader_name(reader)} {filters}": task})
    return value


def store(con: duckdb.DuckDBPyConnection, reader: Reader, filters: Filters) -> bool:
    """Runs `reader` for a firm-wide `filters` and stores what it returns, on a read-write
    connection; False when the stored one is current (or the filters are not firm-wide). The
    fingerprint and the read come from one transaction, so what is stored is exactly what the
    fingerprint describes; a write committed meanwhile makes the row stale, never wrong."""
    _result_type(reader)  # one that cannot be stored fails before reading anything
    if not filters.firm_wide:
        return False
    con.execute("BEGIN TRANSACTION READ ONLY")
    try:
        made_from = fingerprint(con, reader, filters)
        row = _stored_row(con, reader, filters)
        if row is not None and row[0] == made_from:
            return False
        prepare_to(con, filters.end)
        value = reader(con, filters)
    finally:
        con.execute("ROLLBACK")
    save(con, reader, filters, value, made_from)
    return True


def save(
    con: duckdb.DuckDBPyConnection, reader: Reader, filters: Filters, value: Any, made_from: str
) -> None:
    """Stores `value`, what `reader` returned for `filters` from inputs whose fingerprint was
    `made_from` (taken in the read's own transaction), in a transaction of its own; only the
    KEPT newest ranges of the read stay. Only firm-wide ranges are kept (the key has no
    filter lists)."""
    if not filters.firm_wide:
        raise ValueError(f"only firm-wide reads are kept, not {filters.label()} with filters")
    name = reader_name(reader)
    scalars, names, frames = _encode(value)
    key = [name, filters.start, filters.end, filters.grain]
    with transaction(con):
        con.execute(SAVE_SQL, [*key, made_from, scalars, names, frames, clock.now()]).fetchall()
        con.execute(PRUNE_SQL, [name, name, KEPT]).fetchall()


# ---------------------------------------------------------------------------------------------
# The codec: frames as Arrow IPC (column types and Decimal scales come back as they were), the
# rest as exact JSON, built back from the read's return annotation.


def _result_type(reader: Reader) -> type:
    result = typing.get_type_hints(reader).get("return")
    if result is pl.DataFrame or (isinstance(result, type) and is_dataclass(result)):
        return result
    raise TypeError(f"{reader_name(reader)} returns {result!r}: not a frame nor a dataclass")


def _encode(value: Any) -> tuple[str, list[str], list[bytes]]:
    if isinstance(value, pl.DataFrame):
        return exact_json.dumps({}), [WHOLE], [_ipc(value)]
    scalars, names, frames = {}, [], []
    for field in fields(value):
        item = getattr(value, field.name)
        if isinstance(item, pl.DataFrame):
            names.append(field.name)
            frames.append(_ipc(item))
        else:
            scalars[field.name] = _plain(item)
    return exact_json.dumps(scalars), names, frames


def _plain(value: Any) -> Any:
    """A dataclass (a KPI card) as a dict of its fields, recursively."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _decode(kind: type, scalars: str, names: list[str], blobs: list[bytes]) -> Any:
    frames = {name: pl.read_ipc(io.BytesIO(blob)) for name, blob in zip(names, blobs, strict=True)}
    if kind is pl.DataFrame:
        return frames[WHOLE]
    values = exact_json.loads(scalars)
    hints = typing.get_type_hints(kind)
    return kind(
        **{
            field.name: frames[field.name]
            if field.name in frames
            else _build(hints[field.name], values[field.name])
            for field in fields(kind)
        }
    )


def _build(kind: Any, value: Any) -> Any:
    """`value` (plain JSON) as the annotated `kind`: dataclasses and dicts of them rebuilt."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _build(options[0], value) if len(options) == 1 else value
    if isinstance(kind, type) and is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _build(hints[f.name], value[f.name]) for f in fields(kind)})
    if origin is dict:
        item_kind = typing.get_args(kind)[1]
        return {key: _build(item_kind, item) for key, item in value.items()}
    return value


def _ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()
