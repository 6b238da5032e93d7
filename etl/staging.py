"""Staging one entity's incoming rows: contract checks, quarantine, duplicate ids, upsert by key
with the replaced version kept in history, and the raw copy of what arrived."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from etl.checks import checked_select, key_expression, quote, raw_json, row_column
from etl.contract import Entity
from warehouse.db import in_any_order, scalar


@dataclass
class Load:
    """One import run; every row it writes carries its id."""

    load_id: int
    source: str
    path: str
    started_at: datetime | None = None


@dataclass
class Rejected:
    """A row turned away before the SQL checks (ragged CSV row, unparseable export row)."""

    line: int | None
    reason: str
    raw: dict


@dataclass
class EntityStats:
    entity: str
    file: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    notes: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # "file:line: reason"

    def line(self) -> str:
        text = (
            f"{self.entity:<16} {self.new:>9,} new {self.updated:>9,} updated "
            f"{self.unchanged:>9,} unchanged {self.quarantined:>7,} quarantined"
        )
        return text + "".join(f"  ({n})" for n in self.notes)


QUARANTINE_INSERT = """
INSERT INTO quarantine
    (load_id, source, file, line, entity, record_key, reason, raw, quarantined_at, row_hash)
SELECT ?, ?, ?, q.line, ?, q.record_key, q.reason, q.raw, now(), md5(CAST(q.raw AS VARCHAR))
FROM {rows} q
WHERE NOT EXISTS (
    SELECT 1 FROM quarantine o
    WHERE o.resolved_at IS NULL AND o.entity = ? AND o.file = ?
      AND o.line IS NOT DISTINCT FROM q.line AND o.reason = q.reason
      AND o.row_hash = md5(CAST(q.raw AS VARCHAR))
)
"""


def quarantine_rejected(
    con: duckdb.DuckDBPyConnection, load: Load, entity: str, file: str, rows: list[Rejected]
) -> None:
    if not rows:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rejected (line BIGINT, record_key VARCHAR, reason VARCHAR, raw JSON)"
    )
    con.executemany(
        "INSERT INTO _rejected VALUES (?, NULL, ?, ?)",
        [[r.line, r.reason, json.dumps(r.raw, default=str)] for r in rows],
    )
    _insert_quarantine(con, load, entity, file, "_rejected")


def _insert_quarantine(con, load: Load, entity: str, file: str, rows_table: str) -> None:
    con.execute(
        QUARANTINE_INSERT.format(rows=rows_table),
        [load.load_id, load.source, file, entity, entity, file],
    )


def stage_entity(
    con: duckdb.DuckDBPyConnection,
    load: Load,
    entity: Entity,
    file: str,
    src_table: str,
    present: list[str],
    rejected: list[Rejected] | None = None,
    row_id: str = "rowid",
) -> EntityStats:
    """Checks and upserts the rows of `src_table` (strings + `_line`) into the staging table.
    `row_id` tells one source row from another: the table's rowid, or `_line` when every row
    has a line of its own (a CSV file read by etl/csv_source.py, whose source may be a view).

    The great-expectations suite is not run here: it validates the committed load afterwards
    (etl/validation.py), off the import's critical path."""
    stats = EntityStats(entity.name, file)
    rejected = rejected or []
    quarantine_rejected(con, load, entity.name, file, rejected)
    source = Source(src_table, row_id, present)
    checked = checked_select(entity, present, src_table, row_id)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _checked AS {checked}")
    _quarantine_failed_checks(con, load, entity, file, source)
    _resolve_duplicate_keys(con, load, entity, file, source)
    # rows by change; a row that failed a check or repeats another as 'failed'
    query = "SELECT if(_reason = '', _change, 'failed'), count(*) FROM _checked GROUP BY 1"
    counts = dict(con.execute(query).fetchall())
    _write_history_and_staging(con, load, entity, counts)
    _write_raw(con, load, entity, file, source, counts)
    con.execute(
        """UPDATE quarantine SET resolved_at = now()
        WHERE entity = ? AND resolved_at IS NULL AND load_id <> ?
          AND record_key IN (SELECT _key FROM _checked WHERE _reason = '')""",
        [entity.name, load.load_id],
    )
    stats.new, stats.updated = counts.get("new", 0), counts.get("updated", 0)
    stats.unchanged = counts.get("unchanged", 0)
    stats.quarantined = len(rejected) + (scalar(con, "SELECT count(*) FROM _quarantined") or 0)
    stats.examples = [f"{r.line}: {r.reason}" for r in rejected[:10]] + _examples(con)
    return stats


@dataclass
class Source:
    """The incoming rows as they arrived: `table`, one row per `_checked` row, told apart by
    `row_id` (see row_column); `present` are its columns."""

    table: str
    row_id: str
    present: list[str]

    def join(self, checked: str = "_checked") -> str:
        """`checked` c joined to its rows of the source, s."""
        return f"{checked} c JOIN {self.table} s ON s.{self.row_id} = c.{row_column(self.row_id)}"

    def raw_json(self) -> str:
        return raw_json(self.present, "s")


