"""`python -m etl sync --source quickbooks`: invoices, credit memos and payments from the
QuickBooks Online Accounting API v3 (docs/connectors.md "QuickBooks Online API").

- Auth: OAuth2 bearer from the encrypted token store (etl/sync/oauth.py), refreshed when it
  expires (3600 s) or on a 401; `python -m etl connect quickbooks` authorises once.
- First run (or --full): `SELECT * FROM <Entity> ORDER BY Metadata.LastUpdatedTime
  STARTPOSITION n MAXRESULTS 1000` per entity, paging until a short page.
- Later runs: Change Data Capture, `GET /cdc?entities=Invoice,CreditMemo,Payment&changedSince=`
  the oldest cursor (one request for all three); an entity whose CDC answer is full (1000) or
  whose cursor is older than CDC's 30-day look-back is paged by query from its cursor instead.
- `minorversion` on every request (QBO_MINOR_VERSION, default 75); `intuit_tid` of a failed
  request is in the error. 429 and 5xx: the core's retries (etl/sync/http.py).
- Cursors: per entity, the server's `time` when the run began (or the greatest
  Metadata.LastUpdatedTime loaded, if later); records not newer than the cursor are dropped
  (CDC's changedSince is inclusive), so an unchanged second run loads nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb

from core import clock
from etl.accounting_import import stage_ledger
from etl.exports.ledger import KnownLedger
from etl.loader import LoadReport
from etl.staging import Load
from etl.sync.accounting import Label, decode, write_links
from etl.sync.http import ApiError, SyncClient
from etl.sync.oauth import TOKEN_KEY, BearerAuth, OAuthApp, TokenStore
from etl.sync.quickbooks import mapping
from etl.sync.run import Extract, SyncContext
from etl.sync.settings import Settings

NAME = "quickbooks"
ENTITIES = ("Invoice", "CreditMemo", "Payment")
PAGE = 1000  # MAXRESULTS at most 1000
CDC_FULL = 1000  # a CDC answer this long may be cut: page that entity by query instead
CDC_DAYS = 29  # CDC looks back about 30 days
HOSTS = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}
AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
SCOPE = "com.intuit.quickbooks.accounting"


def app(settings: Settings) -> OAuthApp:
    return OAuthApp(
        NAME,
        settings.get("QBO_AUTHORIZE_URL", AUTHORIZE_URL),
        settings.get("QBO_TOKEN_URL", TOKEN_URL),
        settings.require(NAME, "QBO_CLIENT_ID"),
        settings.require(NAME, "QBO_CLIENT_SECRET"),
        SCOPE,
        settings.get("QBO_REDIRECT_URI", "http://localhost:8765/callback"),
    )


def _updated(obj: dict[str, Any]) -> str:
    return str((obj.get("MetaData") or {}).get("LastUpdatedTime") or "")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _newer(records: list[dict], cursor: str | None) -> list[dict]:
    if not cursor:
        return records
    since = _instant(cursor)
    return [r for r in records if not _updated(r) or _instant(_updated(r)) > since]


def _latest(records: list[dict], *floors: str | None) -> str | None:
    stamps = [s for s in (_updated(r) for r in records) if s]
    stamps += [f for f in floors if f]
    return max(stamps, key=_instant) if stamps else None


class QuickBooksApi:
    """The requests of one run, over the core's SyncClient."""

    def __init__(self, client: SyncClient, realm: str, minor: str, page: int = PAGE):
        self.client, self.realm, self.minor, self.page = client, realm, minor, page

    server_time: str | None = None  # the `time` of the run's first answer: the next cursor

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        url = f"/v3/company/{self.realm}/{path}"
        body = decode(
            NAME, self.client.request("GET", url, params={**params, "minorversion": self.minor})
        )
        if self.server_time is None and isinstance(body, dict) and body.get("time"):
            self.server_time = str(body["time"])
        return body

    def query_all(self, entity: str, since: str | None) -> list[dict]:
        """Every `entity` updated after `since`, STARTPOSITION/MAXRESULTS pages to a short one."""
        where = f" WHERE Metadata.LastUpdatedTime > '{since}'" if since else ""
        out: list[dict] = []
        start = 1
        while True:
            statement = (
                f"SELECT * FROM {entity}{where} ORDER BY Metadata.LastUpdatedTime "
                f"STARTPOSITION {start} MAXRESULTS {self.page}"
            )
            body = self._get("query", {"query": statement})
            page = (body.get("QueryResponse") or {}).get(entity) or []
            out += page
            if len(page) < self.page:
                return out
            start += self.page

    def changed(self, since: str) -> dict[str, list[dict]]:
        """CDC: {entity: changed or deleted objects} since `since` (inclusive)."""
        body = self._get("cdc", {"entities": ",".join(ENTITIES), "changedSince": since})
        found: dict[str, list[dict]] = {e: [] for e in ENTITIES}
        for response in body.get("CDCResponse") or []:
            for query in response.get("QueryResponse") or []:
                for entity in ENTITIES:
                    found[entity] += query.get(entity) or []
        return found


