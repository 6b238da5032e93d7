"""Payment matching (DATA_CONTRACT rules 10 and 12): credit memos and payments applied to
invoices in date order, credit memos before payments on the same day.

This is a loop over events, not SQL, on purpose: whether a payment matches "the one open
invoice whose balance equals the amount" depends on every earlier application, so the events
must be replayed in order. Two years of the 600-person firm is ~12 k events (a few ms)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from billing.ar.model import (
    Allocation,
    Application,
    ClientCredit,
    CreditMemo,
    Finding,
    Invoice,
    MatchResult,
    Payment,
)
from billing.fx import FxRates
from core.money import ZERO, cents

KEEP_AS_CREDIT = "(client credit)"  # an allocation row meaning "keep the payment as a credit"
TOKEN_SPLIT = re.compile(r"[\s,;/#:()]+")
ACTIONS = {
    "unmatched_payment": "accept the suggested allocation, change it, or keep it as a credit",
    "payment_unknown_client": "load the client, or correct the payment's client_id",
    "payment_negative": "record refunds and reversals in the accounting system, not as payments",
    "payment_before_invoice": "check the payment's date and the invoice it names",
    "credit_memo_unknown_invoice": "correct the credit memo's credits_invoice_id",
    "payment_missing_fx_rate": "load the fx_rates row for the payment date",
    "paid_not_recorded": "import the payments from the accounting system (QBO Customer Balance "
    "Detail or Transaction Detail, Xero Payments) or sync it",
}
SEVERITY = {
    "payment_unknown_client": "high",
    "payment_negative": "high",
    "credit_memo_unknown_invoice": "high",
    "payment_missing_fx_rate": "high",
    "paid_not_recorded": "medium",
}


def oldest_first(invoice: Invoice) -> tuple:
    return (invoice.due_date, invoice.issue_date, invoice.invoice_id)


@dataclass
class _Book:
    """The running state: open balances of the invoices issued so far, per client."""

    invoices: list[Invoice]
    fx: FxRates
    result: MatchResult = field(default_factory=MatchResult)
    open: dict[str, Decimal] = field(default_factory=dict)
    by_id: dict[str, Invoice] = field(default_factory=dict)
    keys: dict[tuple[str, str], Invoice] = field(default_factory=dict)
    by_client: dict[str, list[Invoice]] = field(default_factory=lambda: defaultdict(list))
    _next: int = 0

    def __post_init__(self) -> None:
        self.invoices = sorted(self.invoices, key=lambda i: (i.issue_date, i.invoice_id))
        for inv in self.invoices:
            self.by_id[inv.invoice_id] = inv
            for key in {inv.invoice_id, inv.number}:
                if key:
                    self.keys[(inv.client_id, key.lower())] = inv

    def issue_until(self, day) -> None:
        while self._next < len(self.invoices) and self.invoices[self._next].issue_date <= day:
            inv = self.invoices[self._next]
            self.open[inv.invoice_id] = inv.total
            self.by_client[inv.client_id].append(inv)
            self._next += 1

    def open_invoices(self, client_id: str) -> list[Invoice]:
        found = [i for i in self.by_client[client_id] if self.open[i.invoice_id] > 0]
        return sorted(found, key=oldest_first)

    def flag(self, kind: str, ref: str, detail: str, event, **extra) -> None:
        self.result.findings.append(
            Finding(
                kind,
                ref,
                detail,
                event.date if isinstance(event, Payment) else event.issue_date,
                client_id=event.client_id,
                severity=SEVERITY.get(kind),
                suggested_action=ACTIONS.get(kind),
                **extra,
            )
        )

    def convert(self, amount: Decimal, source: str, target: str, day) -> Decimal | None:
        """`amount` of `source` in `target` at the day's rates (None when a rate is missing)."""
        if source == target:
            return amount
        src, dst = self.fx.rate_in_force(source, day), self.fx.rate_in_force(target, day)
        return None if src is None or dst is None else cents(amount * src / dst)

    def apply(self, event, inv: Invoice, available: Decimal, method: str, by: str) -> Decimal:
        """Applies up to `available` (event currency) to the invoice's open balance; returns
        what is left of `available`. A missing FX rate applies nothing and is flagged."""
        is_payment = isinstance(event, Payment)
        day = event.date if is_payment else event.issue_date
        currency, source_id = event.currency, (event.payment_id if is_payment else event.invoice_id)
        converted = self.convert(available, currency, inv.currency, day)
        if converted is None:
            self.flag(
                "payment_missing_fx_rate",
                source_id,
                f"no fx rate for {currency} or "
                f"{inv.currency} on or before {day}; {inv.label} not applied",
                event,
            )
            return available
        amount = min(self.open[inv.invoice_id], converted)
        if amount <= 0:
            return available
        used = (
            available
            if amount == converted
            else (amount if currency == inv.currency else cents(amount * available / converted))
        )
        self.open[inv.invoice_id] -= amount
        self.result.applications.append(
            Application(
                source_id,
                "payment" if is_payment else "credit_memo",
                inv.invoice_id,
                inv.client_id,
                day,
                amount,
                used,
                currency,
                None
                if currency == inv.currency
                else (converted / available).quantize(Decimal("1e-8")),
                self.fx_difference(used, currency, day, amount, inv),
                method,
                by,
            )
        )
        return available - used

    def fx_difference(self, used, currency, day, amount, inv: Invoice) -> Decimal | None:
        """Base value received at the payment date's rate less the base value booked at the
        invoice date's rate: the realised FX gain (+) or loss (-), zero in one base currency."""
        if currency == self.fx.base and inv.currency == self.fx.base:
            return ZERO
        paid, booked = (
            self.fx.rate_in_force(currency, day),
            self.fx.rate_in_force(inv.currency, inv.issue_date),
        )
        if paid is None or booked is None:
            return None
        return cents(used * paid) - cents(amount * booked)

    def keep_credit(self, event, left: Decimal) -> None:
        if left > 0:
            is_payment = isinstance(event, Payment)
            self.result.credits.append(
                ClientCredit(
                    event.client_id,
                    event.payment_id if is_payment else event.invoice_id,
                    event.date if is_payment else event.issue_date,
                    left,
                    event.currency,
                )
            )


