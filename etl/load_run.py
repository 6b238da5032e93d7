"""One import run end to end: a load id, one transaction, per-entity staging, the load log.
A run that fails anywhere rolls back whole and is logged as failed. Every importer (canonical
folder, vendor export, API sync) stages through here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from core import clock
from etl.contract import Entity
from etl.staging import EntityStats, Load, Rejected, stage_entity
from etl.validation import record_pending
from warehouse.db import scalar, transaction


@dataclass
class LoadReport:
    load_id: int
    source: str
    entities: list[EntityStats] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)  # whole files refused

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.entities)


def _start(con: duckdb.DuckDBPyConnection, source: str, path: Path | str) -> Load:
    load_id = scalar(con, "SELECT nextval('load_id_seq')")
    return Load(load_id, source, str(path), clock.now())


def _log(con, load: Load, status: str, message: str | None) -> None:
    """Wall-clock start and end (now() would give the transaction's start for both)."""
    con.execute(
        "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?)",
        [load.load_id, load.source, load.path, load.started_at, clock.now(), status, message],
    )


def _record_stats(con, load: Load, stats: EntityStats) -> None:
    con.execute(
        "INSERT INTO load_entity_stats VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            load.load_id,
            stats.entity,
            stats.file,
            stats.new,
            stats.updated,
            stats.unchanged,
            stats.quarantined,
        ],
    )


# A rehearsed load (etl/preview.py) stages under this id, never taken from load_id_seq: a
# sequence is not rolled back with its transaction, and the rehearsal must leave no trace.
REHEARSAL_LOAD_ID = 0
Inspect = Callable[[duckdb.DuckDBPyConnection, Load, "LoadReport"], None]


@dataclass(frozen=True)
class _Rehearsal:
    before: Callable[[duckdb.DuckDBPyConnection], None]
    inspect: Inspect


_rehearsal: ContextVar[_Rehearsal | None] = ContextVar("etl_rehearsal", default=None)


@contextmanager
def rehearsal(
    before: Callable[[duckdb.DuckDBPyConnection], None], inspect: Inspect
) -> Iterator[None]:
    """Every import run in this block (this thread only) is rehearsed: the same body stages
    everything inside one transaction, `before` runs first inside it, `inspect` reads what the
    run wrote before it is rolled back, and the warehouse is left exactly as it was (no load
    id taken, no load_log row). So a preview goes through the very code a commit runs."""
    token = _rehearsal.set(_Rehearsal(before, inspect))
    try:
        yield
    finally:
        _rehearsal.reset(token)


def _rehearse(con, source: str, path: Path | str, body, prepare, plan: _Rehearsal) -> LoadReport:
    load = Load(REHEARSAL_LOAD_ID, source, str(path), clock.now())
    report = LoadReport(load.load_id, source)
    if prepare is not None:
        prepare()
    con.execute("BEGIN TRANSACTION")
    try:
        plan.before(con)
        body(load, report)
        plan.inspect(con, load, report)
    finally:
        try:
            con.execute("ROLLBACK")
        except duckdb.TransactionException:
            pass  # DuckDB ended it already (a failed statement inside)
    return report


def run_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path | str,
    body: Callable[[Load, LoadReport], None],
    prepare: Callable[[], None] | None = None,
) -> LoadReport:
    """Runs `body` inside one transaction; on any error the warehouse is left as it was.
    `prepare` runs first, outside the transaction: reading files into temp tables, where a
    failed statement (DuckDB's CSV reader giving up) must not abort the transaction.
    Inside a `rehearsal` block the run is rolled back instead (see there).

    A committed load carries a `pending` load_validation row, committed with its rows: the
    great-expectations suite runs after the commit (etl/validation.py), never inside it."""
    plan = _rehearsal.get()
    if plan is not None:
        return _rehearse(con, source, path, body, prepare, plan)
    load = _start(con, source, path)
    report = LoadReport(load.load_id, source)
    try:
        if prepare is not None:
            prepare()
        with transaction(con):
            body(load, report)
            for stats in report.entities:
                _record_stats(con, load, stats)
            message = "; ".join(report.file_errors) or None
            _log(con, load, "ok", message)
            record_pending(con, load.load_id)
    except Exception as err:
        _log(con, load, "failed", f"{type(err).__name__}: {err}")
        raise
    return report


def stage_frame(
    con, load: Load, entity: Entity, file: str, frame: pl.DataFrame, rejected: list[Rejected]
) -> EntityStats:
    """Stages rows that arrive as a frame of strings with `_line` (YAML files, exports)."""
    con.register("_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE frame_src AS SELECT * FROM _frame")
    con.unregister("_frame")
    return stage_entity(con, load, entity, file, "frame_src", frame.columns, rejected)


def strings_frame(rows: list[dict], entity: Entity) -> pl.DataFrame:
    columns = {"_line": pl.Series([r["_line"] for r in rows], dtype=pl.Int64)}
    for name in entity.column_names:
        columns[name] = pl.Series([r.get(name) for r in rows], dtype=pl.Utf8)
    return pl.DataFrame(columns)
