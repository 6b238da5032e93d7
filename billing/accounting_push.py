"""Approved drafts out to the accounting system, once, and what happened to them there.

push_draft: an approved draft becomes a QuickBooks Online Invoice (SalesItemLine per line;
QBO has no draft state, so it is created with EmailStatus NotSet: not sent) or a Xero ACCREC
Invoice with Status DRAFT, numbered with our invoice number (DocNumber / InvoiceNumber), so a
later `etl sync` reads it back onto the same invoice row.

Never twice: the push's row in accounting_pushes, with a fresh idempotency key, is COMMITTED
before the request goes out. The request carries that key (QBO `?requestid=`, Xero
`Idempotency-Key`); the core client retries a timeout with the same key, and a later push of
the same draft (after a crash, or a failed run) re-sends the same key: the accounting system
answers with the invoice it made the first time. A draft already pushed is not sent again.

read_back: each pushed invoice is fetched again (number, status, amount paid) and compared with
what was sent: a line or total edited in QuickBooks/Xero after the push is reported as
"changed in QuickBooks" / "changed in Xero" with the difference.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from billing.store import draft_lines, get_draft
from core import clock
from core.money import cents, money_text
from etl.sync.accounting import LINKS_SQL, decode
from etl.sync.http import ApiError, SyncClient
from etl.sync.oauth import BearerAuth, TokenStore
from etl.sync.run import SyncContext
from warehouse.db import transaction

VENDOR = {"quickbooks": "QuickBooks", "xero": "Xero"}

PUSH_ROW_SQL = "SELECT request_id, status, external_id, number FROM accounting_pushes WHERE source = ? AND draft_id = ?"
START_SQL = "INSERT INTO accounting_pushes VALUES (?, ?, ?, 'sending', NULL, NULL, ?, ?, NULL)"
DONE_SQL = """
UPDATE accounting_pushes SET status = 'pushed', external_id = ?, number = ?, pushed_at = ?
WHERE source = ? AND draft_id = ?
"""
PUSHED_SQL = """
SELECT p.draft_id, p.external_id, p.number, p.pushed_json, d.invoice_number
FROM accounting_pushes p JOIN invoice_drafts d USING (draft_id)
WHERE p.source = ? AND p.status = 'pushed' ORDER BY p.draft_id
"""
CLIENT_NAME_SQL = "SELECT name FROM clients WHERE client_id = ?"


def _wire(value: Decimal) -> float | int:
    """A cent amount as a JSON number. httpx writes JSON through the json module, which has no
    Decimal; a value of at most 15 significant digits survives float's shortest repr exactly,
    and that is checked, so the number on the wire is the Decimal's digits."""
    if value == value.to_integral_value():
        return int(value)
    out = float(value)
    if Decimal(repr(out)) != value:
        raise ValueError(f"{value} cannot be sent exactly")
    return out


def _lines(con, draft_id: int) -> list[dict[str, Any]]:
    """The draft's billed lines: qty x unit price when it makes the amount to the cent, else
    one unit of the amount (hours in sixths are priced unrounded here)."""
    frame = draft_lines(con, draft_id).filter(~pl.col("excluded"))
    out = []
    for row in frame.to_dicts():
        amount = cents(Decimal(row["amount"]))
        qty, unit = row["quantity"], row["unit_price"]
        if qty is not None and unit is not None and cents(Decimal(qty) * Decimal(unit)) == amount:
            qty, unit = Decimal(qty).normalize(), Decimal(unit)
        else:
            qty, unit = Decimal(1), amount
        out.append(
            {
                "description": row["description"],
                "qty": qty,
                "unit": unit,
                "amount": amount,
                "project_id": row["project_id"],
            }
        )
    return out


def _sent(lines: list[dict[str, Any]], draft: dict) -> dict[str, Any]:
    """What was sent, amounts as strings: the reference the read-back compares against."""
    return {
        "number": draft["invoice_number"],
        "total": money_text(sum((x["amount"] for x in lines), Decimal(0))),
        "lines": [
            {
                "description": x["description"],
                "qty": str(x["qty"]),
                "unit": money_text(x["unit"]),
                "amount": money_text(x["amount"]),
            }
            for x in lines
        ],
    }


