"""One sync run of one source: fetch over HTTP first (no transaction open while the network is
slow), then write the rows, the raw copies, the load log and the moved cursors in ONE
transaction (etl.loader.run_load), so a run that fails anywhere leaves the warehouse and the
cursors as they were and the next run asks the API again.

A source is any object with `name`, `configured(settings)`, `fetch(ctx, cursors)` and
`load(con, load, report, extract)`; the registry (etl.sync.registry) names them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import httpx

from app_auth import audit_row
from etl.load_run import LoadReport, run_load
from etl.staging import Load
from etl.sync.cursors import read_cursors, write_cursors
from etl.sync.http import RetryPolicy, SyncClient, make_client
from etl.sync.registry import get_source, names
from etl.sync.settings import Settings, load_settings
from warehouse.db import transaction

HANDLE_REQUESTS_SQL = """
UPDATE sync_requests SET handled_at = now(), handled_by_load = ?
WHERE source = ? AND handled_at IS NULL AND request_id <= ?
"""


@dataclass
class SyncContext:
    """What a run may use: settings (credentials), and the transport and retry policy tests
    replace. `full`: ignore the stored cursors and pull everything again."""

    settings: Settings = field(default_factory=load_settings)
    transport: httpx.BaseTransport | None = None
    policy: RetryPolicy | None = None
    full: bool = False

    def client(self, source: str, base_url: str, **kwargs: Any) -> SyncClient:
        """The source's client; SYNC_HTTP_TIMEOUT (seconds, default 30) bounds each request."""
        kwargs.setdefault("timeout", float(self.settings.get("SYNC_HTTP_TIMEOUT", "30")))
        return make_client(source, base_url, transport=self.transport, policy=self.policy, **kwargs)


@dataclass
class Extract:
    """What a source fetched, before anything is written. `payload` is the source's own."""

    label: str  # where it came from, for the load log (the API's base URL)
    payload: Any = None
    cursors: dict[str, str] = field(default_factory=dict)  # the cursors after this run
    requests: int = 0
    fetched: int = 0  # records received


class Source(Protocol):
    name: str

    def configured(self, settings: Settings) -> bool:
        """Whether its credentials are present (`etl sync` without --source runs those)."""

    def fetch(self, ctx: SyncContext, cursors: dict[str, str]) -> Extract:
        """Everything changed since `cursors`; no warehouse access."""

    def load(
        self, con: duckdb.DuckDBPyConnection, load: Load, report: LoadReport, extract: Extract
    ) -> None:
        """Writes the extract (inside the run's transaction)."""


@dataclass
class SyncReport:
    source: str
    load: LoadReport
    requests: int
    fetched: int

    @property
    def rows_changed(self) -> int:
        return sum(s.new + s.updated for s in self.load.entities)


def run_sync(
    con: duckdb.DuckDBPyConnection,
    name: str,
    ctx: SyncContext | None = None,
    *,
    actor: str | None = None,
) -> SyncReport:
    """Fetches then loads one source; raises SyncError (one line) on credential or API errors.
    The run's audit row (who: `actor`, default cli:<OS user>; from where; what changed) is
    written in the load's own transaction, so a failed run leaves none."""
    ctx = ctx or SyncContext()
    actor = actor or audit_row.cli_actor()
    source = get_source(name)
    pending = con.execute(
        "SELECT coalesce(max(request_id), 0) FROM sync_requests WHERE source = ? "
        "AND handled_at IS NULL",
        [name],
    ).fetchall()[0][0]
    cursors = {} if ctx.full else read_cursors(con, name)
    extract = source.fetch(ctx, cursors)

    def body(load: Load, report: LoadReport) -> None:
        source.load(con, load, report, extract)
        write_cursors(con, name, extract.cursors, load.load_id)
        if pending:
            con.execute(HANDLE_REQUESTS_SQL, [load.load_id, name, pending]).fetchall()
        after = {
            "source": name,
            "from": extract.label,
            "load_id": load.load_id,
            "records_fetched": extract.fetched,
            "requests": extract.requests,
            "rows_changed": sum(s.new + s.updated for s in report.entities),
            "quarantined": report.quarantined,
            "full": ctx.full,
            "webhook_requests_handled": bool(pending),
        }
        audit_row.record(con, actor, "sync", "source", name, after=after)

    report = run_load(con, f"{name}-api", extract.label, body)
    return SyncReport(name, report, extract.requests, extract.fetched)


def configured_sources(settings: Settings) -> list[str]:
    """The registered sources whose credentials are present."""
    return [n for n in names() if get_source(n).configured(settings)]


def request_sync(con: duckdb.DuckDBPyConnection, source: str, reason: str) -> int:
    """Queues a sync of `source` (a webhook arrived); the next scheduled or manual run of the
    source marks it handled. Returns the request id."""
    with transaction(con):
        rows = con.execute(
            "INSERT INTO sync_requests VALUES (nextval('sync_request_id_seq'), ?, ?, now(), NULL, "
            "NULL) RETURNING request_id",
            [source, reason],
        ).fetchall()
        audit_row.record(
            con, f"webhook:{source}", "sync_requested", "source", source, after={"reason": reason}
        )
    return rows[0][0]


def pending_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT source FROM sync_requests WHERE handled_at IS NULL ORDER BY source"
    ).fetchall()
    return [r[0] for r in rows]
