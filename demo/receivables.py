"""Receivables: payments by client behaviour, one credit memo, one unmatched payment, statuses."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from .config import DemoConfig
from .invoicing import Invoice, Line


@dataclass(frozen=True)
class Payment:
    client_id: str
    day: dt.date
    cents: int
    currency: str
    reference: str | None
    invoice_id: str | None
    sort: str = ""
    payment_id: str = ""


def _days(rng: np.random.Generator, lo: int, hi: int) -> dt.timedelta:
    return dt.timedelta(days=int(rng.integers(lo, hi + 1)))


def _reference(
    inv: Invoice, unique: bool, rng: np.random.Generator
) -> tuple[str | None, str | None]:
    """How the remittance names the invoice: its number, its id, or only a bank reference."""
    u = rng.random()
    if u < 0.15 and unique:
        return f"ACH CREDIT {int(rng.integers(10000, 99999))}", None
    if u < 0.4:
        return f"WIRE {int(rng.integers(100000, 999999))}", inv.invoice_id
    return (inv.number.lower() if rng.random() < 0.1 else inv.number), None


def _schedule(cfg: DemoConfig, inv: Invoice, rng: np.random.Generator) -> list[tuple[dt.date, int]]:
    """(date, cents) instalments for one invoice, by the client's behaviour."""
    b, last = inv.client.behaviour, cfg.months - 2
    ontime = inv.issue + _days(rng, 5, max(5, inv.contract.terms - 1))
    late = inv.due + _days(rng, 8, 40)
    if b == "late" or (b == "late_once" and inv.period == last - 3):
        return [(late, inv.total)]
    if b == "slow":
        return [] if inv.period >= last - 3 else [(inv.due + _days(rng, 10, 30), inv.total)]
    if b == "partial" and inv.period == last - 1:
        return [(inv.due - dt.timedelta(days=2), inv.total // 2)]
    if b == "partial" and inv.period == last - 4:
        first = inv.total * 6 // 10
        return [(ontime, first), (inv.due + _days(rng, 5, 15), inv.total - first)]
    return [(ontime, inv.total)]


def credit_memo(cfg: DemoConfig, inv: Invoice, number: int) -> Invoice:
    """A goodwill credit of 10% (whole dollars) against one invoice of a client without tax."""
    cents = -(inv.subtotal // 1000 * 100)
    issue = inv.issue + dt.timedelta(days=12)
    memo = Invoice(f"{inv.inv_key}|CM", inv.contract, inv.client, inv.period, issue, issue)
    memo.invoice_id, memo.number = f"I-{number:05d}", f"CM-{issue.year}-0001"
    memo.kind, memo.credits = "credit_memo", inv.invoice_id
    memo.sent_min = inv.sent_min + 47
    memo.lines = [
        Line(
            memo.inv_key,
            "credit",
            f"Service credit on {inv.number}: post go-live hotfix hours",
            cents,
            project_id=inv.lines[0].project_id,
            line_no=1,
        )
    ]
    memo.subtotal = memo.total = cents
    return memo


def _credited(invoices: list[Invoice], post_end_invoice: str | None) -> Invoice | None:
    return next(
        (
            i
            for i in invoices
            if i.invoice_id == post_end_invoice and i.client.behaviour == "credit"
        ),
        None,
    )


def _pay(
    cfg: DemoConfig,
    inv: Invoice,
    plan: list[tuple[dt.date, int]],
    unique: bool,
    rng: np.random.Generator,
) -> list[Payment]:
    """The instalments that arrived by the snapshot date."""
    out = []
    for day, cents in plan:
        if day <= cfg.as_of:
            # Only a full payment of a unique amount may go without naming the invoice.
            ref, inv_id = _reference(inv, unique and cents == inv.total, rng)
            out.append(
                Payment(
                    inv.client.client_id,
                    day,
                    cents,
                    inv.contract.currency,
                    ref,
                    inv_id,
                    inv.invoice_id,
                )
            )
    return out


def build_payments(
    cfg: DemoConfig, invoices: list[Invoice], post_end_invoice: str | None, rng: np.random.Generator
) -> tuple[list[Invoice], list[Payment]]:
    """Payments by client behaviour, the credit memo, the unmatched payment; sets statuses."""
    totals = Counter((inv.client.idx, inv.total) for inv in invoices)
    memo_for = _credited(invoices, post_end_invoice)
    memos = [credit_memo(cfg, memo_for, len(invoices) + 1)] if memo_for else []
    payments = []
    for inv in invoices:
        plan = _schedule(cfg, inv, rng)
        credit = 0
        if memo_for is inv:
            credit = -memos[0].total
            plan = [(memos[0].issue + _days(rng, 3, 10), inv.total - credit)]
        unique = totals[(inv.client.idx, inv.total)] == 1 and memo_for is not inv
        mine = _pay(cfg, inv, plan, unique, rng)
        payments += mine
        inv.status = "paid" if sum(p.cents for p in mine) + credit >= inv.total else "sent"
    payments += _unmatched(cfg, invoices, rng)
    payments.sort(key=lambda p: (p.day, p.client_id, p.sort, p.cents))
    numbered = [replace(p, payment_id=f"PAY-{i:05d}") for i, p in enumerate(payments, 1)]
    return invoices + memos, numbered


def _unmatched(cfg: DemoConfig, invoices: list[Invoice], rng: np.random.Generator) -> list[Payment]:
    """A round on-account payment that names no invoice and matches no invoice amount."""
    mine = [i for i in invoices if i.client.behaviour == "unmatched"]
    if not mine:
        return []
    client = mine[0].client
    amount = 275000
    while any(i.total == amount for i in mine):
        amount += 1100
    day = cfg.as_of - dt.timedelta(days=int(rng.integers(20, 40)))
    return [
        Payment(
            client.client_id,
            day,
            amount,
            mine[0].contract.currency,
            "ON ACCOUNT",
            None,
            "~unmatched",
        )
    ]
