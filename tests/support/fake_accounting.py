"""Local fakes of the QuickBooks Online and Xero APIs for httpx.MockTransport, reproducing the
documented request/response shapes (/work/shared/reference/connectors.md sections 5 and 6):

QuickBooks: the OAuth2 token endpoint (authorization_code, refresh_token with rotation, HTTP
Basic client auth), Bearer checks (401 with a Fault body), `intuit_tid` on every response,
`minorversion` required, `/query` with STARTPOSITION/MAXRESULTS (`{"QueryResponse":{}}` when
empty), `/cdc` (changedSince inclusive, deleted objects as `{"Id","status":"Deleted"}`),
POST `/invoice` and `/timeactivity` idempotent by `requestid` (an invoice's TotalAmt adds its
TxnTaxDetail.TotalTax; a TimeActivity its invoice line links becomes HasBeenBilled), Employee
and Vendor queries by `DisplayName IN (...)`, GET `/invoice/{id}`, and throttling (429).
Xero: token endpoint, `xero-tenant-id` required (403 without), `page`/`pageSize` with
`pagination`, `If-Modified-Since` on UpdatedDateUTC, .NET dates, 429 + Retry-After +
X-Rate-Limit-Problem (minute or day), PUT/POST `/Invoices` idempotent by `Idempotency-Key`.
Both count requests and can lose a response after doing the work (a timeout)."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

CLIENT_ID, CLIENT_SECRET = "client-id", "client-secret"


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    text = json.dumps(body, default=lambda d: float(d) if isinstance(d, Decimal) else str(d))
    return httpx.Response(
        status, text=text, headers={"Content-Type": "application/json", **(headers or {})}
    )


@dataclass
class TokenServer:
    """Access and refresh tokens that rotate on each refresh (the old refresh token dies)."""

    serial: int = 1
    access: str = "at-1"
    refresh: str = "rt-1"
    refreshes: int = 0
    code: str = "good-code"
    extra: dict[str, Any] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return _json(401, {"error": "invalid_client"})
        form = dict(urllib.parse.parse_qsl(request.content.decode()))
        grant = form.get("grant_type")
        if grant == "authorization_code" and form.get("code") == self.code:
            pass
        elif grant == "refresh_token" and form.get("refresh_token") == self.refresh:
            self.refreshes += 1
        else:
            return _json(400, {"error": "invalid_grant"})
        self.serial += 1
        self.access, self.refresh = f"at-{self.serial}", f"rt-{self.serial}"
        return _json(
            200,
            {
                "access_token": self.access,
                "refresh_token": self.refresh,
                "token_type": "bearer",
                "expires_in": 3600,
                "x_refresh_token_expires_in": 8726400,
                **self.extra,
            },
        )

    def token(self) -> dict[str, Any]:
        """A stored token set as `etl connect` leaves it (expires far in the future)."""
        return {
            "access_token": self.access,
            "refresh_token": self.refresh,
            "token_type": "bearer",
            "expires_at": 4102444800,
        }


def qbo_time(n: int) -> str:
    """The n-th second of 2026-03-01 in QBO's offset form."""
    hours, rest = divmod(n, 3600)
    return f"2026-03-{1 + hours // 24:02d}T{hours % 24:02d}:{rest // 60:02d}:{rest % 60:02d}-08:00"


