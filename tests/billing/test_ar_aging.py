"""Aging as of a date (rule 11) and the `billing aging` CLI, numbers worked out by hand."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest

from billing.__main__ import main
from billing.ar.aging import accrued_late_fee, aging, aging_from_ledger
from billing.ar.ledger import Ledger
from billing.ar.matching import match_payments
from billing.ar.model import FxTable, Invoice, MatchResult, Payment, bucket_of
from tests.billing.ar_firm import build_ar_firm

DUE = date(2026, 1, 31)


@pytest.mark.parametrize(
    ("as_of", "days", "bucket"),
    [
        (date(2026, 1, 31), 0, "current"),  # due today is current
        (date(2026, 2, 1), 1, "1-30"),
        (date(2026, 3, 2), 30, "1-30"),  # Jan 31 + 28 (Feb) + 2 = 30 days
        (date(2026, 3, 3), 31, "31-60"),
        (date(2026, 5, 1), 90, "61-90"),  # 28 + 31 + 30 + 1
        (date(2026, 5, 2), 91, "90+"),
    ],
)
def test_buckets_on_the_boundaries(as_of, days, bucket):
    inv = Invoice("I-1", "INV-1", "CL-1", date(2026, 1, 1), DUE, "USD", D("100.00"))
    ledger = Ledger([inv], [], [], FxTable("USD", []), MatchResult())
    (row,) = aging_from_ledger(ledger, as_of).rows
    assert (row.days_past_due, row.bucket) == (days, bucket)
    assert bucket_of(days) == bucket


def test_aging_of_the_small_firm(con, tmp_path):
    """As of 2026-03-03: I-1 1000 - 400 (P-1) = 600, 31 days past due (31-60); I-2 paid (P-2);
    I-3 750 due today (current); I-4 and I-6 settled; CL-2 keeps a 100.00 credit; P-3 is
    unmatched and P-6 predates its invoice. INV-1 accrues 600 x 0.015 x 1 = 9.00."""
    build_ar_firm(con, tmp_path)
    report = aging(con, date(2026, 3, 3)).to_json()
    rows = [
        (r["invoice_id"], r["open"], r["days_past_due"], r["bucket"], r["late_fee"])
        for r in report["invoices"]
    ]
    assert rows == [("I-1", "600.00", 31, "31-60", "9.00"), ("I-3", "750.00", 0, "current", "0.00")]
    assert report["totals"] == {
        "current": "750.00",
        "1-30": "0.00",
        "31-60": "600.00",
        "61-90": "0.00",
        "90+": "0.00",
    }
    assert report["credits"] == [{"client_id": "CL-2", "amount": "100.00", "currency": "USD"}]
    assert sorted((e["kind"], e["ref"]) for e in report["exceptions"]) == [
        ("payment_before_invoice", "P-6"),
        ("unmatched_payment", "P-3"),
    ]


def test_aging_before_the_payments_counts_only_what_was_applied_by_then(con, tmp_path):
    """As of 2026-01-25: I-1 600 (P-1 on 01-20), I-2 500, I-4 2000 - 200 (memo 01-20) = 1800,
    I-6 EUR 1000 at 01-05's 1.10 = USD 1100 in the totals; I-3 not issued yet."""
    build_ar_firm(con, tmp_path)
    report = aging(con, date(2026, 1, 25)).to_json()
    assert {r["invoice_id"]: r["open"] for r in report["invoices"]} == {
        "I-1": "600.00",
        "I-2": "500.00",
        "I-4": "1800.00",
        "I-6": "1000.00",
    }
    assert report["totals"]["current"] == "4000.00"  # 600 + 500 + 1800 + 1100
    assert report["credits"] == []


def test_late_fee_at_exactly_30_days_with_grace_and_over_months():
    inv = Invoice(
        "I-1",
        "INV-1",
        "CL-1",
        date(2026, 1, 1),
        DUE,
        "USD",
        D("10000.00"),
        late_fee_rate=D("0.015"),
    )
    assert accrued_late_fee(inv, D("10000.00"), date(2026, 3, 1)) == D(0)  # 29 days
    assert accrued_late_fee(inv, D("10000.00"), date(2026, 3, 2)) == D("150.00")  # 30 days
    assert accrued_late_fee(inv, D("10000.00"), date(2026, 5, 1)) == D("450.00")  # 90 days: 3
    graced = Invoice(
        "I-2",
        "INV-2",
        "CL-1",
        date(2026, 1, 1),
        DUE,
        "USD",
        D("10000.00"),
        late_fee_rate=D("0.015"),
        grace_days=40,
    )
    assert accrued_late_fee(graced, D("10000.00"), date(2026, 3, 2)) == D(0)  # 30 <= 40
    assert accrued_late_fee(graced, D("10000.00"), date(2026, 3, 13)) == D("150.00")  # 41 days


def test_late_fee_on_what_is_still_open():
    """4000 paid on 03-15; as of 04-01 (60 days) 6000 x 0.015 x 2 = 180.00."""
    inv = Invoice(
        "I-1",
        "INV-1",
        "CL-1",
        date(2026, 1, 1),
        DUE,
        "USD",
        D("10000.00"),
        late_fee_rate=D("0.015"),
    )
    paid = match_payments(
        [inv],
        [],
        [Payment("P-1", "CL-1", date(2026, 3, 15), D("4000.00"), "USD", "INV-1")],
        FxTable("USD", []),
    )
    ledger = Ledger([inv], [], [], FxTable("USD", []), paid)
    (row,) = aging_from_ledger(ledger, date(2026, 4, 1)).rows
    assert (row.open, row.late_fee) == (D("6000.00"), D("180.00"))


def test_cli_json_and_errors(con, db_path, tmp_path, capsys):
    build_ar_firm(con, tmp_path)
    con.close()
    assert main(["--db", str(db_path), "aging", "--as-of", "2026-03-03", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2026-03-03" and len(out["invoices"]) == 2
    assert set(out["invoices"][0]) >= {
        "invoice_id",
        "client_id",
        "due_date",
        "days_past_due",
        "open",
        "bucket",
        "late_fee",
    }
    assert main(["--db", str(tmp_path / "none.duckdb"), "aging", "--as-of", "2026-03-03"]) == 1
    assert "no warehouse" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        main(["--db", str(db_path), "aging", "--as-of", "March"])
    assert bad.value.code == 2