# ------------------------------------------------------------------ vendors


class QuickBooksPush:
    source = "quickbooks"

    def __init__(self, client: SyncClient, settings, realm: str):
        self.client, self.settings, self.realm = client, settings, realm
        self.minor = settings.get("QBO_MINOR_VERSION", "75")

    def _url(self, path: str) -> str:
        return f"/v3/company/{self.realm}/{path}"

    def customer_id(self, name: str) -> str:
        statement = f"SELECT * FROM Customer WHERE DisplayName = '{name.replace(chr(39), chr(92) + chr(39))}'"
        body = decode(
            self.source,
            self.client.request(
                "GET", self._url("query"), params={"query": statement, "minorversion": self.minor}
            ),
        )
        found = (body.get("QueryResponse") or {}).get("Customer") or []
        if not found:
            raise ApiError(f"quickbooks: no customer named {name!r}: create it in QuickBooks first")
        return str(found[0]["Id"])

    def create(self, draft: dict, lines: list[dict], client_name: str, key: str) -> dict:
        item = self.settings.get("QBO_ITEM_ID", "1")
        body = {
            "CustomerRef": {"value": self.customer_id(client_name)},
            "DocNumber": draft["invoice_number"],
            "TxnDate": str(draft["issue_date"]),
            "DueDate": str(draft["due_date"]),
            "EmailStatus": "NotSet",
            "PrivateNote": f"billing-ops draft {draft['draft_id']}",
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": _wire(x["amount"]),
                    "Description": x["description"],
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item},
                        "Qty": _wire(x["qty"]),
                        "UnitPrice": _wire(x["unit"]),
                    },
                }
                for x in lines
            ],
        }
        if draft.get("po_number"):
            body["CustomField"] = [
                {
                    "DefinitionId": "1",
                    "Name": "P.O. Number",
                    "Type": "StringType",
                    "StringValue": draft["po_number"],
                }
            ]
        response = self.client.request(
            "POST",
            self._url("invoice"),
            json=body,
            params={"minorversion": self.minor, "requestid": key},
        )
        return decode(self.source, response)["Invoice"]

    def fetch(self, external_id: str) -> dict:
        response = self.client.request(
            "GET", self._url(f"invoice/{external_id}"), params={"minorversion": self.minor}
        )
        return decode(self.source, response)["Invoice"]

    @staticmethod
    def remote(obj: dict) -> dict[str, Any]:
        lines = [x for x in obj.get("Line") or [] if x.get("DetailType") == "SalesItemLineDetail"]
        total, balance = Decimal(obj.get("TotalAmt") or 0), Decimal(obj.get("Balance") or 0)
        return {
            "external_id": str(obj["Id"]),
            "number": obj.get("DocNumber"),
            "status": "paid" if total > 0 and balance == 0 else ("void" if total == 0 else "open"),
            "paid": money_text(total - balance),
            "total": money_text(total),
            "lines": [
                {
                    "description": x.get("Description"),
                    "qty": str(Decimal(str(x["SalesItemLineDetail"].get("Qty", 1))).normalize()),
                    "unit": money_text(Decimal(str(x["SalesItemLineDetail"].get("UnitPrice", 0)))),
                    "amount": money_text(Decimal(str(x.get("Amount", 0)))),
                }
                for x in lines
            ],
        }


