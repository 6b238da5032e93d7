"""A digest of every table a report may read, as one connection sees them.

Why: a stored read (read_models/stored_reads.py) is only as good as the list of tables it
depends on, and a list kept by hand goes stale the day someone adds a table or a join. This
digest covers every table of the warehouse except those no report reads (NOT_READ: logs,
the raw layer, history, the stored reads themselves), so a new table counts by default and can
only make a stored read stale, never wrong. Staging tables carry `_row_hash` (every contract
column) and `_load_id`: their count, sum and max change with any insert, update or delete, and
cost milliseconds at 1.5 M rows. Other tables are hashed whole, row by row (~40 ms for the
165 k findings of a 600-person firm)."""

from __future__ import annotations

import hashlib

import duckdb

# Tables no report reads: the import's logs and raw copies, the audit trail, sign-in accounts,
# caches and run logs of the LLM, sync and job machinery, and the stored reads (they are made
# from the other tables; counting them would make every store stale the one before it).
NOT_READ = frozenset(
    {
        "attribution_snapshot",
        "attribution_snapshot_state",
        "trend_snapshot",
        "stored_reads",
        "exception_groups",  # stored grouping of the queue, refreshed from `exceptions`
        "audit_log",
        "app_users",
        "entity_history",
        "quarantine",
        "load_log",
        "load_entity_stats",
        "load_validation",
        "validation_results",
        "schema_version",
        "warehouse_meta",
        "llm_cache",
        "llm_batches",
        "classify_runs",
        "classify_suggestions",
        "job_runs",
        "sync_cursors",
        "sync_requests",
    }
)
NOT_READ_PREFIXES = ("raw_",)  # the raw layer: what each import received, as strings

TABLES_SQL = """
SELECT t.table_name, bool_or(c.column_name = '_row_hash') AS staged
FROM duckdb_tables() t JOIN duckdb_columns() c
  ON c.database_name = t.database_name AND c.schema_name = t.schema_name
 AND c.table_name = t.table_name
WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.temporary
GROUP BY t.table_name ORDER BY t.table_name
"""


def read_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    """(table, has _row_hash) of every table a report may read, by name."""
    return [
        (name, staged)
        for name, staged in con.execute(TABLES_SQL).fetchall()
        if name not in NOT_READ and not name.startswith(NOT_READ_PREFIXES)
    ]


def _table_sql(name: str, staged: bool) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    literal = "'" + name.replace("'", "''") + "'"
    if staged:
        return (
            f"SELECT {literal} AS t, count(*) AS n, sum(_row_hash::HUGEINT) AS h, "
            f"max(_load_id) AS l FROM {quoted}"
        )
    return f"SELECT {literal}, count(*), sum(hash(x)::HUGEINT), NULL FROM {quoted} x"


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """sha256 over (table, rows, hash sum, last load) of every table a report may read."""
    tables = read_tables(con)
    digest = hashlib.sha256()
    if tables:
        sql = " UNION ALL ".join(_table_sql(name, staged) for name, staged in tables)
        for row in con.execute(sql + " ORDER BY 1").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()
