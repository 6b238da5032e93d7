"""The work a pushed QuickBooks Online invoice bills, as TimeActivity records its lines link to.

A time line of a draft bills entries (its `sources`). Before the Invoice is created, each
billed entry gets a QBO TimeActivity (the documented shape: `NameOf` Employee or Vendor with
`EmployeeRef`/`VendorRef`, `CustomerRef`, `ItemRef`, `Hours`/`Minutes`, `BillableStatus`,
`TxnDate`, `HourlyRate`, `Description`), and the invoice line carries
`LinkedTxn[{TxnId, TxnType:"TimeActivity"}]` for each, so QuickBooks shows the invoice billing
that time (and marks it billed) and a later reader can walk from the line to the work.

Never twice: an entry that already has a TimeActivity (a link row in accounting_links, entity
`time_activity`, local_id = entry_id) is referred to, not created again; a new one is created
with a `requestid` derived from the push's committed idempotency key and the entry id
(uuid5), so a retry after a timeout, or the whole push run again after a crash before the links
were written, gets the TimeActivity QBO made the first time. Person -> QBO Employee by
DisplayName, else Vendor (a contractor); neither is one line telling the user to create it.
"""

from __future__ import annotations

import json
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

import duckdb

from core import clock
from etl.sync.accounting import LINKS_SQL
from etl.sync.http import ApiError
from warehouse.db import transaction

TIME_KINDS = frozenset({"time", "rush"})
ENTRIES_SQL = """
SELECT e.entry_id, p.name, e.date, e.hours, e.notes
FROM time_entries e LEFT JOIN people p USING (person_id)
WHERE list_contains(?, e.entry_id)
ORDER BY e.date, e.entry_id
"""
KNOWN_SQL = """
SELECT local_id, external_id FROM accounting_links
WHERE source = 'quickbooks' AND entity = 'time_activity' AND list_contains(?, local_id)
"""


class TimeApi(Protocol):
    def people(self, names: list[str]) -> dict[str, tuple[str, str]]:
        """DisplayName -> ("Employee" | "Vendor", Id) for the names QBO knows."""

    def create_time_activity(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        """POSTs one TimeActivity idempotently; returns it as QBO answers."""


def billed_entries(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """entry_id -> the draft line (time or rush) that bills it."""
    return {e: line for line in lines if line["kind"] in TIME_KINDS for e in line["sources"]}


def hours_minutes(hours: Decimal) -> tuple[int, int]:
    """Decimal hours as QBO's whole Hours and Minutes (minutes half-up)."""
    minutes = int((Decimal(hours) * 60).quantize(Decimal(1), ROUND_HALF_UP))
    return divmod(minutes, 60)


def request_id(key: str, entry_id: str) -> str:
    """The TimeActivity's `requestid`: the same for every retry of one push (36 characters)."""
    return str(uuid.uuid5(uuid.UUID(key), entry_id))


def time_activity(
    row: tuple, ref: tuple[str, str], customer_id: str, item: str, rate: Decimal | None, wire
) -> dict[str, Any]:
    """One entry as a TimeActivity body (Billable: the invoice that links it bills it)."""
    _entry_id, _name, day, hours, notes = row
    name_of, person_id = ref
    whole, minutes = hours_minutes(hours)
    body: dict[str, Any] = {
        "TxnDate": str(day),
        "NameOf": name_of,
        f"{name_of}Ref": {"value": person_id},
        "CustomerRef": {"value": customer_id},
        "ItemRef": {"value": item},
        "BillableStatus": "Billable",
        "Hours": whole,
        "Minutes": minutes,
    }
    if rate is not None:
        body["HourlyRate"] = wire(rate)
    if notes:
        body["Description"] = notes
    return body


def link_time(
    con: duckdb.DuckDBPyConnection,
    api: TimeApi,
    lines: list[dict[str, Any]],
    customer_id: str,
    item: str,
    key: str,
    wire,
) -> dict[str, str]:
    """entry_id -> TimeActivity Id for every entry the draft's time lines bill, creating the
    missing ones (see the module docstring); the new links are committed before the invoice
    is sent."""
    billed = billed_entries(lines)
    if not billed:
        return {}
    ids = list(billed)
    found = dict(con.execute(KNOWN_SQL, [ids]).fetchall())
    rows = [r for r in con.execute(ENTRIES_SQL, [ids]).fetchall() if r[0] not in found]
    if not rows:
        return found
    unnamed = [r[0] for r in rows if not r[1]]
    if unnamed:
        raise ApiError(f"quickbooks: entry {unnamed[0]} names no known person")
    refs = api.people(sorted({r[1] for r in rows}))
    missing = sorted({r[1] for r in rows} - set(refs))
    if missing:
        raise ApiError(
            f"quickbooks: no employee or vendor named {missing[0]!r}: create it in QuickBooks "
            "first (or set QBO_TIME_ACTIVITY=off)"
        )
    links = []
    for row in rows:
        entry_id, name = row[0], row[1]
        rate = billed[entry_id]["rate"]
        body = time_activity(row, refs[name], customer_id, item, rate, wire)
        made = api.create_time_activity(body, request_id(key, entry_id))
        found[entry_id] = str(made["Id"])
        links.append(
            [
                "quickbooks",
                "time_activity",
                str(made["Id"]),
                entry_id,
                str(made.get("SyncToken") or ""),
                json.dumps(made, default=str),
                clock.now(),
            ]
        )
    with transaction(con):
        con.executemany(LINKS_SQL, links)
    return found