def _qbo_instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class FakeQuickBooks:
    realm: str = "9130357766541234"
    tokens: TokenServer = field(default_factory=TokenServer)
    objects: dict[str, list[dict]] = field(
        default_factory=lambda: {"Invoice": [], "CreditMemo": [], "Payment": []}
    )
    deleted: dict[str, list[dict]] = field(
        default_factory=lambda: {"Invoice": [], "CreditMemo": [], "Payment": []}
    )
    customers: dict[str, str] = field(default_factory=lambda: {"Acme Corp": "58", "Globex": "59"})
    employees: dict[str, str] = field(default_factory=lambda: {"Elena Ruiz": "55"})
    vendors: dict[str, str] = field(default_factory=lambda: {"Sam Lee": "71"})
    time_activities: list[dict] = field(default_factory=list)
    throttle: int = 0  # answer the next N API requests with 429
    retry_after: str | None = None
    lose_posts: int = 0  # do the next N POSTs' work (or replay), then lose the response
    lose_only: str | None = None  # lose only POSTs to this entity ("invoice", "timeactivity")
    requests: int = 0
    log: list[tuple[str, str]] = field(default_factory=list)
    by_request_id: dict[str, dict] = field(default_factory=dict)
    clock: int = 100_000
    tid: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tokens/bearer"):
            return self.tokens.handle(request)
        self.requests += 1
        self.tid += 1
        response = self._api(request)
        response.headers["intuit_tid"] = f"1-tid-{self.tid}"
        return response

    def _fault(self, status: int, code: str, message: str) -> httpx.Response:
        return _json(
            status,
            {
                "Fault": {
                    "Error": [{"Message": message, "Detail": message, "code": code}],
                    "type": "ValidationFault",
                }
            },
        )

    def _api(self, request: httpx.Request) -> httpx.Response:
        self.log.append((request.method, str(request.url)))
        if request.headers.get("Authorization") != f"Bearer {self.tokens.access}":
            return self._fault(401, "3200", "AuthenticationFailed")
        if self.throttle:
            self.throttle -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            body = {
                "Fault": {
                    "Error": [
                        {
                            "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                            "code": "003001",
                        }
                    ]
                }
            }
            return _json(429, body, headers)
        params = request.url.params
        if params.get("minorversion") != "75":
            return self._fault(400, "4000", "minorversion missing")
        prefix = f"/v3/company/{self.realm}/"
        path = request.url.path.removeprefix(prefix)
        if path == "query":
            return self._query(params["query"])
        if path == "cdc":
            return self._cdc(params["entities"].split(","), params["changedSince"])
        if path == "timeactivity" and request.method == "POST":
            return self._create_time(
                json.loads(request.content, parse_float=Decimal), params.get("requestid")
            )
        if path == "invoice" and request.method == "POST":
            return self._create(
                json.loads(request.content, parse_float=Decimal), params.get("requestid")
            )
        found = re.fullmatch(r"invoice/(\w+)", path)
        if found and request.method == "GET":
            for obj in self.objects["Invoice"]:
                if obj["Id"] == found.group(1):
                    return _json(200, {"Invoice": obj, "time": qbo_time(self.clock)})
            return self._fault(400, "610", "Object Not Found")
        return self._fault(404, "0", f"no route {path}")

    def _query(self, statement: str) -> httpx.Response:
        customer = re.fullmatch(r"SELECT \* FROM Customer WHERE DisplayName = '(.*)'", statement)
        if customer:
            name = customer.group(1).replace("\\'", "'")
            found = [
                {"Id": cid, "DisplayName": n} for n, cid in self.customers.items() if n == name
            ]
            body = (
                {"Customer": found, "startPosition": 1, "maxResults": len(found)} if found else {}
            )
            return _json(200, {"QueryResponse": body, "time": qbo_time(self.clock)})
        people = re.fullmatch(
            r"SELECT \* FROM (Employee|Vendor) WHERE DisplayName IN \((.*)\) MAXRESULTS (\d+)",
            statement,
        )
        if people:
            entity, listed = people.group(1), people.group(2)
            names = [n.replace("\\'", "'") for n in re.findall(r"'((?:[^'\\]|\\.)*)'", listed)]
            known = self.employees if entity == "Employee" else self.vendors
            found = [{"Id": known[n], "DisplayName": n} for n in names if n in known]
            body = {entity: found, "startPosition": 1, "maxResults": len(found)} if found else {}
            return _json(200, {"QueryResponse": body, "time": qbo_time(self.clock)})
        m = re.fullmatch(
            r"SELECT \* FROM (\w+)(?: WHERE Metadata\.LastUpdatedTime > '([^']+)')? "
            r"ORDER BY Metadata\.LastUpdatedTime STARTPOSITION (\d+) MAXRESULTS (\d+)",
            statement,
        )
        if not m:
            return self._fault(400, "4000", f"QueryParserError: {statement}")
        entity, since, start, size = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
        if size > 1000:
            return self._fault(400, "4001", "MAXRESULTS above 1000")
        rows = sorted(
            self.objects[entity], key=lambda o: _qbo_instant(o["MetaData"]["LastUpdatedTime"])
        )
        if since:
            rows = [
                o
                for o in rows
                if _qbo_instant(o["MetaData"]["LastUpdatedTime"]) > _qbo_instant(since)
            ]
        page = rows[start - 1 : start - 1 + size]
        if not page:
            return _json(200, {"QueryResponse": {}, "time": qbo_time(self.clock)})
        return _json(
            200,
            {
                "QueryResponse": {entity: page, "startPosition": start, "maxResults": len(page)},
                "time": qbo_time(self.clock),
            },
        )

    def _cdc(self, entities: list[str], since: str) -> httpx.Response:
        responses = []
        for entity in entities:
            changed = [
                o
                for o in self.objects[entity] + self.deleted[entity]
                if _qbo_instant(o["MetaData"]["LastUpdatedTime"]) >= _qbo_instant(since)
            ]
            responses.append(
                {entity: changed[:1000], "startPosition": 1, "maxResults": len(changed[:1000])}
                if changed
                else {}
            )
        return _json(
            200, {"CDCResponse": [{"QueryResponse": responses}], "time": qbo_time(self.clock)}
        )

    def _answer(self, body: dict) -> httpx.Response:
        entity = next(iter(body)).lower()
        if self.lose_posts and self.lose_only in (None, entity):
            self.lose_posts -= 1
            raise httpx.ReadTimeout("the response was lost")
        return _json(200, body)

    def _create(self, body: dict, request_id: str | None) -> httpx.Response:
        if request_id and request_id in self.by_request_id:  # the documented idempotency
            return self._answer({"Invoice": self.by_request_id[request_id]})
        if not body.get("CustomerRef") or not body.get("Line"):
            return self._fault(400, "2020", "Required param missing: CustomerRef/Line")
        by_id = {t["Id"]: t for t in self.time_activities}
        for line in body["Line"]:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "TimeActivity":
                    if linked["TxnId"] not in by_id:
                        return self._fault(400, "610", f"Object Not Found: {linked['TxnId']}")
                    by_id[linked["TxnId"]]["BillableStatus"] = "HasBeenBilled"
        self.clock += 1
        number = str(1000 + len(self.objects["Invoice"]) + 1)
        total = sum((Decimal(str(x["Amount"])) for x in body["Line"]), Decimal(0))
        total += Decimal(str((body.get("TxnTaxDetail") or {}).get("TotalTax") or 0))
        obj = body | {
            "Id": str(500 + len(self.objects["Invoice"])),
            "SyncToken": "0",
            "DocNumber": body.get("DocNumber") or number,
            "TotalAmt": total,
            "Balance": total,
            "MetaData": {
                "CreateTime": qbo_time(self.clock),
                "LastUpdatedTime": qbo_time(self.clock),
            },
        }
        self.objects["Invoice"].append(obj)
        if request_id:
            self.by_request_id[request_id] = obj
        return self._answer({"Invoice": obj, "time": qbo_time(self.clock)})

    def _create_time(self, body: dict, request_id: str | None) -> httpx.Response:
        if request_id and request_id in self.by_request_id:
            return self._answer({"TimeActivity": self.by_request_id[request_id]})
        ref = body.get(f"{body.get('NameOf')}Ref")
        if body.get("NameOf") not in ("Employee", "Vendor") or not ref or not body.get("TxnDate"):
            return self._fault(400, "2020", "Required param missing: NameOf/EmployeeRef/TxnDate")
        self.clock += 1
        obj = body | {
            "Id": str(800 + len(self.time_activities)),
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": qbo_time(self.clock),
                "LastUpdatedTime": qbo_time(self.clock),
            },
        }
        self.time_activities.append(obj)
        if request_id:
            self.by_request_id[request_id] = obj
        return self._answer({"TimeActivity": obj, "time": qbo_time(self.clock)})

    # ---- test helpers
    def edit(self, entity: str, obj_id: str, **changes) -> dict:
        """An edit made in QuickBooks: fields change, SyncToken and LastUpdatedTime move."""
        self.clock += 1
        for obj in self.objects[entity]:
            if obj["Id"] == obj_id:
                obj.update(changes)
                obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
                obj["MetaData"]["LastUpdatedTime"] = qbo_time(self.clock)
                return obj
        raise KeyError(obj_id)

    def delete(self, entity: str, obj_id: str) -> None:
        self.clock += 1
        self.objects[entity] = [o for o in self.objects[entity] if o["Id"] != obj_id]
        self.deleted[entity].append(
            {
                "Id": obj_id,
                "status": "Deleted",
                "MetaData": {"LastUpdatedTime": qbo_time(self.clock)},
            }
        )