def _apply_memo(book: _Book, memo: CreditMemo) -> None:
    target = book.by_id.get(memo.credits_invoice_id or "")
    if target is None or target.client_id != memo.client_id:
        book.flag(
            "credit_memo_unknown_invoice",
            memo.invoice_id,
            f"credit memo {memo.number or memo.invoice_id} credits "
            f"{memo.credits_invoice_id or 'no invoice'}, which is not an invoice of "
            f"{memo.client_id}; not applied",
            memo,
            value=-memo.total,
            currency=memo.currency,
        )
        return
    if target.invoice_id not in book.open:
        book.flag(
            "payment_before_invoice",
            memo.invoice_id,
            f"credit memo dated "
            f"{memo.issue_date}, before {target.label} was issued ({target.issue_date}); "
            "not applied",
            memo,
        )
        return
    left = book.apply(memo, target, -memo.total, "credit_memo", "rule")
    book.keep_credit(memo, left)


def _named_invoices(book: _Book, payment: Payment) -> list[Invoice]:
    """Invoices the payment names by id or number (case-insensitive), in its invoice_id or
    its reference, whole or as one of the reference's words."""
    tokens = {t for t in (payment.invoice_id, payment.reference) if t}
    for text in list(tokens):
        tokens |= set(TOKEN_SPLIT.split(text))
    found = {book.keys[k] for t in tokens if (k := (payment.client_id, t.lower())) in book.keys}
    return sorted(found, key=oldest_first)


def _suggestion(book: _Book, payment: Payment) -> list[dict]:
    """Oldest due first, each invoice taking what is left of the payment."""
    left, rows = payment.amount, []
    for inv in book.open_invoices(payment.client_id):
        converted = book.convert(left, payment.currency, inv.currency, payment.date)
        if converted is None or converted <= 0:
            break
        take = min(book.open[inv.invoice_id], converted)
        used = (
            take
            if payment.currency == inv.currency
            else (left if take == converted else cents(take * left / converted))
        )
        rows.append(
            {
                "invoice_id": inv.invoice_id,
                "number": inv.number,
                "due_date": inv.due_date.isoformat(),
                "open": str(book.open[inv.invoice_id]),
                "currency": inv.currency,
                "amount": str(used),
            }
        )
        left -= used
    return rows


