"""Receivables as data: the documents (invoices, credit memos, payments), the FX table, and what
matching makes of them (applications, client credits, findings for the exception queue)."""

from __future__ import annotations

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
    status: str = "sent"  # 'paid': the accounting system says so, whatever payments we hold

    @property
    def paid_in_accounting(self) -> bool:
        """QuickBooks or Xero marks it paid: never dun the client or charge a fee for it, even
        when the payments that settled it were not imported (open stays rule 11's figure)."""
        return self.status == "paid"

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

    @property
    def event_date(self) -> date:
        """The typed fact the queue ages the finding from (exception_queue.findings.Finding)."""
        return self.date

    @property
    def amount(self) -> Decimal | None:
        """Money at stake: the payment's or invoice's amount, when it has a currency."""
        return self.value if self.currency is not None else None

    def to_json(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}


@dataclass
class MatchResult:
    applications: list[Application] = field(default_factory=list)
    credits: list[ClientCredit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
