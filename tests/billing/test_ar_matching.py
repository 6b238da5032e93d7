"""Payment matching (rules 10 and 12) on tests/billing/ar_firm.py, every number by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.ar.ledger import build_ledger
from billing.ar.matching import match_payments
from billing.ar.model import Allocation, FxTable, Invoice, Payment
from tests.billing.ar_firm import build_ar_firm


def _apps(ledger, source_id):
    return [
        (a.invoice_id, a.amount, a.method)
        for a in ledger.matched.applications
        if a.source_id == source_id
    ]


def _finding(ledger, kind, ref):
    return next(f for f in ledger.matched.findings if f.kind == kind and f.ref == ref)


def test_every_matching_rule_on_the_small_firm(con, tmp_path):
    report = build_ar_firm(con, tmp_path)
    assert report.quarantined == 0
    ledger = build_ledger(con)
    # P-1 names "inv-1" (lower case): a partial payment of INV-1, 1000 - 400 = 600 left
    assert _apps(ledger, "P-1") == [("I-1", D("400.00"), "reference")]
    # P-2 names nothing; of CL-1's open balances on 02-05 (I-1 600, I-2 500, I-3 750) only I-2
    # equals 500.00
    assert _apps(ledger, "P-2") == [("I-2", D("500.00"), "exact_amount")]
    # P-3: 1000.00 equals no open balance: unapplied, suggestion oldest due first:
    # I-1 (due 01-31) takes its 600, then I-3 (due 03-03) the remaining 400
    assert _apps(ledger, "P-3") == []
    unmatched = _finding(ledger, "unmatched_payment", "P-3")
    assert [(r["invoice_id"], r["amount"]) for r in unmatched.evidence["suggested_allocation"]] == [
        ("I-1", "600.00"),
        ("I-3", "400.00"),
    ]
    # CM-1 (-200) credits I-4 on 01-20: 2000 - 200 = 1800 open; P-4 names INV-4 inside its
    # reference and pays 1900: 1800 applied, 100 left as a credit of CL-2, not applied elsewhere
    assert _apps(ledger, "I-5") == [("I-4", D("200.00"), "credit_memo")]
    assert _apps(ledger, "P-4") == [("I-4", D("1800.00"), "reference")]
    assert [(c.client_id, c.amount, c.currency) for c in ledger.matched.credits] == [
        ("CL-2", D("100.00"), "USD")
    ]
    # P-5: USD 1080.00 for the EUR invoice I-6, at 02-10's rates (EUR 1.08): 1080 / 1.08 =
    # EUR 1000.00, the whole invoice. Booked at 01-05's rate (1.10) it was USD 1100.00, so
    # the FX difference is 1080.00 - 1100.00 = -20.00 (a loss), reported on the application
    (app,) = [a for a in ledger.matched.applications if a.source_id == "P-5"]
    assert (app.invoice_id, app.amount, app.source_amount) == ("I-6", D("1000.00"), D("1080.00"))
    assert app.fx_difference_base == D("-20.00")
    # P-6 (01-10) names INV-3, issued only on 02-01: flagged, applied to nothing
    assert _apps(ledger, "P-6") == []
    assert (
        "before INV-3 was issued (2026-02-01)"
        in _finding(ledger, "payment_before_invoice", "P-6").detail
    )


def test_an_accepted_allocation_applies_and_keeps_the_rest_as_credit(con, tmp_path):
    build_ar_firm(con, tmp_path)
    con.execute(
        "INSERT INTO payment_allocations VALUES ('P-3', 'I-1', 600.00, now(), 'Dana', null), "
        "('P-3', 'I-3', 300.00, now(), 'Dana', null)"
    ).fetchall()
    ledger = build_ledger(con)
    by = [
        (a.invoice_id, a.amount, a.method, a.decided_by)
        for a in ledger.matched.applications
        if a.source_id == "P-3"
    ]
    assert by == [("I-1", D("600.00"), "manual", "Dana"), ("I-3", D("300.00"), "manual", "Dana")]
    # 1000 - 600 - 300 = 100 stays as CL-1's credit; no unmatched_payment any more
    assert ("CL-1", D("100.00")) in [(c.client_id, c.amount) for c in ledger.matched.credits]
    assert not [f for f in ledger.matched.findings if f.kind == "unmatched_payment"]


def test_two_open_invoices_with_the_amount_are_not_guessed():
    fx = FxTable("USD", [])
    invoices = [
        Invoice(
            f"I-{n}", f"INV-{n}", "CL-1", date(2026, 1, n), date(2026, 2, n), "USD", D("300.00")
        )
        for n in (1, 2)
    ]
    result = match_payments(
        invoices, [], [Payment("P-1", "CL-1", date(2026, 2, 1), D("300.00"), "USD")], fx
    )
    assert result.applications == []
    assert [f.kind for f in result.findings] == ["unmatched_payment"]


def test_bad_payments_are_flagged_and_touch_nothing_else():
    fx = FxTable("USD", [])
    inv = Invoice("I-1", "INV-1", "CL-1", date(2026, 1, 1), date(2026, 1, 31), "USD", D("100.00"))
    payments = [
        Payment(
            "P-1", "CL-9", date(2026, 1, 5), D("100.00"), "USD", "INV-1", is_known_client=False
        ),
        Payment("P-2", "CL-1", date(2026, 1, 6), D("-100.00"), "USD", "INV-1"),
        Payment("P-3", "CL-1", date(2026, 1, 7), D("40.00"), "USD", "INV-1"),
    ]
    result = match_payments([inv], [], payments, fx, [Allocation("P-9", "I-1", D(1), "x")])
    assert [(f.kind, f.ref) for f in result.findings] == [
        ("payment_unknown_client", "P-1"),
        ("payment_negative", "P-2"),
    ]
    assert [(a.source_id, a.amount) for a in result.applications] == [("P-3", D("40.00"))]


def test_a_credit_memo_for_an_unknown_invoice_is_flagged():
    from billing.ar.model import CreditMemo

    fx = FxTable("USD", [])
    inv = Invoice("I-1", "INV-1", "CL-1", date(2026, 1, 1), date(2026, 1, 31), "USD", D("100.00"))
    memo = CreditMemo("I-2", "CM-1", "CL-1", date(2026, 1, 3), "USD", D("-10.00"), "I-404")
    result = match_payments([inv], [memo], [], fx)
    assert [(f.kind, f.ref) for f in result.findings] == [("credit_memo_unknown_invoice", "I-2")]
    assert result.applications == []


def test_the_importer_quarantines_what_it_can_see(con, tmp_path):
    """Unknown client, negative amount, memo for an unknown invoice: quarantined with the
    reason at import; every other row of the files loads."""
    invoices = "I-9,CM-9,CL-1,C-1,2026-01-20,2026-01-20,USD,-5.00,credit_memo,I-404\n"
    payments = "P-7,CL-404,2026-02-01,10.00,USD,x,\nP-8,CL-1,2026-02-01,-10.00,USD,INV-1,\n"
    from tests.billing.ar_firm import INVOICES, PAYMENTS

    report = build_ar_firm(
        con, tmp_path, INVOICES.lstrip() + invoices, PAYMENTS.lstrip() + payments
    )
    reasons = con.execute(
        "SELECT record_key, reason FROM quarantine ORDER BY record_key"
    ).fetchall()
    assert [key for key, _ in reasons] == ["I-9", "P-7", "P-8"]
    assert "I-404" in reasons[0][1] and "CL-404" in reasons[1][1]
    assert report.quarantined == 3
    assert con.execute("SELECT count(*) FROM payments").fetchall()[0][0] == 6
    assert con.execute("SELECT count(*) FROM invoices").fetchall()[0][0] == 6


def test_sync_records_applications_and_an_allocation_resolves_the_exception(con, tmp_path):
    from billing.ar.sync import accept_suggestion, sync_receivables

    build_ar_firm(con, tmp_path)
    counts = sync_receivables(con, "Dana")
    # P-1, P-2, CM-1, P-4, P-5: five applications; P-3 unmatched, P-6 before its invoice
    assert counts["applications"] == 5 and counts["new"] == 2
    recorded = con.execute(
        "SELECT source_id, invoice_id, amount, method, decided_by FROM "
        "payment_applications ORDER BY source_id"
    ).fetchall()
    assert recorded[0] == ("I-5", "I-4", D("200.00"), "credit_memo", "rule")
    queue = con.execute(
        "SELECT exception_id, status, value FROM exceptions ORDER BY exception_id"
    ).fetchall()
    assert queue == [
        ("payment_before_invoice:P-6", "open", D("100.00")),
        ("unmatched_payment:P-3", "open", D("1000.00")),
    ]
    accept_suggestion(con, "P-3", "Dana")
    # I-1 takes 600 and I-3 400 by Dana; the exception is approved and its condition resolved
    manual = con.execute(
        "SELECT invoice_id, amount, decided_by FROM payment_applications "
        "WHERE source_id = 'P-3' ORDER BY invoice_id"
    ).fetchall()
    assert manual == [("I-1", D("600.00"), "Dana"), ("I-3", D("400.00"), "Dana")]
    assert con.execute(
        "SELECT status, resolved_at IS NOT NULL FROM exceptions WHERE "
        "exception_id = 'unmatched_payment:P-3'"
    ).fetchall() == [("approved", True)]
    audit = con.execute("SELECT actor, action FROM audit_log WHERE object_id = 'P-3'").fetchall()
    assert audit == [("Dana", "payment_allocated")]


def test_an_unmatched_payment_kept_as_credit(con, tmp_path):
    from billing.ar.sync import allocate_payment, allocation_options

    build_ar_firm(con, tmp_path)
    options = allocation_options(con, "P-3")
    # open on 02-10 for CL-1: I-1 600 (due 01-31) and I-3 750 (due 03-03); suggestion 600 + 400
    assert [(o["invoice_id"], o["open_now"], o["allocate"]) for o in options] == [
        ("I-1", D("600.00"), D("600.00")),
        ("I-3", D("750.00"), D("400.00")),
    ]
    with pytest.raises(ValueError, match="more than the payment"):
        allocate_payment(con, "P-3", {"I-1": "600", "I-3": "750"}, "Dana")
    allocate_payment(con, "P-3", {}, "Dana", "client asked to hold it")
    ledger = build_ledger(con)
    assert _apps(ledger, "P-3") == []
    assert ("CL-1", D("1000.00")) in [(c.client_id, c.amount) for c in ledger.matched.credits]
    assert not [f for f in ledger.matched.findings if f.ref == "P-3"]
