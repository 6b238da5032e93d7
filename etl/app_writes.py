"""Staging rows the app itself writes (an approved draft becomes an invoice, a void voids it):
the same staging tables, row hash, history and load log as an import, through this one path,
so the data-health page traces them and a later import sees the same hashes.

Unlike an import these rows are not quarantined: the app built them, so a row that breaks the
contract is a bug and fails the caller's transaction. The caller holds the transaction."""

from __future__ import annotations

import duckdb

from core import clock
from etl.checks import key_expression, quote, row_hash_expression
from etl.contract import ENTITIES


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def app_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: str,
    message: str,
    rows: dict[str, tuple[int, int]],
) -> int:
    """A load_log entry for rows the app writes; `rows` maps entity -> (new, updated)."""
    load_id = _run(con, "SELECT nextval('load_id_seq')")[0][0]
    now = clock.now()
    _run(
        con,
        "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, 'ok', ?)",
        [load_id, source, path, now, now, message],
    )
    for entity, (new, updated) in rows.items():
        _run(
            con,
            "INSERT INTO load_entity_stats VALUES (?, ?, ?, ?, ?, 0, 0)",
            [load_id, entity, path, new, updated],
        )
    return load_id


def insert_row(
    con: duckdb.DuckDBPyConnection, entity_name: str, load_id: int, source: str, values: dict
) -> None:
    """One new staging row typed as an import would type it, with the import's row hash."""
    entity = ENTITIES[entity_name]
    typed = ", ".join(f"CAST(? AS {c.sql_type}) AS {quote(c.name)}" for c in entity.columns)
    cols = ", ".join(quote(c) for c in entity.column_names)
    _run(
        con,
        f"INSERT INTO {entity.name} ({cols}, _row_hash, _load_id, _source, _updated_at) "
        f"SELECT {cols}, {row_hash_expression(entity)}, ?, ?, now() FROM (SELECT {typed})",
        [load_id, source] + [values.get(c) for c in entity.column_names],
    )


def update_row(
    con: duckdb.DuckDBPyConnection,
    entity_name: str,
    key: str,
    load_id: int,
    source: str,
    changes: dict,
) -> None:
    """Changes one staging row (single-column key), keeping the replaced version in
    entity_history and recomputing its row hash, as an import's upsert would."""
    entity = ENTITIES[entity_name]
    key_sql = key_expression(entity)
    _run(
        con,
        f"INSERT INTO entity_history SELECT ?, {key_sql}, to_json(t), t._load_id, ?, now() "
        f"FROM {entity.name} t WHERE {key_sql} = ?",
        [entity.name, load_id, key],
    )
    sets = ", ".join(f"{quote(c)} = ?" for c in changes)
    _run(
        con,
        f"UPDATE {entity.name} SET {sets}, _load_id = ?, _source = ?, _updated_at = now() "
        f"WHERE {key_sql} = ?",
        [*changes.values(), load_id, source, key],
    )
    _run(
        con,
        f"UPDATE {entity.name} SET _row_hash = {row_hash_expression(entity)} WHERE {key_sql} = ?",
        [key],
    )
