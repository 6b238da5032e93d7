"""An invoice the accounting system marks paid while its payments were never imported (a QBO
Invoice List or Xero export loaded alone): AR keeps rule 11's open balance, but raises
`paid_not_recorded`, sends no reminder and accrues no late fee for it; once the payment is
imported the finding is gone. Every figure below is worked out by hand from the rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.ar.aging import aging, render_table
from billing.ar.late_fees import accrue_late_fees
from billing.ar.reminders import reminder_queue
from tests.billing.ar_firm import build_ar_firm

# Both on contract C-1 (late fee 1.5 % a month, no grace), both due 2026-03-31, nothing paid here.
# I-P: the accounting system says Paid. I-O: still open there too.
INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,status,kind
I-P,INV-P,CL-1,C-1,2026-03-01,2026-03-31,USD,1000.00,paid,invoice
I-O,INV-O,CL-1,C-1,2026-03-01,2026-03-31,USD,400.00,sent,invoice
"""
NO_PAYMENTS = "payment_id,client_id,date,amount,currency,reference,invoice_id\n"
# I-P's payment arrives in a later import: 1000.00 naming INV-P, on 2026-04-10.
WITH_PAYMENT = NO_PAYMENTS + "P-9,CL-1,2026-04-10,1000.00,USD,INV-P,\n"
AS_OF = date(2026, 5, 1)  # 31 days past due: one 30-day period of late fee


@pytest.fixture
def firm(con, tmp_path):
    build_ar_firm(con, tmp_path, INVOICES, NO_PAYMENTS)
    return con


def test_aging_keeps_rule_11_and_says_why(firm):
    report = aging(firm, AS_OF)
    # Open = total - payments - credits (rule 11): nothing was paid here, so both stay open.
    rows = {r.invoice.invoice_id: (r.open, r.bucket, r.late_fee) for r in report.rows}
    # I-O: 400.00 x 1.5 % x 1 period = 6.00; I-P accrues nothing: it is paid in the books.
    assert rows == {
        "I-P": (Decimal("1000.00"), "31-60", Decimal("0.00")),
        "I-O": (Decimal("400.00"), "31-60", Decimal("6.00")),
    }
    flagged = [(f.kind, f.ref, f.value, f.currency) for f in report.exceptions]
    assert [f[:2] for f in flagged] == [("paid_not_recorded", "I-P")]
    assert str(flagged[0][2]) == "1000.00" and flagged[0][3] == "USD"


def test_no_reminder_and_no_late_fee_for_an_invoice_paid_in_the_books(firm):
    # Offsets -7, 0, 7, 14, 30: on 05-01 the latest come is 30 (04-30) for both; only I-O gets one.
    assert [(r.invoice_id, r.offset_days) for r in reminder_queue(firm, AS_OF)] == [("I-O", 30)]
    written = accrue_late_fees(firm, AS_OF)
    assert [(c["invoice_id"], str(c["amount"])) for c in written] == [("I-O", "6.00")]


def test_the_finding_goes_once_the_payment_is_imported(con, tmp_path):
    build_ar_firm(con, tmp_path, INVOICES, WITH_PAYMENT)
    report = aging(con, AS_OF)
    assert [r.invoice.invoice_id for r in report.rows] == ["I-O"]  # I-P: 1000 - 1000 = 0 open
    assert report.exceptions == []


def test_open_in_a_currency_without_a_rate_is_named_not_counted_as_nothing(con, tmp_path):
    # ar_firm has EUR rates only. I-G: 300.00 GBP, no payment; I-O: 400.00 USD (the base).
    invoices = INVOICES.replace(
        "I-P,INV-P,CL-1,C-1,2026-03-01,2026-03-31,USD,1000.00,paid,invoice",
        "I-G,INV-G,CL-3,C-3,2026-03-01,2026-03-31,GBP,300.00,sent,invoice",
    )
    build_ar_firm(con, tmp_path, invoices, NO_PAYMENTS)
    report = aging(con, AS_OF)
    # Both 31 days past due: 31-60. The base total holds I-O's 400.00 only; I-G is named apart.
    assert report.totals["31-60"] == Decimal("400.00")
    assert report.unconverted == {"GBP": Decimal("300.00")}
    assert report.to_json()["unconverted"] == [{"currency": "GBP", "open": "300.00"}]
    assert "not in the totals: 300.00 GBP open, no GBP rate to USD" in render_table(report)
