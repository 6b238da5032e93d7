"""What the four time-tracker connectors share once their records are fetched: mapping onto the
canonical rows with the CSV importers' own machinery (etl.exports.table.BatchBuilder: the same
client/project/task/person resolution and ids, the same quarantine), then two guards a CSV
import does not need:

- an entry already billed here (held by a saved draft in billing_locks, or on an invoice of the
  warehouse) is never changed by a sync. When the tracker's version differs in anything that
  bills (person, date, hours, project, SOW line, billable, work type) the sync raises a
  `billed_entry_changed` exception with both versions as evidence and keeps the billed one;
- an entry the tracker deleted is taken out of staging (its last version kept in
  entity_history) and recorded in sync_deletions; a billed one stays, with a
  `billed_entry_deleted` exception.

Entry ids are the tracker's own (`harvest-2380517311`): an edit upstream updates the same row.
They differ from a CSV import's content-hash ids, so one account should come in one way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core import clock
from etl.checks import key_expression
from etl.contract import ENTITIES
from etl.export_import import stage_batch
from etl.exports.batch import BatchBuilder, ExportBatch
from etl.exports.cells import format_hours
from etl.exports.names import KnownNames
from etl.exports.table import RowError, Table
from etl.load_run import LoadReport
from etl.staging import Load
from warehouse import exception_groups

TIME_ENTRIES = ENTITIES["time_entries"]

BILLED_SQL = """
SELECT e.entry_id FROM time_entries e
WHERE e.entry_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
  AND (e.entry_id IN (SELECT ref FROM billing_locks WHERE lock_kind = 'entry')
       OR e.invoice_id IN (SELECT invoice_id FROM invoices))
"""

# incoming (strings) against staged (typed) on what bills
CHANGED_SQL = """
SELECT i.entry_id, to_json(e) AS billed, to_json(i) AS upstream,
       e.project_id AS project_id
FROM _sync_incoming i JOIN time_entries e USING (entry_id)
WHERE i.entry_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
  AND (CAST(i.hours AS DECIMAL(12,4)) IS DISTINCT FROM e.hours
       OR CAST(i.date AS DATE) IS DISTINCT FROM e.date
       OR i.person_id IS DISTINCT FROM e.person_id
       OR i.project_id IS DISTINCT FROM e.project_id
       OR i.sow_line_id IS DISTINCT FROM e.sow_line_id
       OR CAST(i.billable AS BOOLEAN) IS DISTINCT FROM e.billable
       OR i.work_type IS DISTINCT FROM e.work_type)
"""

EXCEPTION_UPSERT_SQL = """
INSERT INTO exceptions (exception_id, kind, ref, source, severity, client_id, project_id,
    period, value, currency, detail, evidence, suggested_action, status, first_seen_at,
    last_seen_at)
VALUES (?, ?, ?, 'sync', 'high', NULL, ?, NULL, NULL, NULL, ?, ?, ?, 'open', ?, ?)
ON CONFLICT (exception_id) DO UPDATE SET
    detail = excluded.detail, evidence = excluded.evidence, last_seen_at = excluded.last_seen_at,
    status = CASE WHEN CAST(exceptions.evidence AS VARCHAR) = CAST(excluded.evidence AS VARCHAR)
                  THEN exceptions.status ELSE 'open' END,
    resolved_at = NULL, resolved_reason = NULL
"""

CHANGED_ACTION = (
    "the tracker changed time that is already billed: revert the edit in the tracker, or "
    "credit and re-bill the invoice; the warehouse keeps the billed version"
)
DELETED_ACTION = (
    "the tracker deleted time that is already billed: restore it in the tracker, or credit "
    "the invoice; the warehouse keeps the billed entry"
)


@dataclass
class Deleted:
    source_id: str
    deleted_at: str | None = None  # as the tracker says, ISO-8601


@dataclass
class Mapped:
    """One run's canonical rows and the entries the tracker no longer has."""

    batch: ExportBatch
    deleted: list[Deleted] = field(default_factory=list)


