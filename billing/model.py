"""What a draft is made of: lines that keep their sources, invoices, billing exceptions, and
the contract terms read from the warehouse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.money import ZERO, cents, money_text, price_text

LINE_KINDS = (
    "time",
    "rush",
    "discount",
    "cap_adjustment",
    "retainer_fee",
    "overage",
    "fixed_fee",
    "milestone",
    "expense",
    "credit",
)


@dataclass
class Line:
    """One invoice line; `amount` is rounded half-up to cents when the line is made."""

    kind: str
    project_id: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    sources: list[str] = field(default_factory=list)  # entry, expense or milestone ids
    person_id: str | None = None

    def __post_init__(self) -> None:
        assert self.kind in LINE_KINDS, self.kind
        self.amount = cents(self.amount)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "project_id": self.project_id,
            "description": self.description,
            "quantity": f"{self.quantity.normalize():f}" if self.quantity else "0",
            "unit_price": price_text(self.unit_price),
            "amount": money_text(self.amount),
            "sources": self.sources,
        }


@dataclass
class BillingException:
    kind: str  # unapproved_time, no_contract, missing_rate, ambiguous_rate, over_cap, ...
    ref: str
    detail: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}


@dataclass
class Workstream:
    contract_id: str
    project_id: str
    billing: str
    fee: Decimal | None = None
    bill_on: str | None = None
    monthly_fee: Decimal | None = None
    included_hours: Decimal | None = None
    overage_rate: Decimal | None = None
    rollover_max_hours: Decimal | None = None
    rollover_expires_after_months: int | None = None
    rush_multiplier: Decimal | None = None
    rush_counts_against_retainer: bool | None = None
    cap_amount: Decimal | None = None
    cap_scope: str | None = None
    tiers: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (from_hours, discount)

    @classmethod
    def from_row(cls, row: dict) -> Workstream:
        tiers = [
            (Decimal(t["from_hours"]), Decimal(t["discount"]))
            for t in json.loads(row["tiers"] or "[]")
        ]
        fields = {k: row[k] for k in cls.__dataclass_fields__ if k != "tiers" and k in row}
        return cls(**fields, tiers=sorted(tiers))


@dataclass
class Contract:
    contract_id: str
    client_id: str
    currency: str
    payment_terms_days: int | None
    po_number: str | None
    po_limit: Decimal | None
    po_alert_at: Decimal | None
    rounding_increment_minutes: int | None
    rounding_mode: str | None
    expenses_billable: bool | None
    expenses_markup: Decimal | None
    invoice_per: str
    tax_rate: Decimal = ZERO
    client_name: str = ""
    workstreams: list[Workstream] = field(default_factory=list)

    def workstream(self, project_id: str) -> Workstream | None:
        return next((w for w in self.workstreams if w.project_id == project_id), None)


@dataclass
class DraftInvoice:
    contract_id: str
    client_id: str
    currency: str
    po_number: str | None
    lines: list[Line] = field(default_factory=list)
    tax_rate: Decimal = ZERO
    project_id: str | None = None  # set when the contract invoices per project

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return cents(self.subtotal * self.tax_rate)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    def to_json(self) -> dict:
        return {
            "contract_id": self.contract_id,
            "client_id": self.client_id,
            "currency": self.currency,
            "po_number": self.po_number,
            "lines": [line.to_json() for line in self.lines],
            "subtotal": money_text(self.subtotal),
            "tax": money_text(self.tax),
            "total": money_text(self.total),
        }


@dataclass
class BillableEntry:
    """An eligible (approved, billable, uninvoiced, in-period) entry on a contract's project,
    with its rounded hours and the rate card's answer for it (rule 2)."""

    entry_id: str
    person_id: str
    role: str | None
    project_id: str
    date: date
    hours: Decimal  # as logged
    rounded_hours: Decimal  # after the contract's rounding (rule 3); = hours without rounding
    work_type: str  # standard | rush
    rate: Decimal | None  # the resolved card rate; None when missing or ambiguous
    rate_problem: str | None = None  # None | "missing_rate" | "ambiguous_rate"

    @property
    def is_rush(self) -> bool:
        return self.work_type == "rush"