def _examples(con) -> list[str]:
    rows = con.execute("SELECT line, reason FROM _quarantined ORDER BY line LIMIT 10").fetchall()
    return [f"{line}: {reason}" for line, reason in rows]


def _quarantine_failed_checks(con, load: Load, entity: Entity, file: str, source: Source) -> None:
    """The rows that fail the checks, each with its cells as they arrived (from the source)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _quarantined AS
        SELECT c._line AS line, c._key AS record_key, c._reason AS reason,
               {source.raw_json()} AS raw
        FROM {source.join("(SELECT * FROM _checked WHERE _reason <> '')")}
        ORDER BY c.{row_column(source.row_id)}"""
    )
    _insert_quarantine(con, load, entity.name, file, "_quarantined")


def _resolve_duplicate_keys(con, load: Load, entity: Entity, file: str, source: Source) -> None:
    """Identical repeats load once; the same key with different content loads nowhere."""
    if scalar(con, "SELECT count(*) = count(DISTINCT _key) FROM _checked WHERE _reason = ''"):
        return
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _dupes AS
        SELECT _key, count(DISTINCT _row_hash) AS versions, min(_line) AS first_line,
               string_agg(CAST(_line AS VARCHAR), ', ' ORDER BY _line) AS lines
        FROM _checked WHERE _reason = '' GROUP BY _key HAVING count(*) > 1"""
    )
    key_names = "/".join(entity.key)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _conflicts AS
        SELECT c._line AS line, c._key AS record_key,
               format('{key_names} ''{{}}'' appears on lines {{}} with different content; '
                      || 'none of them was loaded', c._key, d.lines) AS reason,
               {source.raw_json()} AS raw
        FROM {source.join()} JOIN _dupes d USING (_key)
        WHERE d.versions > 1 AND c._reason = ''
        ORDER BY c.{row_column(source.row_id)}"""
    )
    _insert_quarantine(con, load, entity.name, file, "_conflicts")
    con.execute("INSERT INTO _quarantined SELECT * FROM _conflicts")
    con.execute(
        """UPDATE _checked SET _reason = 'duplicate key'
        WHERE _reason = '' AND (_key IN (SELECT _key FROM _dupes WHERE versions > 1)
           OR _line IN (SELECT c._line FROM _checked c JOIN _dupes d USING (_key)
                        WHERE d.versions = 1 AND c._line <> d.first_line))"""
    )


def _write_history_and_staging(con, load: Load, entity: Entity, counts: dict[str, int]) -> None:
    key = key_expression(entity)
    updated = "SELECT _key FROM _checked WHERE _reason = '' AND _change = 'updated'"
    if counts.get("updated"):
        con.execute(
            f"""INSERT INTO entity_history
            SELECT ?, {key}, to_json(t), t._load_id, ?, now() FROM {entity.name} t
            WHERE {key} IN ({updated})""",
            [entity.name, load.load_id],
        )
        con.execute(f"DELETE FROM {entity.name} WHERE {key} IN ({updated})")
    if not counts.get("new") and not counts.get("updated"):
        return
    cols = ", ".join(quote(c) for c in entity.column_names)
    con.execute(
        f"""INSERT INTO {entity.name} ({cols}, _row_hash, _load_id, _source, _updated_at)
        SELECT {cols}, _row_hash, ?, ?, now()
        FROM _checked WHERE _reason = '' AND _change <> 'unchanged'""",
        [load.load_id, load.source],
    )


def _write_raw(
    con, load: Load, entity: Entity, file: str, source: Source, counts: dict[str, int]
) -> None:
    """What arrived, as strings, for every row that changed staging; unknown columns in _extra.
    Read from the source: all of it when every row changed (a first import), none when none
    did (a re-import of the same file), else the changed rows."""
    table = f"raw_{load.source.replace('-', '_')}_{entity.name}"
    cols = entity.column_names
    col_defs = ", ".join(f"{quote(c)} VARCHAR" for c in cols)
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {table} (_load_id BIGINT, _file VARCHAR, _line BIGINT,
        {col_defs}, _extra JSON, _loaded_at TIMESTAMPTZ)"""
    )
    changed = counts.get("new", 0) + counts.get("updated", 0)
    if not changed:
        return
    present = source.present
    extra = [c for c in present if c not in cols and not c.startswith("_")]
    extra_sql = raw_json(extra, "s") if extra else "NULL"
    values = ", ".join(f"s.{quote(c)}" if c in present else "NULL" for c in cols)
    rows = f"{source.table} s"
    if changed < sum(counts.values()):
        rows += (
            f" WHERE s.{source.row_id} IN (SELECT {row_column(source.row_id)} FROM _checked"
            " WHERE _reason = '' AND _change <> 'unchanged')"
        )
    with in_any_order(con):  # each row has its _line; from Arrow, the ordered insert is 2x
        con.execute(
            f"""INSERT INTO {table}
            SELECT ?, ?, s._line, {values}, {extra_sql}, now() FROM {rows}""",
            [load.load_id, file],
        )