class ApiBatch(BatchBuilder):
    """BatchBuilder for records that arrive as JSON: no file, so `line` is the record's position
    in the run and a quarantined record keeps its fields as the raw row."""

    def __init__(self, source: str, label: str, known: KnownNames):
        super().__init__(source, Table(label, [], {}, (), None, []), known)

    def error_record(self, line: int, reason: str, record: dict[str, Any]) -> None:
        self.errors.append(RowError(self.table.file, line, reason, raw_of(record)))

    def api_entry(self, line: int, source_id: str, **values: str | None) -> str:
        """A time entry keyed by the tracker's own id."""
        entry_id = entry_id_of(self.source, source_id)
        self._emit(
            "time_entries",
            line,
            entry_id=entry_id,
            source=self.source,
            source_id=source_id,
            **values,
        )
        return entry_id


def entry_id_of(source: str, source_id: str) -> str:
    return f"{source}-{source_id}"


def raw_of(record: dict[str, Any]) -> dict[str, str]:
    """A record's fields as strings (nested objects as JSON), for quarantine."""
    return {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in record.items()}


def hours_text(value: Any) -> str:
    """JSON hours (a number) as canonical hours text; exact for what JSON printed."""
    return format_hours(Decimal(str(value)))


def seconds_text(seconds: Any) -> str:
    return format_hours(Decimal(int(seconds)) / Decimal(3600))


def local_day(timestamp: str) -> str:
    """The date of an ISO-8601 timestamp in the offset the tracker wrote it with."""
    return datetime.fromisoformat(timestamp).date().isoformat()


def load_entries(
    con: duckdb.DuckDBPyConnection,
    load: Load,
    report: LoadReport,
    source: str,
    label: str,
    mapped: Mapped,
) -> None:
    """Stages the mapped rows with the billed-entry guard, then applies the deletions
    (inside the run's transaction)."""
    batch = _hold_billed(con, load, source, mapped.batch)
    stage_batch(con, load, report, Path(label), batch)
    _apply_deletions(con, load, source, mapped.deleted)
    exception_groups.refresh(con)  # the groups of the findings raised above


def _hold_billed(con, load: Load, source: str, batch: ExportBatch) -> ExportBatch:
    entries = batch.frames.get("time_entries")
    if entries is None or entries.height == 0:
        return batch
    ids = entries["entry_id"].to_list()
    billed = [r[0] for r in con.execute(BILLED_SQL, [ids]).fetchall()]
    if not billed:
        return batch
    con.register("_sync_frame", entries.drop("_file", "_line", strict=False))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _sync_incoming AS SELECT * FROM _sync_frame")
    finally:
        con.unregister("_sync_frame")
    changed = con.execute(CHANGED_SQL, [billed]).fetchall()
    now = clock.now()
    for entry_id, before, after, project_id in changed:
        evidence = {
            "billed": json.loads(before),
            "upstream": json.loads(after),
            "load_id": load.load_id,
        }
        detail = (
            f"{source} changed entry {entry_id} after it was billed; the billed version is kept"
        )
        _raise_exception(
            con, "billed_entry_changed", entry_id, project_id, detail, evidence, CHANGED_ACTION, now
        )
    con.execute("DROP TABLE _sync_incoming")
    frames = dict(batch.frames)
    frames["time_entries"] = entries.filter(~pl.col("entry_id").is_in(billed))
    return ExportBatch(frames, batch.errors, batch.skipped, batch.warnings)


def _raise_exception(con, kind, ref, project_id, detail, evidence, action, now) -> None:
    """Upserts the finding and marks its group (the run refreshes the groups it marked)."""
    con.execute(
        EXCEPTION_UPSERT_SQL,
        [
            f"{kind}:{ref}",
            kind,
            ref,
            project_id,
            detail,
            json.dumps(evidence, default=str),
            action,
            now,
            now,
        ],
    ).fetchall()
    exception_groups.touch_ids(con, [f"{kind}:{ref}"])