def _unmatched(book: _Book, payment: Payment) -> None:
    rows = _suggestion(book, payment)
    text = ", ".join(f"{r['number'] or r['invoice_id']} {r['amount']}" for r in rows) or "none"
    book.flag(
        "unmatched_payment",
        payment.payment_id,
        f"{payment.amount} {payment.currency} on {payment.date} "
        f"(reference {payment.reference or '-'}) names no invoice and equals no open "
        f"balance; suggested oldest first: {text}",
        payment,
        value=payment.amount,
        currency=payment.currency,
        evidence={"suggested_allocation": rows},
    )


def _apply_manual(book: _Book, payment: Payment, allocations: list[Allocation]) -> None:
    """An operator's allocation; what it leaves (all of it for KEEP_AS_CREDIT) is a credit."""
    left = payment.amount
    for alloc in (a for a in allocations if a.invoice_id != KEEP_AS_CREDIT):
        inv = book.by_id.get(alloc.invoice_id)
        if inv is None or inv.client_id != payment.client_id or inv.invoice_id not in book.open:
            book.flag(
                "unmatched_payment",
                payment.payment_id,
                f"allocation to "
                f"{alloc.invoice_id} is not an open invoice of {payment.client_id} on "
                f"{payment.date}",
                payment,
                value=payment.amount,
                currency=payment.currency,
            )
            continue
        chunk = min(alloc.amount, left)
        left -= chunk - book.apply(payment, inv, chunk, "manual", alloc.decided_by)
    book.keep_credit(payment, left)


def _apply_payment(book: _Book, payment: Payment, allocations: list[Allocation]) -> None:
    if not payment.is_known_client:
        book.flag(
            "payment_unknown_client",
            payment.payment_id,
            f"client {payment.client_id} is unknown; not applied",
            payment,
            value=payment.amount,
            currency=payment.currency,
        )
        return
    if payment.amount <= 0:
        book.flag(
            "payment_negative",
            payment.payment_id,
            f"amount {payment.amount} is not positive; not applied",
            payment,
            currency=payment.currency,
        )
        return
    if allocations:
        _apply_manual(book, payment, allocations)
        return
    named = _named_invoices(book, payment)
    if named:
        issued = [i for i in named if i.invoice_id in book.open]
        for inv in (i for i in named if i.invoice_id not in book.open):
            book.flag(
                "payment_before_invoice",
                payment.payment_id,
                f"dated {payment.date}, before {inv.label} was issued ({inv.issue_date})",
                payment,
                value=payment.amount,
                currency=payment.currency,
            )
        if not issued:
            return
        left = payment.amount
        for inv in issued:
            left = book.apply(payment, inv, left, "reference", "rule")
        book.keep_credit(payment, left)
        return
    exact = [
        i
        for i in book.open_invoices(payment.client_id)
        if book.convert(payment.amount, payment.currency, i.currency, payment.date)
        == book.open[i.invoice_id]
    ]
    if len(exact) == 1:
        book.apply(payment, exact[0], payment.amount, "exact_amount", "rule")
        return
    _unmatched(book, payment)


def match_payments(
    invoices: list[Invoice],
    memos: list[CreditMemo],
    payments: list[Payment],
    fx: FxRates,
    allocations: list[Allocation] | None = None,
) -> MatchResult:
    """Replays credit memos and payments in date order against the invoices (rules 10, 12)."""
    book = _Book(invoices, fx)
    manual: dict[str, list[Allocation]] = defaultdict(list)
    for alloc in allocations or []:
        manual[alloc.payment_id].append(alloc)
    events = [(m.issue_date, 0, m.invoice_id, m) for m in memos]
    events += [(p.date, 1, p.payment_id, p) for p in payments]
    for day, _, _, event in sorted(events, key=lambda e: e[:3]):
        book.issue_until(day)
        if isinstance(event, CreditMemo):
            _apply_memo(book, event)
        else:
            _apply_payment(book, event, manual.get(event.payment_id, []))
    book.issue_until(date.max)
    _paid_not_recorded(book)
    return book.result


def _paid_not_recorded(book: _Book) -> None:
    """Invoices the accounting system marks paid while the payments here leave them open: AR
    keeps rule 11's open balance (it cannot date the missing payment) and says why."""
    for inv in book.invoices:
        left = book.open.get(inv.invoice_id, ZERO)
        if inv.paid_in_accounting and left > 0:
            book.flag(
                "paid_not_recorded",
                inv.invoice_id,
                f"{inv.label} is marked paid in the accounting system, but the payments here "
                f"leave {left} {inv.currency} of {inv.total} open; no reminder or late fee "
                "goes out for it",
                inv,
                value=left,
                currency=inv.currency,
            )
