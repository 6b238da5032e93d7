"""The open findings' groups kept as a table (exception_groups, migration 016), so that the
Exceptions page reads the few hundred groups it shows instead of grouping 165,000 findings on
every run. Every write path that changes findings marks the findings it changes (`touch`,
before and after, in its transaction) and recomputes their groups (`refresh`) before it
commits: the table is true whenever a transaction that changed the findings is. Of two
sessions changing the same group at once, the second waits for the app's write turn or is
refused with WarehouseBusy (the recomputed rows are the same rows): no count is lost.

Here, not in exception_queue, because the tracker sync (etl, below exception_queue) raises
findings too."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql" / "exception_groups"
KEYED_SQL = (SQL_DIR / "keyed.sql").read_text()
GROUP_ROWS_SQL = (SQL_DIR / "group_rows.sql").read_text().replace("/*KEYED*/", KEYED_SQL)
DIGEST_KEY = "exception_groups_sha256"  # warehouse_meta: the grouping the table was built by

# Which group a kind's findings are decided in (keyed.sql), the first that applies: its project
# (write-downs too: whether an engagement's write-downs were agreed is one decision, and at
# 600 people one row per invoice was 610 rows), its invoice, else by person and week when they
# name a person and a date, else the finding alone.
GROUP_KINDS = {
    "invoice": ("write_down",),
    "project": (
        "unbilled_time",
        "unapproved_time",
        "write_down",
        "no_contract",
        "missing_rate",
        "ambiguous_rate",
        "time_after_end",
        "time_on_completed_project",
        "budget_alert",
        "milestone_burn_ahead",
        "milestone_not_invoiced",
    ),
}
KIND_PARAMS = {
    "project_kinds": list(GROUP_KINDS["project"]),
    "invoice_kinds": list(GROUP_KINDS["invoice"]),
}
TOUCHED = "exception_groups_touched"  # temp table: the group keys a transaction changed

# The findings named by /*IDS*/ (a query of exception ids), and for a classification
# suggestion its entry's missing_project finding (which it hides while open).
TOUCH_SQL = f"""
INSERT INTO {TOUCHED}
SELECT DISTINCT k.group_key FROM ({KEYED_SQL}) k
WHERE k.exception_id IN (
    SELECT exception_id FROM (/*IDS*/)
    UNION ALL
    SELECT 'missing_project:' || x.ref FROM exceptions x
    WHERE x.kind = 'classify_suggestion' AND x.exception_id IN (SELECT exception_id FROM (/*IDS*/))
)
"""


def grouping_digest() -> str:
    """sha256 of what decides the groups: the SQL and the kinds' grouping."""
    digest = hashlib.sha256()
    for path in sorted(SQL_DIR.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted((k, tuple(v)) for k, v in GROUP_KINDS.items())).encode())
    return digest.hexdigest()


DIGEST = grouping_digest()


def _ensure_touched(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {TOUCHED} (group_key VARCHAR)").fetchall()


def touch(con: duckdb.DuckDBPyConnection, ids_sql: str, params: dict | None = None) -> None:
    """Marks the groups of the findings `ids_sql` (a query of exception_id, with named
    `params`) selects, as they are now. Call it before a write that may move findings to
    another group (a sync changes their project, person or date) and after it."""
    _ensure_touched(con)
    con.execute(TOUCH_SQL.replace("/*IDS*/", ids_sql), KIND_PARAMS | (params or {})).fetchall()


def touch_ids(con: duckdb.DuckDBPyConnection, exception_ids: Iterable[str]) -> None:
    """touch() for a list of exception ids (a decision's)."""
    ids = list(exception_ids)
    if ids:
        touch(con, "SELECT unnest($ids::VARCHAR[]) AS exception_id", {"ids": ids})


def refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Recomputes the touched groups from the findings, in the caller's transaction; returns
    how many groups it recomputed. A warehouse whose table was built by another grouping
    (or never) is rebuilt whole instead."""
    _ensure_touched(con)
    if not is_current(con):
        con.execute(f"DELETE FROM {TOUCHED}").fetchall()
        return rebuild_in(con)
    keys = f"SELECT group_key FROM {TOUCHED}"
    count = scalar(con, f"SELECT count(DISTINCT group_key) FROM {TOUCHED}")
    if count:
        con.execute(f"DELETE FROM exception_groups WHERE group_key IN ({keys})").fetchall()
        con.execute(
            "INSERT INTO exception_groups BY NAME " + GROUP_ROWS_SQL.replace("/*KEYS*/", keys),
            KIND_PARAMS | {"as_of": None},
        ).fetchall()
        con.execute(f"DELETE FROM {TOUCHED}").fetchall()
    return count


def rebuild_in(con: duckdb.DuckDBPyConnection) -> int:
    """Every group recomputed, in the caller's transaction; records the grouping's digest."""
    con.execute("DELETE FROM exception_groups").fetchall()
    every = "SELECT group_key FROM keyed"
    con.execute(
        "INSERT INTO exception_groups BY NAME " + GROUP_ROWS_SQL.replace("/*KEYS*/", every),
        KIND_PARAMS | {"as_of": None},
    ).fetchall()
    con.execute(
        "INSERT OR REPLACE INTO warehouse_meta VALUES (?, ?, now())", [DIGEST_KEY, DIGEST]
    ).fetchall()
    return scalar(con, "SELECT count(DISTINCT group_key) FROM exception_groups")


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """The table was built by this grouping (the digest in warehouse_meta)."""
    return scalar(con, "SELECT value FROM warehouse_meta WHERE key = ?", [DIGEST_KEY]) == DIGEST


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """One value (warehouse.db.scalar; this module sits below warehouse.db, which builds the
    table when the warehouse is opened)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