class XeroPush:
    source = "xero"

    def __init__(self, client: SyncClient, settings, tenant: str):
        self.client, self.settings, self.tenant = client, settings, tenant

    def create(self, draft: dict, lines: list[dict], client_name: str, key: str) -> dict:
        account = self.settings.get("XERO_SALES_ACCOUNT", "200")
        invoice = {
            "Type": "ACCREC",
            "Contact": {"Name": client_name},
            "InvoiceNumber": draft["invoice_number"],
            "Reference": draft.get("po_number") or "",
            "Date": str(draft["issue_date"]),
            "DueDate": str(draft["due_date"]),
            "CurrencyCode": draft["currency"],
            "Status": "DRAFT",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": x["description"],
                    "Quantity": _wire(x["qty"]),
                    "UnitAmount": _wire(x["unit"]),
                    "AccountCode": account,
                }
                for x in lines
            ],
        }
        response = self.client.request(
            "PUT",
            "/Invoices",
            json={"Invoices": [invoice]},
            headers={"xero-tenant-id": self.tenant, "Idempotency-Key": key},
        )
        return decode(self.source, response)["Invoices"][0]

    def fetch(self, external_id: str) -> dict:
        response = self.client.request(
            "GET", f"/Invoices/{external_id}", headers={"xero-tenant-id": self.tenant}
        )
        return decode(self.source, response)["Invoices"][0]

    @staticmethod
    def remote(obj: dict) -> dict[str, Any]:
        return {
            "external_id": str(obj["InvoiceID"]),
            "number": obj.get("InvoiceNumber"),
            "status": str(obj.get("Status") or "").lower(),
            "paid": money_text(Decimal(str(obj.get("AmountPaid") or 0))),
            "total": money_text(Decimal(str(obj.get("Total") or 0))),
            "lines": [
                {
                    "description": x.get("Description"),
                    "qty": str(Decimal(str(x.get("Quantity", 1))).normalize()),
                    "unit": money_text(Decimal(str(x.get("UnitAmount", 0)))),
                    "amount": money_text(
                        Decimal(
                            str(
                                x.get("LineAmount")
                                or Decimal(str(x.get("Quantity", 1)))
                                * Decimal(str(x.get("UnitAmount", 0)))
                            )
                        )
                    ),
                }
                for x in obj.get("LineItems") or []
            ],
        }


def _vendor(source: str, ctx: SyncContext) -> tuple[Any, SyncClient]:
    settings = ctx.settings
    if source == "quickbooks":
        from etl.sync.quickbooks.source import HOSTS, app
    elif source == "xero":
        from etl.sync.xero.source import BASE_URL, app
    else:
        raise ValueError(f"unknown accounting system {source!r} (quickbooks or xero)")
    auth = BearerAuth(app(settings), TokenStore(source, settings), transport=ctx.transport)
    if source == "quickbooks":
        base = settings.get("QBO_BASE_URL") or HOSTS[settings.get("QBO_ENVIRONMENT", "production")]
        client = ctx.client(source, base, auth=auth)
        realm = settings.get("QBO_REALM_ID") or auth.token.get("realm_id")
        return QuickBooksPush(client, settings, str(realm)), client
    client = ctx.client(source, settings.get("XERO_BASE_URL", BASE_URL), auth=auth)
    tenant = settings.get("XERO_TENANT_ID") or auth.token.get("tenant_id")
    return XeroPush(client, settings, str(tenant)), client


# ------------------------------------------------------------------ push


@dataclass
class PushResult:
    draft_id: int
    external_id: str
    number: str
    sent: bool  # False: it was pushed before, nothing was sent


def push_draft(
    con: duckdb.DuckDBPyConnection, draft_id: int, source: str, ctx: SyncContext | None = None
) -> PushResult:
    """Pushes one approved draft, at most once (see the module docstring)."""
    ctx = ctx or SyncContext()
    draft = get_draft(con, draft_id)
    if draft["status"] != "approved":
        raise ValueError(f"draft {draft_id} is {draft['status']}: only approved drafts are pushed")
    lines = _lines(con, draft_id)
    sent = _sent(lines, draft)
    with transaction(con):
        row = con.execute(PUSH_ROW_SQL, [source, draft_id]).fetchall()
        if not row:
            key = str(uuid.uuid4())  # 36 characters: QBO's requestid limit
            con.execute(
                START_SQL, [source, draft_id, key, json.dumps(sent), clock.now()]
            ).fetchall()
            row = [(key, "sending", None, None)]
    key, status, external_id, number = row[0]
    if status == "pushed":
        return PushResult(draft_id, external_id, number, sent=False)
    name = con.execute(CLIENT_NAME_SQL, [draft["client_id"]]).fetchall()
    vendor, client = _vendor(source, ctx)
    try:
        created = vendor.create(draft, lines, name[0][0] if name else draft["client_id"], key)
    finally:
        client.close()
    remote = vendor.remote(created)
    with transaction(con):
        con.execute(
            DONE_SQL, [remote["external_id"], remote["number"], clock.now(), source, draft_id]
        ).fetchall()
        con.execute(
            LINKS_SQL,
            [
                source,
                "invoice",
                remote["external_id"],
                draft["invoice_number"],
                None,
                json.dumps(created, default=str),
                clock.now(),
            ],
        ).fetchall()
    return PushResult(draft_id, remote["external_id"], remote["number"], sent=True)