def _apply_deletions(con, load: Load, source: str, deleted: Iterable[Deleted]) -> None:
    by_id = {entry_id_of(source, d.source_id): d for d in deleted}
    if not by_id:
        return
    present = con.execute(
        "SELECT entry_id, project_id FROM time_entries "
        "WHERE entry_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
        [list(by_id)],
    ).fetchall()
    if not present:
        return
    ids = [r[0] for r in present]
    billed = {r[0] for r in con.execute(BILLED_SQL, [ids]).fetchall()}
    now = clock.now()
    removed = [i for i in ids if i not in billed]
    if removed:
        key = key_expression(TIME_ENTRIES)
        con.execute(
            f"""INSERT INTO entity_history
            SELECT 'time_entries', {key}, to_json(t), t._load_id, ?, ?
            FROM time_entries t WHERE entry_id IN (SELECT unnest(CAST(? AS VARCHAR[])))""",
            [load.load_id, now, removed],
        ).fetchall()
        con.execute(
            "DELETE FROM time_entries WHERE entry_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [removed],
        ).fetchall()
    rows = []
    for entry_id, project_id in present:
        d = by_id[entry_id]
        action = "kept_billed" if entry_id in billed else "removed"
        rows.append(
            ["time_entries", entry_id, source, d.source_id, d.deleted_at, action, load.load_id, now]
        )
        if entry_id in billed:
            detail = f"{source} deleted entry {entry_id} after it was billed; it is kept"
            evidence = {
                "source_id": d.source_id,
                "deleted_at": d.deleted_at,
                "load_id": load.load_id,
            }
            _raise_exception(
                con,
                "billed_entry_deleted",
                entry_id,
                project_id,
                detail,
                evidence,
                DELETED_ACTION,
                now,
            )
    con.executemany("INSERT OR REPLACE INTO sync_deletions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def window_deletions(
    con: duckdb.DuckDBPyConnection, source: str, start: str, end: str, seen: set[str]
) -> list[Deleted]:
    """Entries this source's sync loaded, dated start..end (inclusive), that a full listing of
    that window no longer has: the trackers that do not report deletions (Harvest, Clockify,
    Tempo) are reconciled this way. Entries from a CSV import are never touched."""
    rows = con.execute(
        "SELECT source_id FROM time_entries WHERE _source = ? AND date BETWEEN ? AND ? "
        "AND entry_id = source || '-' || source_id",
        [f"{source}-api", start, end],
    ).fetchall()
    return [Deleted(r[0]) for r in rows if r[0] not in seen]


def known_names(con: duckdb.DuckDBPyConnection) -> KnownNames:
    return KnownNames.from_duckdb(con)


@dataclass(frozen=True)
class TrackerSource:
    """One time tracker as a sync source (etl/sync/run.py's Source protocol): its settings
    class, its resources module (fetch -> payload with cursors and requests; map_entries), the
    settings attribute naming the API it reads and the payload list it counts. The four
    trackers differ only in these, so they share this one class."""

    name: str
    settings_class: Any
    is_configured: Any  # settings -> bool
    resources: Any  # the tracker's resources module
    url_attr: str = "base_url"
    counted: str = "entries"
    entity: str = "time_entries"

    def configured(self, settings) -> bool:
        return self.is_configured(settings)

    def fetch(self, ctx, cursors: dict[str, str]):
        from core import clock
        from etl.sync.run import Extract

        settings = self.settings_class.from_settings(ctx.settings)
        payload = self.resources.fetch(ctx, settings, cursors, clock.today())
        return Extract(
            getattr(settings, self.url_attr),
            payload,
            payload["cursors"],
            payload["requests"],
            len(payload[self.counted]),
        )

    def load(self, con, load, report, extract) -> None:
        label = f"{self.name}-api {self.entity}"
        batch = ApiBatch(self.name, label, known_names(con))
        mapped = self.resources.map_entries(con, batch, extract.payload)
        load_entries(con, load, report, self.name, label, mapped)
