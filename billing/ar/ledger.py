"""The receivables ledger of a warehouse: its documents read once, matched once, then asked for
the open balance of every invoice as of any date (applications dated up to it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from billing.ar.matching import match_payments
from billing.ar.model import (
    Allocation,
    CreditMemo,
    Invoice,
    MatchResult,
    Payment,
)
from billing.fx import FxRates
from core.money import ZERO

SQL_DIR = Path(__file__).parent / "sql"
INVOICES_SQL = (SQL_DIR / "ar_invoices.sql").read_text()
PAYMENTS_SQL = (SQL_DIR / "ar_payments.sql").read_text()
ALLOCATIONS_SQL = (
    "SELECT payment_id, invoice_id, amount, decided_by FROM payment_allocations "
    "ORDER BY payment_id, decided_at, invoice_id"
)


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    result = con.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


@dataclass
class Ledger:
    invoices: list[Invoice]
    memos: list[CreditMemo]
    payments: list[Payment]
    fx: FxRates
    matched: MatchResult

    @property
    def base_currency(self) -> str:
        return self.fx.base

    def paid_until(self, as_of: date) -> dict[str, Decimal]:
        """Per invoice: payments and credits applied on or before `as_of`."""
        paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for app in self.matched.applications:
            if app.applied_date <= as_of:
                paid[app.invoice_id] += app.amount
        return paid

    def open_balances(self, as_of: date) -> list[tuple[Invoice, Decimal]]:
        """(invoice, open) for every invoice issued by `as_of` with something still open."""
        paid = self.paid_until(as_of)
        out = []
        for inv in self.invoices:
            if inv.issue_date <= as_of and (left := inv.total - paid[inv.invoice_id]) > 0:
                out.append((inv, left))
        return out

    def to_base(self, amount: Decimal, currency: str, day: date) -> Decimal | None:
        """Base-currency value at the rate in force on `day` (the invoice date for AR)."""
        rate = self.fx.rate_in_force(currency, day)
        return None if rate is None else amount * rate


def read_documents(con: duckdb.DuckDBPyConnection) -> tuple[list, list, list, list, FxRates]:
    rows = _records(con, INVOICES_SQL)
    invoices = [
        Invoice(
            r["invoice_id"],
            r["number"],
            r["client_id"],
            r["issue_date"],
            r["due_date"],
            r["currency"],
            r["total"],
            r["contract_id"],
            r["late_fee_monthly_rate"],
            r["grace_days"] or 0,
            bool(r["is_fee_invoice"]),
            r["client_name"] or r["client_id"],
            r["billing_email"],
            r["status"],
        )
        for r in rows
        if r["kind"] != "credit_memo"
    ]
    memos = [
        CreditMemo(
            r["invoice_id"],
            r["number"],
            r["client_id"],
            r["issue_date"],
            r["currency"],
            r["total"],
            r["credits_invoice_id"],
        )
        for r in rows
        if r["kind"] == "credit_memo"
    ]
    payments = [
        Payment(
            r["payment_id"],
            r["client_id"],
            r["date"],
            r["amount"],
            r["currency"],
            r["reference"],
            r["invoice_id"],
            bool(r["is_known_client"]),
        )
        for r in _records(con, PAYMENTS_SQL)
    ]
    allocations = [
        Allocation(r["payment_id"], r["invoice_id"], r["amount"], r["decided_by"])
        for r in _records(con, ALLOCATIONS_SQL)
    ]
    fx = FxRates.from_duckdb(con, default_base="USD")
    return invoices, memos, payments, allocations, fx


def build_ledger(con: duckdb.DuckDBPyConnection) -> Ledger:
    """Reads the warehouse's receivables and matches them (rules 10-12)."""
    invoices, memos, payments, allocations, fx = read_documents(con)
    matched = match_payments(invoices, memos, payments, fx, allocations)
    return Ledger(invoices, memos, payments, fx, matched)
