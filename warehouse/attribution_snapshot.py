"""The attribution snapshot: mart_invoice_attribution kept as a table, with the fingerprint of
the twelve tables it was computed from, so the leadership pages do not price every invoiced
entry at the rate card on each read (seconds at 600 people).

Reads never see stale numbers: `is_current` compares the stored fingerprint with the inputs'
as they are now (inside the reader's transaction), and a reader falls back to the live mart
when they differ. Writers refresh it after they commit (`refresh`); one that does not only
makes the next reads slower. docs/warehouse.md "The attribution snapshot" has the whole story.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from functools import cache
from pathlib import Path

import duckdb

from core.cli_errors import one_line
from core.file_digest import files_digest
from warehouse.db import WarehouseBusy, marts_digest, transaction

SQL_DIR = Path(__file__).parent / "sql" / "attribution_snapshot"
# How long a refresh waits for another connection's refresh (or write) of the same rows.
REFRESH_WAIT_SECONDS = 120.0
STATE_SQL = "SELECT fingerprint FROM attribution_snapshot_state WHERE id = 1"
# The live mart, as billing and the rules name it (mart_invoice_attribution_between, marts/030)
# and as the KPI SQL does (invoice_attribution_between, marts/035).
LIVE_CALL = re.compile(r"\b(?:mart_)?invoice_attribution_between\(")


@cache
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@cache
def _code_digest() -> str:
    """The mart SQL and this module's SQL: a snapshot made by other code is not current."""
    return files_digest(sorted(SQL_DIR.glob("*.sql")), seed=marts_digest())


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the attribution's inputs as this connection sees them (row counts, sums of
    row hashes, last load ids) and of the code that computes it: tens of milliseconds."""
    rows = con.execute(_sql("fingerprint")).fetchall()
    digest = hashlib.sha256(_code_digest().encode())
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute(STATE_SQL).fetchall()
    return rows[0][0] if rows else None


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the snapshot was computed from exactly the inputs this connection sees."""
    stored = stored_fingerprint(con)
    return stored is not None and stored == fingerprint(con)


def reading_snapshot(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """`sql` with the live attribution read from the snapshot (the same rows) while the
    snapshot was made from exactly the inputs this connection sees, checked now, in the
    caller's transaction (a draft or rules run that changed an input reads live); else as it
    is. The KPIs, the billing drafts and the rules that re-draft closed months call it per
    query: pricing the attribution live is ~0.3 s per month at 150 people, the check ~10 ms."""
    if not LIVE_CALL.search(sql) or not is_current(con):
        return sql
    return LIVE_CALL.sub("attribution_snapshot_between(", sql)


def refresh(con: duckdb.DuckDBPyConnection, wait_seconds: float | None = None) -> bool:
    """Recomputes the snapshot when its inputs changed, in one transaction of its own (call it
    after the writer's commit); True when it did. Two connections refreshing at once: the state
    row is claimed first, so the second conflicts at once, waits, and then finds the snapshot
    current. Gives up quietly (False) after `wait_seconds`: reads stay correct, only slower."""
    deadline = time.monotonic() + (REFRESH_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    while True:
        try:
            return _refresh_once(con)
        except WarehouseBusy:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)


def _refresh_once(con: duckdb.DuckDBPyConnection) -> bool:
    with transaction(con):
        current = fingerprint(con)
        if stored_fingerprint(con) == current:
            return False
        # Claim the state row before the long part: a concurrent refresh conflicts here.
        con.execute(
            "UPDATE attribution_snapshot_state SET fingerprint = ?, refreshed_at = now() "
            "WHERE id = 1",
            [current],
        ).fetchall()
        con.execute("DELETE FROM attribution_snapshot").fetchall()
        con.execute(_sql("refresh")).fetchall()
        con.execute(
            "UPDATE attribution_snapshot_state SET entry_rows = "
            "(SELECT count(*) FROM attribution_snapshot) WHERE id = 1"
        ).fetchall()
    return True


def refresh_after_write(con: duckdb.DuckDBPyConnection) -> bool:
    """refresh() at the end of a command whose work is already committed: a failure to
    refresh must not turn it into a failed command, so it is one line on stderr and the
    snapshot stays as it was (the pages compute the attribution live until the next refresh)."""
    try:
        return refresh(con)
    except duckdb.Error as err:
        print(
            f"attribution snapshot not refreshed ({one_line(err)}); pages read live",
            file=sys.stderr,
        )
        return False