def qbo_invoice(
    n: int,
    customer: str,
    lines: list[dict],
    *,
    number: str | None = None,
    txn_date: str = "2026-04-03",
    balance: Decimal | None = None,
    discount: Decimal | None = None,
    updated: int | None = None,
) -> dict:
    """An Invoice as QBO returns it: sales lines (`{"item","class","qty","rate","desc"}`),
    an optional invoice-level DiscountLineDetail, a SubTotalLineDetail."""
    out, total = [], Decimal(0)
    for i, line in enumerate(lines, 1):
        amount = (Decimal(line["qty"]) * Decimal(line["rate"])).quantize(Decimal("0.01"))
        total += amount
        detail = {
            "ItemRef": {"value": str(i), "name": line["item"]},
            "Qty": Decimal(line["qty"]),
            "UnitPrice": Decimal(line["rate"]),
        }
        if line.get("class"):
            detail["ClassRef"] = {"value": "9", "name": line["class"]}
        out.append(
            {
                "Id": str(i),
                "LineNum": i,
                "Description": line.get("desc", line["item"]),
                "Amount": amount,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": detail,
            }
        )
    out.append({"Amount": total, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    if discount:
        out.append(
            {
                "Amount": discount,
                "DetailType": "DiscountLineDetail",
                "Description": "Discount",
                "DiscountLineDetail": {"PercentBased": False},
            }
        )
        total -= discount
    stamp = qbo_time(updated if updated is not None else n)
    return {
        "Id": str(n),
        "SyncToken": "0",
        "DocNumber": number or str(1000 + n),
        "TxnDate": txn_date,
        "DueDate": "2026-05-03",
        "CustomerRef": {"value": "58", "name": customer},
        "Line": out,
        "TotalAmt": total,
        "Balance": total if balance is None else balance,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
    }


def qbo_payment(
    n: int,
    customer: str,
    amount: Decimal,
    ref: str,
    invoice_id: str,
    txn_date: str = "2026-04-20",
    updated: int | None = None,
) -> dict:
    stamp = qbo_time(updated if updated is not None else n)
    return {
        "Id": str(n),
        "TxnDate": txn_date,
        "CustomerRef": {"value": "58", "name": customer},
        "TotalAmt": amount,
        "UnappliedAmt": 0,
        "PaymentRefNum": ref,
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
    }


def net_date(when: datetime) -> str:
    """Xero's .NET JSON date."""
    return f"/Date({int(when.timestamp() * 1000)}+0000)/"


def xero_time(n: int) -> datetime:
    """The n-th second of 2026-03-01, UTC."""
    return datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=n)


@dataclass
class FakeXero:
    tenant: str = "3c2f6a1e-0000-4b7a-9c1d-2e3f4a5b6c7d"
    tokens: TokenServer = field(default_factory=TokenServer)
    objects: dict[str, list[dict]] = field(
        default_factory=lambda: {"Invoices": [], "CreditNotes": [], "Payments": []}
    )
    throttle: int = 0
    retry_after: str = "1"
    problem: str = "minute"  # X-Rate-Limit-Problem of a 429
    lose_posts: int = 0
    requests: int = 0
    log: list[tuple[str, str, dict]] = field(default_factory=list)
    by_key: dict[str, dict] = field(default_factory=dict)
    clock: int = 100_000

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/connect/token"):
            return self.tokens.handle(request)
        if request.url.path == "/connections":
            return _json(
                200,
                [
                    {
                        "tenantId": self.tenant,
                        "tenantType": "ORGANISATION",
                        "tenantName": "Kestrel Partners",
                    }
                ],
            )
        self.requests += 1
        self.log.append((request.method, str(request.url), dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {self.tokens.access}":
            return _json(
                401,
                {
                    "Type": None,
                    "Title": "Unauthorized",
                    "Status": 401,
                    "Detail": "TokenExpired: token expired",
                },
            )
        if request.headers.get("xero-tenant-id") != self.tenant:
            return _json(403, {"Title": "Forbidden", "Detail": "AuthenticationUnsuccessful"})
        if self.throttle:
            self.throttle -= 1
            return _json(
                429,
                {"Title": "Too Many Requests"},
                {"Retry-After": self.retry_after, "X-Rate-Limit-Problem": self.problem},
            )
        entity = request.url.path.rsplit("/", 1)[-1]
        if request.method in ("PUT", "POST") and entity == "Invoices":
            return self._create(
                json.loads(request.content, parse_float=Decimal),
                request.headers.get("Idempotency-Key"),
            )
        found = re.search(r"/Invoices/([\w-]+)$", request.url.path)
        if found:
            for obj in self.objects["Invoices"]:
                if obj["InvoiceID"] == found.group(1):
                    return _json(200, {"Invoices": [obj]})
            return _json(404, {"Title": "Not found"})
        if entity not in self.objects:
            return _json(404, {"Title": "Not found"})
        rows = sorted(self.objects[entity], key=lambda o: o["_updated"])
        since = request.headers.get("If-Modified-Since")
        if since:
            floor = datetime.fromisoformat(since).replace(tzinfo=UTC)
            rows = [o for o in rows if xero_time(o["_updated"]) >= floor]  # inclusive
        page, size = (
            int(request.url.params.get("page", "1")),
            int(request.url.params.get("pageSize", "100")),
        )
        chunk = [
            {k: v for k, v in o.items() if k != "_updated"}
            for o in rows[(page - 1) * size : page * size]
        ]
        return _json(
            200,
            {
                entity: chunk,
                "pagination": {
                    "page": page,
                    "pageSize": size,
                    "pageCount": -(-len(rows) // size),
                    "itemCount": len(rows),
                },
            },
        )

    def _answer(self, body: dict) -> httpx.Response:
        if self.lose_posts:
            self.lose_posts -= 1
            raise httpx.ReadTimeout("the response was lost")
        return _json(200, body)

    def _create(self, body: dict, key: str | None) -> httpx.Response:
        if key and key in self.by_key:
            return self._answer({"Invoices": [self._public(self.by_key[key])]})
        invoice = body["Invoices"][0] if "Invoices" in body else body
        self.clock += 1
        subtotal = sum(
            (
                Decimal(str(x["Quantity"])) * Decimal(str(x["UnitAmount"]))
                for x in invoice["LineItems"]
            ),
            Decimal(0),
        )
        tax = Decimal(0)
        if invoice.get("LineAmountTypes") == "Exclusive":
            tax = sum((Decimal(str(x.get("TaxAmount") or 0)) for x in invoice["LineItems"]), tax)
        total = subtotal + tax
        n = len(self.objects["Invoices"]) + 1
        obj = invoice | {
            "InvoiceID": f"00000000-0000-4000-8000-{n:012d}",
            "InvoiceNumber": invoice.get("InvoiceNumber") or f"INV-{9000 + n}",
            "Type": "ACCREC",
            "Status": invoice.get("Status", "DRAFT"),
            "SubTotal": subtotal,
            "TotalTax": tax,
            "Total": total,
            "AmountDue": total,
            "AmountPaid": Decimal(0),
            "UpdatedDateUTC": net_date(xero_time(self.clock)),
            "_updated": self.clock,
        }
        self.objects["Invoices"].append(obj)
        if key:
            self.by_key[key] = obj
        return self._answer({"Invoices": [self._public(obj)]})

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if k != "_updated"}

    def edit(self, entity: str, key: str, value: str, **changes) -> dict:
        self.clock += 1
        for obj in self.objects[entity]:
            if obj.get(key) == value:
                obj.update(changes)
                obj["_updated"] = self.clock
                obj["UpdatedDateUTC"] = net_date(xero_time(self.clock))
                return obj
        raise KeyError(value)


def xero_invoice(
    n: int,
    contact: str,
    lines: list[dict],
    *,
    number: str | None = None,
    date: str = "2026-04-03",
    status: str = "AUTHORISED",
    credit: bool = False,
) -> dict:
    """An ACCREC Invoice (or ACCRECCREDIT CreditNote) as Xero returns it; `lines` are
    `{"desc","qty","unit","project","staff"}`."""
    items, total = [], Decimal(0)
    for i, line in enumerate(lines, 1):
        amount = (Decimal(line["qty"]) * Decimal(line["unit"])).quantize(Decimal("0.01"))
        total += amount
        tracking = []
        if line.get("project"):
            tracking.append({"Name": "Project", "Option": line["project"]})
        if line.get("staff"):
            tracking.append({"Name": "Staff", "Option": line["staff"]})
        items.append(
            {
                "LineItemID": f"li-{n}-{i}",
                "Description": line["desc"],
                "Quantity": Decimal(line["qty"]),
                "UnitAmount": Decimal(line["unit"]),
                "AccountCode": "200",
                "TaxType": "NONE",
                "TaxAmount": Decimal(0),
                "LineAmount": amount,
                "Tracking": tracking,
            }
        )
    when = datetime.fromisoformat(date).replace(tzinfo=UTC)
    obj = {
        "Type": "ACCRECCREDIT" if credit else "ACCREC",
        "Status": status,
        "Contact": {"ContactID": "c-1", "Name": contact},
        "Date": net_date(when),
        "DateString": f"{date}T00:00:00",
        "DueDate": net_date(when + timedelta(days=30)),
        "LineAmountTypes": "Exclusive",
        "LineItems": items,
        "SubTotal": total,
        "TotalTax": Decimal(0),
        "Total": total,
        "CurrencyCode": "USD",
        "UpdatedDateUTC": net_date(xero_time(n)),
        "_updated": n,
    }
    if credit:
        obj |= {"CreditNoteID": f"cn-{n}", "CreditNoteNumber": number or f"CN-{n}"}
    else:
        obj |= {
            "InvoiceID": f"inv-{n}",
            "InvoiceNumber": number or f"INV-{n}",
            "AmountDue": total,
            "AmountPaid": Decimal(0),
        }
    return obj


def xero_payment(n: int, invoice: dict, amount: Decimal, date: str = "2026-04-20") -> dict:
    when = datetime.fromisoformat(date).replace(tzinfo=UTC)
    return {
        "PaymentID": f"pay-{n}",
        "Date": net_date(when),
        "Amount": amount,
        "Reference": f"TRF-{n}",
        "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT",
        "Invoice": {
            "InvoiceID": invoice["InvoiceID"],
            "InvoiceNumber": invoice["InvoiceNumber"],
            "Contact": invoice["Contact"],
            "CurrencyCode": "USD",
        },
        "UpdatedDateUTC": net_date(xero_time(n)),
        "_updated": n,
    }