# ------------------------------------------------------------------ read back


@dataclass
class PushedState:
    draft_id: int
    invoice_number: str
    external_id: str
    number: str | None
    status: str
    paid: str
    changes: list[str] = field(default_factory=list)

    def line(self, source: str) -> str:
        vendor = VENDOR[source]
        head = f"{self.invoice_number} in {vendor}: {self.number}, {self.status}, paid {self.paid}"
        if not self.changes:
            return head
        return f"{head} · changed in {vendor} since the push: " + "; ".join(self.changes)


def differences(sent: dict[str, Any], remote: dict[str, Any]) -> list[str]:
    """What differs between the pushed document and the one there now, line by line."""
    out = []
    if remote.get("number") != sent["number"]:
        out.append(f"number {sent['number']} -> {remote.get('number')}")
    ours, theirs = sent["lines"], remote["lines"]
    for no, (a, b) in enumerate(zip(ours, theirs, strict=False), 1):
        for key in ("description", "qty", "unit", "amount"):
            if str(a[key]) != str(b[key]):
                out.append(f"line {no} {key} {a[key]} -> {b[key]}")
    for no, b in enumerate(theirs[len(ours) :], len(ours) + 1):
        out.append(f"line {no} added: {b['description']} {b['amount']}")
    for no, a in enumerate(ours[len(theirs) :], len(theirs) + 1):
        out.append(f"line {no} removed: {a['description']} {a['amount']}")
    if sent["total"] != remote["total"]:
        out.append(f"total {sent['total']} -> {remote['total']}")
    return out


def read_back(
    con: duckdb.DuckDBPyConnection, source: str, ctx: SyncContext | None = None
) -> list[PushedState]:
    """Every pushed draft as the accounting system has it now, with what changed there."""
    ctx = ctx or SyncContext()
    pushed = con.execute(PUSHED_SQL, [source]).fetchall()
    if not pushed:
        return []
    vendor, client = _vendor(source, ctx)
    states, links = [], []
    try:
        for draft_id, external_id, _number, sent_json, invoice_number in pushed:
            obj = vendor.fetch(external_id)
            remote = vendor.remote(obj)
            sent = json.loads(sent_json)
            states.append(
                PushedState(
                    draft_id,
                    invoice_number,
                    external_id,
                    remote["number"],
                    remote["status"],
                    remote["paid"],
                    differences(sent, remote),
                )
            )
            links.append(
                [
                    source,
                    "invoice",
                    external_id,
                    invoice_number,
                    None,
                    json.dumps(obj, default=str),
                    clock.now(),
                ]
            )
    finally:
        client.close()
    with transaction(con):
        con.executemany(LINKS_SQL, links)
    return states


STORED_SQL = """
SELECT p.source, p.draft_id, d.invoice_number, p.external_id, p.pushed_json, l.remote_json
FROM accounting_pushes p
JOIN invoice_drafts d USING (draft_id)
LEFT JOIN accounting_links l
  ON l.source = p.source AND l.entity = 'invoice' AND l.external_id = p.external_id
WHERE p.draft_id = ? AND p.status = 'pushed'
ORDER BY p.source
"""


def stored_states(con: duckdb.DuckDBPyConnection, draft_id: int) -> list[tuple[str, PushedState]]:
    """The draft's pushes as last read (by `billing pushed` or `etl sync`), without asking the
    accounting system: what the Invoices page shows."""
    out = []
    for source, draft, invoice_number, external_id, sent_json, remote_json in con.execute(
        STORED_SQL, [draft_id]
    ).fetchall():
        vendor = QuickBooksPush if source == "quickbooks" else XeroPush
        remote = vendor.remote(json.loads(remote_json)) if remote_json else None
        if remote is None:
            continue
        changes = differences(json.loads(sent_json), remote)
        state = PushedState(
            draft,
            invoice_number,
            external_id,
            remote["number"],
            remote["status"],
            remote["paid"],
            changes,
        )
        out.append((source, state))
    return out
