"""The Overview as last read for a firm-wide range, kept in the warehouse (migration 022) so the
next cold open reads it instead of computing it.

Why: the app's cached reads are keyed on the warehouse file's stamp, which every write anywhere
changes, and a server restart forgets them; the Overview's live read (a year of KPIs, the
receivables ledger and its payment matching, compliance, leakage; 0.7–1 s at 600 people on
top of 0.2 s of day tables) then runs again although none of its inputs changed.

A stored read is used only while its fingerprint matches, which covers:
- every table a report may read (warehouse/state_fingerprint.py: all but logs, raw copies and
  stored reads, so a table added later counts by default);
- the code that reads it: every .py and .sql file of the packages the read goes through, and
  the holidays package's version;
- the clock: today (the day tables run to it) and the last weekly timesheet deadline passed
  (compliance counts the weeks whose deadline has passed, so it moves at that moment);
- the range (start, end, grain). Client, team or person filters always read live.
Otherwise the read is live, so a stored Overview is never stale, only unused. `store` computes
and saves one (in the background after the app read it live, and after a job pass)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path

import duckdb
import polars as pl

from core import clock, exact_json
from metrics.filters import Filters
from metrics.kpis import Kpi
from metrics.session import prepare
from read_models.overview import Overview, overview
from read_models.sql_files import sql
from warehouse import state_fingerprint
from warehouse.db import transaction

ROOT = Path(__file__).resolve().parent.parent
# The packages an Overview read goes through (its read model, the KPIs, receivables and the
# ledger, the findings, the marts and day tables, the clock and money helpers).
CODE_PACKAGES = ("core", "warehouse", "exception_queue", "billing", "metrics", "read_models")
FRAMES = ("trend", "top_leakage", "leakage", "days_to_invoice")
KEPT = 6  # ranges kept: the default month's and the last few people looked at
LOAD_SQL = """SELECT fingerprint, scalars, trend, top_leakage, leakage, days_to_invoice
FROM overview_snapshot WHERE range_start = ? AND range_end = ? AND grain = ?"""
SAVE_SQL = "INSERT OR REPLACE INTO overview_snapshot VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
PRUNE_SQL = """DELETE FROM overview_snapshot WHERE made_at < (
    SELECT min(made_at) FROM (SELECT made_at FROM overview_snapshot ORDER BY made_at DESC LIMIT ?))"""


@cache
def _code_digest() -> str:
    """Every .py and .sql file of CODE_PACKAGES, and the holidays package's version (capacity
    subtracts public holidays): a read made by other code is not current."""
    digest = hashlib.sha256(metadata.version("holidays").encode())
    for package in CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(
    con: duckdb.DuckDBPyConnection, filters: Filters, now: datetime | None = None
) -> str:
    """What an Overview of `filters` read on this connection at `now` (default: the clock's)
    was made from."""
    now = now or clock.now()
    deadline = con.execute(sql("last_timesheet_deadline"), {"now": now}).fetchall()
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(state_fingerprint.fingerprint(con).encode())
    digest.update(repr((clock.today(), deadline, filters)).encode())
    return digest.hexdigest()


def load(con: duckdb.DuckDBPyConnection, filters: Filters) -> Overview | None:
    """The stored Overview of `filters` when it is current on this connection; else None (and
    None at once, without the fingerprint, when none is stored for the range)."""
    if not filters.firm_wide:
        return None
    rows = con.execute(LOAD_SQL, [filters.start, filters.end, filters.grain]).fetchall()
    if not rows or rows[0][0] != fingerprint(con, filters):
        return None
    return _decode(rows[0][1:])


def store(con: duckdb.DuckDBPyConnection, filters: Filters) -> bool:
    """Reads the Overview of a firm-wide `filters` live and stores it, on a read-write
    connection; False when the stored one is current (or the filters are not firm-wide). The
    fingerprint and the read come from one transaction, so what is stored is exactly what the
    fingerprint describes; a write committed meanwhile makes the row stale, never wrong."""
    if not filters.firm_wide:
        return False
    con.execute("BEGIN TRANSACTION READ ONLY")
    try:
        made_from = fingerprint(con, filters)
        rows = con.execute(LOAD_SQL, [filters.start, filters.end, filters.grain]).fetchall()
        if rows and rows[0][0] == made_from:
            return False
        prepare(con, max(filters.end, clock.today()))
        data = overview(con, filters)
    finally:
        con.execute("ROLLBACK")
    with transaction(con):
        con.execute(
            SAVE_SQL,
            [filters.start, filters.end, filters.grain, made_from, *_encode(data), clock.now()],
        ).fetchall()
        con.execute(PRUNE_SQL, [KEPT]).fetchall()
    return True


def _encode(data: Overview) -> list[object]:
    scalars = {
        "kpis": {key: asdict(k) for key, k in data.kpis.items()},
        "previous": data.previous,
        "base_currency": data.base_currency,
    }
    return [exact_json.dumps(scalars), *(_ipc(getattr(data, name)) for name in FRAMES)]


def _decode(row: tuple) -> Overview:
    scalars = exact_json.loads(row[0])
    frames = {name: _frame(blob) for name, blob in zip(FRAMES, row[1:], strict=True)}
    return Overview(
        kpis={key: Kpi(**fields) for key, fields in scalars["kpis"].items()},
        previous=scalars["previous"],
        base_currency=scalars["base_currency"],
        **frames,
    )


def _ipc(frame: pl.DataFrame | None) -> bytes | None:
    """A frame as Arrow IPC: its columns' types (Decimal scales, dates) come back as they were."""
    if frame is None:
        return None
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def _frame(blob: bytes | None) -> pl.DataFrame | None:
    return None if blob is None else pl.read_ipc(io.BytesIO(blob))
