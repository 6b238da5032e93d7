"""What the Exceptions page reads: the filtered queue and its headline numbers, one exception's
evidence, the audit trail, and the projects and SOW lines work can be reassigned to."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl

from core.csv_safe import frame_csv
from exception_queue import findings
from warehouse.sessions import Db, read_only, sql

SEVERITIES = ("high", "medium", "low")
STATUSES = ("open", "snoozed", "approved", "rejected", "reassigned", "resolved")


@dataclass(frozen=True)
class QueueFilters:
    """The page's filter choices; an empty choice keeps everything."""

    kinds: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("open",)
    min_age_days: int | None = None


@dataclass(frozen=True)
class FilterOptions:
    kinds: list[str] = field(default_factory=list)
    clients: dict[str, str] = field(default_factory=dict)  # client_id -> name

    @property
    def is_empty(self) -> bool:
        """No exception has ever been recorded."""
        return not self.kinds


@dataclass(frozen=True)
class QueueSummary:
    exception_count: int
    high_count: int
    oldest_age_days: int | None
    client_count: int


def filter_options(db: Db = None) -> FilterOptions:
    """The kinds and clients that occur among all exceptions, whatever their status."""
    with read_only(db) as con:
        rows = con.sql(sql("exceptions/filter_options")).pl()
    clients = rows.drop_nulls("client_id").unique("client_id").sort("client_name")
    return FilterOptions(
        kinds=sorted(rows["kind"].unique()),
        clients=dict(zip(clients["client_id"], clients["client_name"], strict=True)),
    )


def clients_offered(options: FilterOptions, sidebar: tuple[str, ...]) -> dict[str, str]:
    """The clients the queue's Client picker offers: with the sidebar's client filter set, only
    those clients (so the page keeps the sidebar's meaning), else every client with exceptions."""
    if not sidebar:
        return dict(options.clients)
    return {cid: options.clients.get(cid, cid) for cid in sidebar}


def exception_queue(
    filters: QueueFilters, db: Db = None, as_of: date | None = None
) -> pl.DataFrame:
    """The exceptions that pass the filters, as billing's queue orders them."""
    with read_only(db) as con:
        return findings.queue(
            con,
            kinds=list(filters.kinds) or None,
            client_ids=list(filters.client_ids) or None,
            severities=list(filters.severities) or None,
            statuses=list(filters.statuses) or None,  # None: every status
            min_age_days=filters.min_age_days or None,
            as_of=as_of,
        )


def summarize(queue: pl.DataFrame) -> QueueSummary:
    return QueueSummary(
        exception_count=queue.height,
        high_count=queue.filter(pl.col("severity") == "high").height,
        oldest_age_days=queue["age_days"].max() if queue.height else None,
        client_count=queue["client_id"].drop_nulls().n_unique(),
    )


def queue_csv(queue: pl.DataFrame) -> str:
    """The queue as CSV: lists joined with ';', nested records as JSON text, formula cells
    neutralised (core.csv_safe)."""
    flat = []
    for name, dtype in queue.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            flat.append(pl.col(name).cast(pl.List(pl.String)).list.join(";"))
        elif isinstance(dtype, pl.Struct):
            flat.append(pl.col(name).struct.json_encode())
    return frame_csv(queue.with_columns(flat))


def evidence(exception_id: str, db: Db = None) -> dict:
    """The exception, the evidence stored when it was last seen, the source rows as they are now
    (`live`) and its history: billing's evidence() as is."""
    with read_only(db) as con:
        return findings.evidence(con, exception_id)


@dataclass(frozen=True)
class EvidenceView:
    """A part of an exception's evidence laid out to read: its single rows side by side, one line
    per field (a column per row: the effective entry beside the imported one), and its lists of
    rows (overrides, workstreams, drafts holding the entry) as tables."""

    records: pl.DataFrame
    tables: dict[str, pl.DataFrame]


def evidence_view(section: dict) -> EvidenceView:
    records = {name: value for name, value in section.items() if isinstance(value, dict)}
    facts = {k: v for k, v in section.items() if not isinstance(v, dict | list) and k != "ref_type"}
    if facts:
        records["details"] = facts
    fields = list(dict.fromkeys(field for record in records.values() for field in record))
    columns = {name: [_as_text(record.get(f)) for f in fields] for name, record in records.items()}
    table = pl.DataFrame(
        {"field": fields} | columns, schema={c: pl.String for c in ["field", *columns]}
    )
    return EvidenceView(
        records=table.filter(pl.any_horizontal(pl.exclude("field").is_not_null())),
        tables={
            name: pl.DataFrame([{k: _as_text(v) for k, v in row.items()} for row in rows])
            for name, rows in section.items()
            if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
        },
    )


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 0E-8 -> 0, 315.0000 -> 315
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def audit_trail(object_id: str | None = None, limit: int = 200, db: Db = None) -> pl.DataFrame:
    """Who decided what and why, newest first; one object's entries when `object_id` is given."""
    with read_only(db) as con:
        return findings.audit_trail(con, object_id=object_id, limit=limit)


def reassign_targets(db: Db = None) -> pl.DataFrame:
    """Projects and their SOW lines (project_id, sow_line_id, label, client_name, is_billable)."""
    with read_only(db) as con:
        return con.sql(sql("exceptions/reassign_targets")).pl()
