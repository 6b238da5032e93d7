"""Receivables as data: the documents (invoices, credit memos, payments), the FX table, and what
matching makes of them (applications, client credits, findings for the exception queue)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def bucket_of(days_past_due: int) -> str:
    """DATA_CONTRACT rule 11: due today is current; 90+ is 91 days and over."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    number: str | None
    client_id: str
    issue_date: date
    due_date: date
    currency: str
    total: Decimal
    contract_id: str | None = None
    late_fee_rate: Decimal | None = None  # monthly, from the contract's late_fee
    grace_days: int = 0
    is_fee_invoice: bool = False  # a late-fee invoice never accrues a fee itself
    client_name: str = ""
    billing_email: str | None = None

    @property
    def label(self) -> str:
        return self.number or self.invoice_id


@dataclass(frozen=True)
class CreditMemo:
    invoice_id: str
    number: str | None
    client_id: str
    issue_date: date
    currency: str
    total: Decimal  # negative
    credits_invoice_id: str | None


@dataclass(frozen=True)
class Payment:
    payment_id: str
    client_id: str
    date: date
    amount: Decimal
    currency: str
    reference: str | None = None
    invoice_id: str | None = None
    is_known_client: bool = True


@dataclass(frozen=True)
class Allocation:
    """An operator's decision: this much of the payment (payment currency) goes to the invoice."""

    payment_id: str
    invoice_id: str
    amount: Decimal
    decided_by: str


@dataclass(frozen=True)
class Application:
    source_id: str  # payment id or credit memo id
    source_kind: str  # payment | credit_memo
    invoice_id: str
    client_id: str
    applied_date: date
    amount: Decimal  # invoice currency
    source_amount: Decimal  # payment (or memo) currency
    source_currency: str
    fx_rate: Decimal | None  # source currency -> invoice currency, when they differ
    fx_difference_base: Decimal | None  # realised gain (+) / loss (-) in base currency
    method: str  # reference | exact_amount | manual | credit_memo
    decided_by: str  # 'rule' or the operator


@dataclass(frozen=True)
class ClientCredit:
    """Money received beyond what it was applied to: kept for the client, never auto-applied."""

    client_id: str
    source_id: str
    date: date
    amount: Decimal
    currency: str


@dataclass
class Finding:
    """Something matching could not do, for the exception queue (exception_queue.findings reads
    these attributes) and for the aging report as of a date on or after `date`."""

    kind: str
    ref: str
    detail: str
    date: date
    client_id: str | None = None
    value: Decimal | None = None
    currency: str | None = None
    evidence: dict | None = None
    severity: str | None = None
    suggested_action: str | None = None

    def to_json(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}


@dataclass
class MatchResult:
    applications: list[Application] = field(default_factory=list)
    credits: list[ClientCredit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class FxTable:
    """rate_to_base per currency and date; the rate in force on a day is the latest row on or
    before it (the contract's rule for expenses, used for receivables too)."""

    def __init__(self, base_currency: str, rows: list[tuple[str, date, Decimal]]):
        self.base = base_currency
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, day, rate in sorted(rows, key=lambda r: (r[0], r[1])):
            self._dates.setdefault(currency, []).append(day)
            self._rates.setdefault(currency, []).append(Decimal(rate))

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == self.base:
            return Decimal(1)
        dates = self._dates.get(currency)
        if not dates:
            return None
        i = bisect.bisect_right(dates, day)
        return self._rates[currency][i - 1] if i else None
