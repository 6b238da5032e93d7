"""The Overview trend's costly parts kept as a table: per 12-month window, each month's firm-wide
realization and utilization sums (metrics.kpis.Realization and Utilization), with the
fingerprint of what they were computed from.

Why: the app's cached reads are keyed on the warehouse file's stamp, which every write changes
(a decision on an exception, an approval), so the Overview reads its 12-month trend again
after any click anywhere: pricing a year of entries at the rate card and summing the capacity
of every person-day, ~1 s of its ~1.6 s at 600 people. Those sums change only when their inputs
do (the attribution's twelve tables, FX rates, time off, the firm), not when a finding is
resolved. Compliance, days to invoice and leakage stay live: compliance moves with the clock
(a deadline passing), and the others cost tens of milliseconds.

Reads never see stale sums: `load` compares the stored fingerprint with the inputs' as the
reader's own transaction sees them (`fingerprint`, ~70 ms at 600 people) and returns None when
they differ, and the caller computes live. Client, team or person filters always read live.
Written by `save` (metrics.kpis.store_trend computes and saves) after a live read in the app and
after a job pass; docs/metrics.md "The trend snapshot" has the story."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path

import duckdb

from core import clock, exact_json
from core.file_digest import files_digest
from warehouse import attribution_snapshot
from warehouse.db import transaction

SQL_DIR = Path(__file__).parent / "sql"
METRICS_DIR = Path(__file__).parent
WAREHOUSE_DIR = Path(attribution_snapshot.__file__).parent
KEPT_WINDOWS = 6  # windows kept: the default month's and the last few months people looked at
LOAD_SQL = (
    "SELECT fingerprint, months FROM trend_snapshot WHERE window_start = ? AND window_end = ?"
)
SAVE_SQL = "INSERT OR REPLACE INTO trend_snapshot VALUES (?, ?, ?, ?, ?)"
PRUNE_SQL = """
DELETE FROM trend_snapshot WHERE fingerprint <> ? OR made_at < (
    SELECT min(made_at) FROM (
        SELECT made_at FROM trend_snapshot WHERE fingerprint = ? ORDER BY made_at DESC LIMIT ?))
"""


@cache
def _code_digest() -> str:
    """The SQL and Python the sums are computed with, and the holidays package's version
    (capacity subtracts public holidays): sums made by other code are not current."""
    files = [
        *sorted((SQL_DIR / "kpi").glob("*.sql")),
        *sorted((SQL_DIR / "trend_snapshot").glob("*.sql")),
        *sorted((WAREHOUSE_DIR / "sql" / "day_tables").glob("*.sql")),
        METRICS_DIR / "kpis.py",
        METRICS_DIR / "session.py",
        METRICS_DIR / "trend_snapshot.py",
        Path(exact_json.__file__),
        WAREHOUSE_DIR / "day_tables.py",
    ]
    return files_digest(files, seed=metadata.version("holidays"))


@cache
def _fingerprint_sql() -> str:
    return (SQL_DIR / "trend_snapshot" / "fingerprint.sql").read_text(encoding="utf-8")


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the sums' inputs as this connection sees them (the attribution's fingerprint
    and the FX rates, time off and firm rows) and of the code that computes them."""
    rows = con.execute(_fingerprint_sql()).fetchall()
    digest = hashlib.sha256(_code_digest().encode())
    digest.update(attribution_snapshot.fingerprint(con).encode())
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def load(con: duckdb.DuckDBPyConnection, start: date, end: date, current: str) -> dict | None:
    """The stored months of the window [start, end] ({"YYYY-MM": {part: fields}}, Decimals
    exact) when they were made from `current`, the inputs' fingerprint as the caller's
    connection sees them (`fingerprint`); else None."""
    rows = con.execute(LOAD_SQL, [start, end]).fetchall()
    if not rows or rows[0][0] != current:
        return None
    return exact_json.loads(rows[0][1])


def save(
    con: duckdb.DuckDBPyConnection, start: date, end: date, months: dict, made_from: str
) -> None:
    """Stores the window's months, computed from inputs whose fingerprint was `made_from`, in a
    transaction of its own; rows of other fingerprints, and windows beyond KEPT_WINDOWS, go."""
    with transaction(con):
        con.execute(
            SAVE_SQL, [start, end, made_from, exact_json.dumps(months), clock.now()]
        ).fetchall()
        con.execute(PRUNE_SQL, [made_from, made_from, KEPT_WINDOWS]).fetchall()
