"""`billing aging`: every invoice's open balance as of a date, its bucket and accrued late fee,
the client credits and the payments matching could not apply (DESIGN.md's JSON shape)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb

from billing.ar.ledger import Ledger, build_ledger
from billing.ar.model import BUCKETS, Finding, Invoice, bucket_of
from core.money import ZERO, cents, money_text

FEE_PERIOD_DAYS = 30


def late_fee_periods(inv: Invoice, as_of: date) -> int:
    """Rule 13: full 30-day periods since the due date (exactly 30 days is one), counted only
    once the due date plus the grace days has passed; 0 without a late_fee term, and 0 for an
    invoice the accounting system marks paid (its payment was not imported)."""
    days = (as_of - inv.due_date).days
    if (
        inv.late_fee_rate is None
        or inv.is_fee_invoice
        or inv.paid_in_accounting
        or days <= inv.grace_days
    ):
        return 0
    return max(days, 0) // FEE_PERIOD_DAYS


def accrued_late_fee(inv: Invoice, open_amount: Decimal, as_of: date) -> Decimal:
    """open x monthly_rate x periods, simple (never on fees), rounded half-up to cents."""
    periods = late_fee_periods(inv, as_of)
    return cents(open_amount * inv.late_fee_rate * periods) if periods else ZERO


@dataclass
class AgingRow:
    invoice: Invoice
    open: Decimal
    days_past_due: int
    bucket: str
    late_fee: Decimal
    open_base: Decimal | None

    def to_json(self) -> dict:
        inv = self.invoice
        return {
            "invoice_id": inv.invoice_id,
            "client_id": inv.client_id,
            "due_date": inv.due_date.isoformat(),
            "days_past_due": self.days_past_due,
            "open": money_text(self.open),
            "bucket": self.bucket,
            "late_fee": money_text(self.late_fee),
            "number": inv.number,
            "currency": inv.currency,
        }


@dataclass
class Aging:
    as_of: date
    base_currency: str
    rows: list[AgingRow] = field(default_factory=list)
    credits: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (client, cur)
    exceptions: list[Finding] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Decimal]:
        """Open per bucket in the base currency (each invoice at its invoice date's rate)."""
        totals = dict.fromkeys(BUCKETS, ZERO)
        for row in self.rows:
            totals[row.bucket] += row.open_base or ZERO
        return {k: cents(v) for k, v in totals.items()}

    @property
    def unconverted(self) -> dict[str, Decimal]:
        """Open per currency that has no rate to the base currency at its invoice date: left
        out of `totals`, and said so, so a missing rate never reads as nothing owed."""
        left: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in self.rows:
            if row.open_base is None:
                left[row.invoice.currency] += row.open
        return {cur: cents(v) for cur, v in sorted(left.items())}

    def to_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "invoices": [row.to_json() for row in self.rows],
            "totals": {k: money_text(v) for k, v in self.totals.items()},
            "credits": [
                {"client_id": client, "amount": money_text(amount), "currency": cur}
                for (client, cur), amount in sorted(self.credits.items())
            ],
            "exceptions": [f.to_json() for f in self.exceptions],
            "base_currency": self.base_currency,
            "unconverted": [
                {"currency": cur, "open": money_text(v)} for cur, v in self.unconverted.items()
            ],
        }


def aging_from_ledger(ledger: Ledger, as_of: date) -> Aging:
    report = Aging(as_of, ledger.base_currency)
    for inv, left in ledger.open_balances(as_of):
        days = (as_of - inv.due_date).days
        base = ledger.to_base(left, inv.currency, inv.issue_date)
        report.rows.append(
            AgingRow(inv, left, days, bucket_of(days), accrued_late_fee(inv, left, as_of), base)
        )
    report.rows.sort(key=lambda r: (-r.days_past_due, r.invoice.client_id, r.invoice.invoice_id))
    credits: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for credit in ledger.matched.credits:
        if credit.date <= as_of:
            credits[(credit.client_id, credit.currency)] += credit.amount
    report.credits = dict(credits)
    report.exceptions = [f for f in ledger.matched.findings if f.date <= as_of]
    return report


def aging(con: duckdb.DuckDBPyConnection, as_of: date) -> Aging:
    """The aging report of the warehouse as of `as_of` (payments and credits up to that day)."""
    return aging_from_ledger(build_ledger(con), as_of)


def fit(text: str, width: int) -> str:
    """`text` in a column of `width`: padded, or cut with an ellipsis so columns never run into
    each other."""
    return f"{text:<{width}}" if len(text) <= width else text[: width - 1] + "…"


def render_table(report: Aging) -> str:
    out = [f"AR aging as of {report.as_of} ({report.base_currency} totals)"]
    names = [r.invoice.client_name or r.invoice.client_id for r in report.rows]
    width = min(max([len("client"), *map(len, names)]), 32) + 2
    number = max([len("invoice"), *(len(r.invoice.label) for r in report.rows)]) + 2
    out.append(
        f"  {'invoice':<{number}}{fit('client', width)}{'due':<12}{'days':>6} {'bucket':<8}"
        f"{'open':>14} {'cur':<4}{'late fee':>11}"
    )
    for row, name in zip(report.rows, names):
        inv = row.invoice
        out.append(
            f"  {inv.label:<{number}}{fit(name, width - 2)}  {inv.due_date.isoformat():<12}"
            f"{row.days_past_due:>6} {row.bucket:<8}{money_text(row.open):>14} "
            f"{inv.currency:<4}{money_text(row.late_fee):>11}"
        )
    out.append("  totals: " + ", ".join(f"{k} {money_text(v)}" for k, v in report.totals.items()))
    for cur, amount in report.unconverted.items():
        out.append(
            f"  not in the totals: {money_text(amount)} {cur} open, no {cur} rate to "
            f"{report.base_currency} (load fx_rates, or set base_currency in firm.yaml)"
        )
    for (client, cur), amount in sorted(report.credits.items()):
        out.append(f"  credit  {client:<10} {money_text(amount)} {cur}")
    if report.exceptions:
        out.append(f"{len(report.exceptions)} exception(s)")
        out += [f"  {f.kind:<28} {f.ref:<14} {f.detail}" for f in report.exceptions]
    return "\n".join(out) + "\n"