class QuickBooksSource:
    name = NAME

    def configured(self, settings: Settings) -> bool:
        return settings.has("QBO_CLIENT_ID", "QBO_CLIENT_SECRET", TOKEN_KEY)

    def fetch(self, ctx: SyncContext, cursors: dict[str, str]) -> Extract:
        settings = ctx.settings
        auth = BearerAuth(app(settings), TokenStore(NAME, settings), transport=ctx.transport)
        realm = settings.get("QBO_REALM_ID") or auth.token.get("realm_id")
        if not realm:
            raise ApiError(f"{NAME}: no company (realmId): set QBO_REALM_ID or reconnect")
        base = settings.get("QBO_BASE_URL") or HOSTS[settings.get("QBO_ENVIRONMENT", "production")]
        client = ctx.client(NAME, base, auth=auth)
        page = min(int(settings.get("QBO_PAGE_SIZE", str(PAGE))), PAGE)
        api = QuickBooksApi(client, str(realm), settings.get("QBO_MINOR_VERSION", "75"), page)
        records: dict[str, list[dict]] = {}
        try:
            by_query = list(ENTITIES)
            if all(cursors.get(e) for e in ENTITIES):
                oldest = min((cursors[e] for e in ENTITIES), key=_instant)
                if _instant(oldest) >= clock.now() - timedelta(days=CDC_DAYS):
                    records = api.changed(oldest)
                    by_query = [e for e in ENTITIES if len(records[e]) >= CDC_FULL]
            for entity in by_query:
                records[entity] = api.query_all(entity, cursors.get(entity))
        finally:
            client.close()
        fresh = {e: _newer(records.get(e, []), cursors.get(e)) for e in ENTITIES}
        # the cursor: the server's time when the run began (so an entity with nothing yet, or
        # nothing new, still moves on to CDC), or the newest record if the server's clock lags
        start = [api.server_time] if api.server_time else []
        moved = {e: c for e in ENTITIES if (c := _latest(fresh[e], cursors.get(e), *start))}
        return Extract(
            label=f"{base}/v3/company/{realm}",
            payload=fresh,
            cursors=moved,
            requests=client.requests,
            fetched=sum(len(v) for v in fresh.values()),
        )

    def load(
        self, con: duckdb.DuckDBPyConnection, load: Load, report: LoadReport, extract: Extract
    ) -> None:
        payload: dict[str, list[dict]] = extract.payload
        if not any(payload.values()):
            return
        known = KnownLedger.from_duckdb(con)
        rows: list[dict] = []
        links: list[list] = []
        for entity, credit in (("Invoice", False), ("CreditMemo", True)):
            kind = "credit_memo" if credit else "invoice"
            for obj in payload.get(entity, []):
                if str(obj.get("status", "")).lower() == "deleted":
                    rows += _deleted_rows(con, NAME, kind, str(obj["Id"]))
                    continue
                rows += mapping.document_rows(obj, credit)
                local = mapping.local_invoice_id(obj, credit)
                links.append(
                    [
                        NAME,
                        kind,
                        str(obj["Id"]),
                        local,
                        str(obj.get("SyncToken") or ""),
                        json.dumps(obj, default=str),
                    ]
                )
        for obj in payload.get("Payment", []):
            if str(obj.get("status", "")).lower() != "deleted":
                rows += mapping.payment_rows(obj)
        batch = mapping.to_batch(rows, known, "quickbooks-api")
        stage_ledger(con, load, report, Label("quickbooks-api"), batch)
        write_links(con, links, clock.now())


DELETED_SQL = """
SELECT l.local_id, i.issue_date::VARCHAR, i.total::VARCHAR, c.name, i.kind
FROM accounting_links l
JOIN invoices i ON i.invoice_id = l.local_id
LEFT JOIN clients c ON c.client_id = i.client_id
WHERE l.source = ? AND l.entity = ? AND l.external_id = ?
"""


def _deleted_rows(con, source: str, kind: str, external_id: str) -> list[dict]:
    """A document the accounting system deleted: void here when we hold it, else nothing."""
    found = con.execute(DELETED_SQL, [source, kind, external_id]).fetchall()
    if not found:
        return []
    local, issued, total, customer, doc_kind = found[0]
    header = {"issue_date": issued, "total": total, "_customer": customer, "kind": doc_kind}
    return mapping.voided_rows(local, header)


SOURCE = QuickBooksSource()
