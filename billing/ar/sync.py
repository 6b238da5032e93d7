"""Writes what matching found: every application (which payment, which invoice, how much, by
rule or by whom) into payment_applications, and the AR findings (unmatched payments, bad
payments) into the exception queue, where operations accept or change an allocation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import duckdb

from app_auth import audit, guard
from billing.ar.ledger import build_ledger
from billing.ar.matching import KEEP_AS_CREDIT
from billing.store import _audit
from core import clock
from core.money import cents
from exception_queue.findings import decide_unchecked, sync_exceptions
from warehouse.db import transaction

SOURCE = "ar"
INSERT_APPLICATION_SQL = (
    "INSERT INTO payment_applications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PAYMENT_SQL = "SELECT client_id, amount, currency FROM payments WHERE payment_id = ?"


def sync_receivables(
    con: duckdb.DuckDBPyConnection, actor: str = "system", *, now: datetime | None = None
) -> dict[str, int]:
    """Re-matches the receivables, rewrites payment_applications and syncs the AR exceptions
    (decisions kept; what no longer holds is resolved). Returns counts."""
    guard.require("ar_payments", actor)
    now = now or clock.now()
    ledger = build_ledger(con)
    apps = ledger.matched.applications
    with transaction(con):
        con.execute("DELETE FROM payment_applications").fetchall()
        con.executemany(
            INSERT_APPLICATION_SQL,
            [
                [
                    a.source_id,
                    a.source_kind,
                    a.invoice_id,
                    a.client_id,
                    a.applied_date,
                    a.amount,
                    a.source_amount,
                    a.source_currency,
                    a.fx_rate,
                    a.fx_difference_base,
                    a.method,
                    a.decided_by,
                    now,
                ]
                for a in apps
            ],
        )
        audit.record(con, actor, "sync", "receivables", "ar", after={"applications": len(apps)})
    counts = sync_exceptions(con, ledger.matched.findings, SOURCE, {}, actor, now=now)
    return {"applications": len(apps), **counts}


def allocate_payment(
    con: duckdb.DuckDBPyConnection,
    payment_id: str,
    allocation: dict[str, Decimal | str],
    actor: str,
    reason: str | None = None,
) -> dict[str, int]:
    """Operations' allocation of a payment (invoice id -> amount in the payment's currency,
    summing to at most the payment; what is left becomes the client's credit). Replaces any
    earlier allocation of the payment, is audited, and re-syncs AR so the exception resolves."""
    if not actor or not str(actor).strip():
        raise ValueError("an allocation needs an actor")
    guard.require("ar_payments", actor)
    rows = con.execute(PAYMENT_SQL, [payment_id]).fetchall()
    if not rows:
        raise ValueError(f"no payment {payment_id!r}")
    client_id, amount, currency = rows[0]
    parts = {k: cents(Decimal(str(v))) for k, v in allocation.items() if Decimal(str(v)) != 0}
    if any(v < 0 for v in parts.values()):
        raise ValueError("allocated amounts must be positive")
    if sum(parts.values()) > amount:
        raise ValueError(
            f"the allocation ({sum(parts.values())}) is more than the payment "
            f"({cents(amount)} {currency})"
        )
    if not parts:  # nothing to any invoice: the payment is kept as the client's credit
        parts = {KEEP_AS_CREDIT: Decimal(0)}
    known = {KEEP_AS_CREDIT} | {
        r[0]
        for r in con.execute(
            "SELECT invoice_id FROM invoices WHERE client_id = ? AND list_contains(?, invoice_id)",
            [client_id, list(parts)],
        ).fetchall()
    }
    if unknown := sorted(set(parts) - known):
        raise ValueError(f"not invoices of {client_id}: {unknown}")
    with transaction(con):
        before = con.execute(
            "SELECT invoice_id, amount FROM payment_allocations WHERE payment_id = ?", [payment_id]
        ).fetchall()
        con.execute("DELETE FROM payment_allocations WHERE payment_id = ?", [payment_id]).fetchall()
        con.executemany(
            "INSERT INTO payment_allocations VALUES (?, ?, ?, now(), ?, ?)",
            [[payment_id, k, v, actor, reason] for k, v in parts.items()],
        )
        _audit(
            con,
            actor,
            "payment_allocated",
            "payment",
            payment_id,
            before={k: str(v) for k, v in before},
            after={k: str(v) for k, v in parts.items()},
            reason=reason,
        )
    open_ids = [
        r[0]
        for r in con.execute(
            "SELECT exception_id FROM exceptions WHERE exception_id = ? AND status <> 'resolved'",
            [f"unmatched_payment:{payment_id}"],
        ).fetchall()
    ]
    if open_ids:
        decide_unchecked(con, open_ids, "approve", actor, reason or "allocation recorded")
    return sync_receivables(con, actor)


def accept_suggestion(
    con: duckdb.DuckDBPyConnection, payment_id: str, actor: str, reason: str | None = None
) -> dict[str, int]:
    """Applies the unmatched payment's suggested oldest-first allocation as it stands now."""
    guard.require("ar_payments", actor)
    ledger = build_ledger(con)
    found = [
        f
        for f in ledger.matched.findings
        if f.kind == "unmatched_payment" and f.ref == payment_id and f.evidence
    ]
    if not found:
        raise ValueError(f"payment {payment_id} has no suggested allocation")
    rows = found[0].evidence["suggested_allocation"]
    return allocate_payment(
        con,
        payment_id,
        {r["invoice_id"]: r["amount"] for r in rows},
        actor,
        reason or "suggested allocation accepted",
    )


def allocation_options(con: duckdb.DuckDBPyConnection, payment_id: str) -> list[dict]:
    """The client's invoices open on the payment's date (before this payment), oldest due
    first, each with the amount the suggestion gives it: the rows operations edit."""
    ledger = build_ledger(con)
    payment = next((p for p in ledger.payments if p.payment_id == payment_id), None)
    if payment is None:
        raise ValueError(f"no payment {payment_id!r}")
    mine = [a for a in ledger.matched.applications if a.source_id == payment_id]
    given = {a.invoice_id: a.source_amount for a in mine}
    found = [f for f in ledger.matched.findings if f.ref == payment_id and f.evidence]
    suggested = {
        r["invoice_id"]: Decimal(r["amount"])
        for f in found
        for r in f.evidence.get("suggested_allocation", [])
    }
    rows = []
    for inv, left in ledger.open_balances(payment.date):
        if inv.client_id == payment.client_id:
            rows.append(
                {
                    "invoice_id": inv.invoice_id,
                    "number": inv.label,
                    "due_date": inv.due_date,
                    "open_now": left,
                    "currency": inv.currency,
                    "allocate": given.get(
                        inv.invoice_id, suggested.get(inv.invoice_id, Decimal(0))
                    ),
                }
            )
    return sorted(rows, key=lambda r: (r["due_date"], r["invoice_id"]))
