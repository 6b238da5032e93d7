"""The small AR firm the two-session and crash tests race on: late fees, reminders and one
open exception, every expected number worked out by hand below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from billing.model import BillingException
from exception_queue.findings import sync_exceptions
from tests.billing.ar_firm import build_ar_firm
from warehouse.db import connect

# C-1 charges 1.5% a month, no grace (tests/billing/ar_firm.py); C-2 has no late fee.
# As of 03-17: I-L (10000 open, due 01-31) is 45 days late: one full period, 150.00;
# I-M (2000, due 02-15) is 30 days late: one period, 30.00; I-N: no fee. Total 180.00.
INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,kind,credits_invoice_id
I-L,INV-L,CL-1,C-1,2026-01-01,2026-01-31,USD,10000.00,invoice,
I-M,INV-M,CL-1,C-1,2026-01-16,2026-02-15,USD,2000.00,invoice,
I-N,INV-N,CL-2,C-2,2026-01-01,2026-01-31,USD,900.00,invoice,
I-S,INV-S,CL-2,C-2,2026-03-28,2026-03-31,USD,200.00,invoice,
"""
PAYMENTS = "payment_id,client_id,date,amount,currency,reference,invoice_id\n"
FEES_AS_OF = date(2026, 3, 17)
EXPECTED_FEES = {"I-L": D("150.00"), "I-M": D("30.00")}
# Reminders as of 03-31 (offsets -7, 0, 7, 14, 30 from the due date; one per invoice, the
# latest due, earlier ones logged as skipped): I-L 0/7/14/30 have come (due 01-31, 30 -> 03-02)
# -> the 30-day one; I-M (due 02-15) 30 -> 03-17; I-N (due 01-31) -> 30; I-S (issued 03-28,
# due 03-31): -7 would predate it -> the 0-day one. Four messages.
REMINDERS_AS_OF = date(2026, 3, 31)
EXPECTED_REMINDERS = {("I-L", 30), ("I-M", 30), ("I-N", 30), ("I-S", 0)}
EXCEPTION = "over_cap:C-1"


def build_race_db(tmp_path: Path) -> Path:
    """The firm in a warehouse file (closed again), with the exception EXCEPTION open."""
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    try:
        build_ar_firm(con, tmp_path, INVOICES, PAYMENTS)
        sync_exceptions(
            con,
            [BillingException("over_cap", "C-1", "cap of 100 h exceeded")],
            "billing",
            {"period": "2026-03"},
        )
    finally:
        con.close()
    return db
