"""`python -m etl sync --source xero`: sales invoices, credit notes and payments from the Xero
Accounting API (docs/connectors.md "Xero API").

- Auth: OAuth2 bearer from the encrypted token store (etl/sync/oauth.py; access tokens last
  30 min, refresh tokens rotate on every use), and the `xero-tenant-id` header on every call
  (XERO_TENANT_ID, else the tenant `etl connect xero` stored).
- Paging: `page=N&pageSize=` (XERO_PAGE_SIZE, default 1000, Xero's maximum) until a short page;
  `where=Type=="ACCREC"` for invoices; `order=UpdatedDateUTC ASC`.
- Incremental: `If-Modified-Since` (UTC) from each entity's cursor, the greatest UpdatedDateUTC
  loaded; records not newer than the cursor are dropped, so an unchanged run loads nothing.
- Limits: 60/min and 5,000/day per tenant. A 429 is retried after its Retry-After by the core
  (etl/sync/http.py); a daily-limit 429 (`X-Rate-Limit-Problem: day`, Retry-After of hours) is
  longer than the core will wait: the run stops in one line and the warehouse is unchanged.
"""

from __future__ import annotations

import json
from datetime import datetime
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
from etl.sync.run import Extract, SyncContext
from etl.sync.settings import Settings
from etl.sync.xero import mapping

NAME = "xero"
BASE_URL = "https://api.xero.com/api.xro/2.0"
AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
TOKEN_URL = "https://identity.xero.com/connect/token"
CONNECTIONS_URL = "https://api.xero.com/connections"
SCOPE = "offline_access accounting.transactions.read accounting.contacts.read"
PAGE = 1000
# entity -> (path, the list's key in the body, extra params)
ENTITIES: dict[str, tuple[str, str, dict[str, str]]] = {
    "Invoices": ("/Invoices", "Invoices", {"where": 'Type=="ACCREC"'}),
    "CreditNotes": ("/CreditNotes", "CreditNotes", {"where": 'Type=="ACCRECCREDIT"'}),
    "Payments": ("/Payments", "Payments", {"where": 'PaymentType=="ACCRECPAYMENT"'}),
}


def app(settings: Settings) -> OAuthApp:
    return OAuthApp(
        NAME,
        settings.get("XERO_AUTHORIZE_URL", AUTHORIZE_URL),
        settings.get("XERO_TOKEN_URL", TOKEN_URL),
        settings.require(NAME, "XERO_CLIENT_ID"),
        settings.require(NAME, "XERO_CLIENT_SECRET"),
        settings.get("XERO_SCOPE", SCOPE),
        settings.get("XERO_REDIRECT_URI", "http://localhost:8765/callback"),
    )


def _updated(obj: dict[str, Any]) -> datetime | None:
    return mapping.instant(obj.get("UpdatedDateUTC"))


def _cursor_text(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _since(cursor: str | None) -> datetime | None:
    return mapping.instant(cursor) if cursor else None


def fetch_all(
    client: SyncClient, tenant: str, entity: str, cursor: str | None, page_size: int
) -> list[dict]:
    """Every record of `entity` modified since `cursor`, page by page to a short page."""
    path, key, extra = ENTITIES[entity]
    headers = {"xero-tenant-id": tenant}
    if cursor:
        headers["If-Modified-Since"] = cursor
    out: list[dict] = []
    page = 1
    while True:
        params = {**extra, "order": "UpdatedDateUTC ASC", "page": page, "pageSize": page_size}
        body = decode(NAME, client.request("GET", path, params=params, headers=headers))
        items = body.get(key) or []
        out += items
        if len(items) < page_size:
            return out
        page += 1


class XeroSource:
    name = NAME

    def configured(self, settings: Settings) -> bool:
        return settings.has("XERO_CLIENT_ID", "XERO_CLIENT_SECRET", TOKEN_KEY)

    def fetch(self, ctx: SyncContext, cursors: dict[str, str]) -> Extract:
        settings = ctx.settings
        auth = BearerAuth(app(settings), TokenStore(NAME, settings), transport=ctx.transport)
        tenant = settings.get("XERO_TENANT_ID") or auth.token.get("tenant_id")
        if not tenant:
            raise ApiError(f"{NAME}: no organisation: set XERO_TENANT_ID or reconnect")
        base = settings.get("XERO_BASE_URL", BASE_URL)
        page_size = min(int(settings.get("XERO_PAGE_SIZE", str(PAGE))), PAGE)
        client = ctx.client(NAME, base, auth=auth)
        fresh: dict[str, list[dict]] = {}
        moved: dict[str, str] = {}
        try:
            for entity in ENTITIES:
                cursor = cursors.get(entity)
                records = fetch_all(client, str(tenant), entity, cursor, page_size)
                since = _since(cursor)
                fresh[entity] = [
                    r for r in records if since is None or (_updated(r) or since) > since
                ]
                stamps = [s for s in (_updated(r) for r in fresh[entity]) if s]
                if stamps:
                    moved[entity] = _cursor_text(max(stamps))
        finally:
            client.close()
        return Extract(
            label=f"{base} tenant {tenant}",
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
        documents: list[dict] = []
        links: list[list] = []
        for entity, credit in (("Invoices", False), ("CreditNotes", True)):
            kind = "credit_memo" if credit else "invoice"
            for obj in payload.get(entity, []):
                rows = mapping.document_rows(obj, credit)
                documents += rows
                external = obj.get("CreditNoteID" if credit else "InvoiceID")
                if external:
                    links.append(
                        [
                            NAME,
                            kind,
                            str(external),
                            str(rows[0]["number"]),
                            str(obj.get("UpdatedDateUTC") or ""),
                            json.dumps(obj, default=str),
                        ]
                    )
        payments = [
            row
            for obj in payload.get("Payments", [])
            if str(obj.get("Status", "")).upper() != "DELETED"
            for row in mapping.payment_rows(obj)
        ]
        batch = mapping.to_batch(documents, payments, KnownLedger.from_duckdb(con))
        stage_ledger(con, load, report, Label("xero-api"), batch)
        write_links(con, links, clock.now())


SOURCE = XeroSource()
