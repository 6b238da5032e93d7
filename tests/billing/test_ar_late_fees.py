"""Late fees (rule 13): idempotent accrual on any schedule, posting on a fee invoice, waiving."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from billing.ar.aging import aging
from billing.ar.late_fees import accrue_late_fees, charges, post_late_fees, waive_late_fees
from tests.billing.ar_firm import build_ar_firm

INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,kind,credits_invoice_id
I-L,INV-L,CL-1,C-1,2026-01-01,2026-01-31,USD,10000.00,invoice,
I-M,INV-M,CL-1,C-1,2026-01-16,2026-02-15,USD,2000.00,invoice,
I-N,INV-N,CL-2,C-2,2026-01-01,2026-01-31,USD,900.00,invoice,
"""
PAYMENTS = """
payment_id,client_id,date,amount,currency,reference,invoice_id
P-1,CL-1,2026-03-20,1000.00,USD,INV-M,
"""


def _total(con) -> D:
    return con.execute("SELECT coalesce(sum(amount), 0) FROM late_fee_charges").fetchall()[0][0]


def test_hourly_for_90_days_charges_each_fee_once(con, tmp_path):
    """C-1 charges 1.5% a month, no grace; CL-2's contract has no late fee (I-N: nothing).
    I-L (10000 open, due 01-31): 150.00 at 30, 60 and 90 days -> 450.00 by 05-01.
    I-M (2000, due 02-15): 30.00 at 30 days (03-17); 1000 paid on 03-20, so at 60 days
    (04-16) 1000 x 0.015 x 2 = 30.00 accrued, 30.00 charged already -> nothing more.
    Total 480.00 however often the job runs."""
    build_ar_firm(con, tmp_path, INVOICES, PAYMENTS)
    start = datetime(2026, 1, 31, 0, 0)
    for hour in range(90 * 24 + 1):
        moment = start + timedelta(hours=hour)
        accrue_late_fees(con, moment.date(), now=moment)
    assert _total(con) == D("480.00")
    per_invoice = dict(
        con.execute("SELECT invoice_id, sum(amount) FROM late_fee_charges GROUP BY 1").fetchall()
    )
    assert per_invoice == {"I-L": D("450.00"), "I-M": D("30.00")}
    # on an irregular schedule (once, at the end) the total is the same
    con.execute("DELETE FROM late_fee_charges").fetchall()
    accrue_late_fees(con, date(2026, 5, 1))
    assert _total(con) == D("480.00")


def test_post_on_a_fee_invoice_and_waive(con, tmp_path):
    build_ar_firm(con, tmp_path, INVOICES, PAYMENTS)
    written = accrue_late_fees(con, date(2026, 3, 2))  # I-L 30 days: 150.00
    assert [(c["invoice_id"], c["amount"]) for c in written] == [("I-L", D("150.00"))]
    (number,) = post_late_fees(con, [written[0]["charge_id"]], "Dana", issue_date=date(2026, 3, 2))
    fee = con.execute(
        "SELECT client_id, total, status, due_date FROM invoices WHERE invoice_id = ?", [number]
    ).fetchall()
    assert fee == [("CL-1", D("150.0000"), "sent", date(2026, 4, 1))]  # CL-1 terms 30 days
    # the fee invoice is receivable but accrues no fee of its own (never compounded)
    later = {r.invoice.invoice_id: r for r in aging(con, date(2026, 6, 1)).rows}
    assert later[number].late_fee == D(0)
    assert accrue_late_fees(con, date(2026, 3, 2)) == []  # posted counts as charged
    # a waived charge is never charged again either
    (again,) = accrue_late_fees(con, date(2026, 3, 17))  # I-M reaches 30 days: 30.00
    waive_late_fees(con, [again["charge_id"]], "Dana", "first time; goodwill")
    assert accrue_late_fees(con, date(2026, 3, 17)) == []
    assert charges(con, None)["status"].to_list() == ["posted", "waived"]
    with pytest.raises(ValueError, match="only pending"):
        post_late_fees(con, [again["charge_id"]], "Dana")
