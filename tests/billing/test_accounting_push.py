"""Approved drafts pushed to QuickBooks Online and Xero (billing/accounting_push.py) against the
local fakes: at most one invoice there even when the response is lost (retried by the client
with the same requestid / Idempotency-Key) or the whole push fails and is run again; read back
with its number, status and payments; an edit made there shows as "changed in ..." with the
difference. Billed time goes to QuickBooks as TimeActivity records the invoice lines link to,
and the draft's tax in each vendor's tax shape.

Amounts by hand: C-1 bills PR-1 at 100.00/h; March: E-1 P-1 (Elena Ruiz) 6 h, E-2 P-2 (Sam Lee)
4 h: lines 600.00 and 400.00, subtotal 1,000.00. Acme Corp's tax rate is 8 %: tax 80.00
(Xero per line: 48.00 + 32.00), total 1,080.00. In the fake QuickBooks Elena is Employee 55 and
Sam is Vendor 71 (a contractor)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.accounting_push import push_draft, read_back, stored_states
from billing.period import Period
from billing.store import approve_draft, save_drafts
from etl.sync.http import ApiError, CredentialError, RetryPolicy
from etl.sync.oauth import TokenStore, new_key
from etl.sync.run import SyncContext
from etl.sync.settings import Settings
from tests.billing.firm import build, entry
from tests.support.fake_accounting import FakeQuickBooks, FakeXero

CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - {project_id: PR-1, billing: time_and_materials}
"""
RATES = "C-1,100.00,2026-01-01,,,,\n"
ENTRIES = entry("E-1", "P-1", "2026-03-02", "6", "PR-1") + entry(
    "E-2", "P-2", "2026-03-03", "4", "PR-1"
)


def approved(con, tmp_path) -> tuple[int, str]:
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES)
    [draft_id] = save_drafts(con, Period.parse("2026-03"), "ana")
    number = approve_draft(con, draft_id, "ana", issue_date=date(2026, 4, 2))
    return draft_id, number


def context(tmp_path, fake, source: str, attempts: int = 6, **drop: bool) -> SyncContext:
    values = {"ACCOUNTING_TOKEN_KEY": new_key(), "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tok")}
    if source == "quickbooks":
        values |= {
            "QBO_CLIENT_ID": "client-id",
            "QBO_CLIENT_SECRET": "client-secret",
            "QBO_BASE_URL": "https://qbo.fake.test",
            "QBO_TAX_CODE": "3",
        }
        extra = {"realm_id": fake.realm}
    else:
        values |= {
            "XERO_CLIENT_ID": "client-id",
            "XERO_CLIENT_SECRET": "client-secret",
            "XERO_BASE_URL": "https://xero.fake.test/api.xro/2.0",
            "XERO_TAX_TYPE": "OUTPUT2",
        }
        extra = {"tenant_id": fake.tenant}
    settings = Settings({k: v for k, v in values.items() if not drop.get(k)})
    TokenStore(source, settings).save(fake.tokens.token() | extra)
    policy = RetryPolicy(attempts=attempts, sleep=lambda s: None)
    return SyncContext(settings, fake.transport(), policy)


def posts(fake, path: str = "") -> int:
    return sum(1 for e in fake.log if e[0] in ("POST", "PUT") and f"/{path}" in e[1])


def test_a_lost_response_is_retried_with_the_same_requestid_and_makes_one_invoice(con, tmp_path):
    draft_id, number = approved(con, tmp_path)
    fake = FakeQuickBooks(lose_posts=1, lose_only="invoice")
    ctx = context(tmp_path, fake, "quickbooks")
    result = push_draft(con, draft_id, "quickbooks", ctx)
    # sent twice, made once
    assert len(fake.objects["Invoice"]) == 1 and posts(fake, "invoice") == 2
    keys = {url.split("requestid=")[1] for m, url in fake.log if m == "POST" and "/invoice" in url}
    assert len(keys) == 1
    invoice = fake.objects["Invoice"][0]
    # our number, not sent (NotSet), 6 h x 100.00 and 4 h x 100.00
    assert (invoice["DocNumber"], invoice["EmailStatus"], invoice["TotalAmt"]) == (
        number,
        "NotSet",
        D(1080),
    )
    assert [(x["Amount"], x["SalesItemLineDetail"]["Qty"]) for x in invoice["Line"]] == [
        (D(600), D(6)),
        (D(400), D(4)),
    ]
    assert invoice["CustomerRef"] == {"value": "58"}  # Acme Corp, looked up by name
    assert (result.number, result.sent) == (number, True)
    # pushing again sends nothing
    before = posts(fake)
    again = push_draft(con, draft_id, "quickbooks", ctx)
    assert (again.sent, again.external_id, posts(fake)) == (False, result.external_id, before)


def test_read_back_reports_payments_and_edits_made_in_quickbooks(con, tmp_path):
    draft_id, number = approved(con, tmp_path)
    fake = FakeQuickBooks()
    ctx = context(tmp_path, fake, "quickbooks")
    push_draft(con, draft_id, "quickbooks", ctx)
    [state] = read_back(con, "quickbooks", ctx)
    assert (state.number, state.status, state.paid, state.changes) == (number, "open", "0.00", [])
    # In QuickBooks: line 1 cut to 5 h (500.00), tax to 72.00 (8 % of 900.00), 300.00 paid
    obj = fake.objects["Invoice"][0]
    line = obj["Line"][0]
    line["Amount"], line["SalesItemLineDetail"]["Qty"] = D(500), D(5)
    obj["TxnTaxDetail"]["TotalTax"] = D(72)
    fake.edit("Invoice", obj["Id"], TotalAmt=D(972), Balance=D(672))
    [(_, before)] = stored_states(con, draft_id)  # the page's view: as last read, no edit yet
    assert before.changes == []
    [state] = read_back(con, "quickbooks", ctx)
    assert state.paid == "300.00"
    [(source, stored)] = stored_states(con, draft_id)  # read back, so the page sees the edit
    assert (source, stored.changes, stored.paid) == ("quickbooks", state.changes, "300.00")
    assert state.changes == [
        "line 1 qty 6 -> 5",
        "line 1 amount 600.00 -> 500.00",
        "tax 80.00 -> 72.00",
        "total 1080.00 -> 972.00",
    ]
    assert state.line("quickbooks") == (
        f"{number} in QuickBooks: {number}, open, paid 300.00 · changed in QuickBooks since the "
        "push: line 1 qty 6 -> 5; line 1 amount 600.00 -> 500.00; tax 80.00 -> 72.00; "
        "total 1080.00 -> 972.00"
    )


def test_a_failed_push_run_again_reuses_its_key_and_makes_no_second_xero_invoice(con, tmp_path):
    draft_id, number = approved(con, tmp_path)
    fake = FakeXero(lose_posts=2)
    ctx = context(tmp_path, fake, "xero", attempts=2)
    with pytest.raises(ApiError, match="cannot reach"):
        push_draft(con, draft_id, "xero", ctx)  # made there, both answers lost
    assert len(fake.objects["Invoices"]) == 1
    status = con.execute("SELECT status FROM accounting_pushes").fetchall()
    assert status == [("sending",)]
    result = push_draft(con, draft_id, "xero", ctx)
    assert len(fake.objects["Invoices"]) == 1  # the same Idempotency-Key: the same invoice
    keys = {h.get("idempotency-key") for m, _, h in fake.log if m == "PUT"}
    assert len(keys) == 1
    invoice = fake.objects["Invoices"][0]
    assert (invoice["Status"], invoice["InvoiceNumber"], invoice["Total"]) == (
        "DRAFT",
        number,
        D(1080),
    )
    assert result.sent is True
    fake.edit("Invoices", "InvoiceID", result.external_id, Status="AUTHORISED")
    [state] = read_back(con, "xero", ctx)
    assert (state.status, state.changes) == ("authorised", [])


def test_only_approved_drafts_are_pushed(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES)
    [draft_id] = save_drafts(con, Period.parse("2026-03"), "ana")
    fake = FakeQuickBooks()
    with pytest.raises(ValueError, match="only approved drafts"):
        push_draft(con, draft_id, "quickbooks", context(tmp_path, fake, "quickbooks"))
    assert fake.requests == 0


def test_billed_time_goes_as_time_activities_the_lines_link_and_tax_as_txn_tax_detail(
    con, tmp_path
):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeQuickBooks(lose_posts=1, lose_only="timeactivity")  # the first answer is lost
    push_draft(con, draft_id, "quickbooks", context(tmp_path, fake, "quickbooks"))
    # one TimeActivity per billed entry, even though one answer was lost and re-asked
    assert posts(fake, "timeactivity") == 3
    assert [
        (t["NameOf"], t.get("EmployeeRef") or t.get("VendorRef"), t["TxnDate"], t["Hours"])
        for t in fake.time_activities
    ] == [
        ("Employee", {"value": "55"}, "2026-03-02", 6),  # Elena: an employee
        ("Vendor", {"value": "71"}, "2026-03-03", 4),  # Sam: a contractor (vendor)
    ]
    first = fake.time_activities[0]
    assert (first["Minutes"], first["CustomerRef"], first["ItemRef"], first["HourlyRate"]) == (
        0,
        {"value": "58"},
        {"value": "1"},
        100,
    )
    # the invoice linked them, so QuickBooks counts them billed
    assert {t["BillableStatus"] for t in fake.time_activities} == {"HasBeenBilled"}
    [invoice] = fake.objects["Invoice"]
    sales = invoice["Line"]
    assert [x["LinkedTxn"] for x in sales] == [
        [{"TxnId": "800", "TxnType": "TimeActivity"}],
        [{"TxnId": "801", "TxnType": "TimeActivity"}],
    ]
    # tax: the rate's code and our 80.00 on the invoice, each line taxable
    assert invoice["TxnTaxDetail"] == {"TxnTaxCodeRef": {"value": "3"}, "TotalTax": 80}
    assert [x["SalesItemLineDetail"]["TaxCodeRef"] for x in sales] == [{"value": "TAX"}] * 2
    assert invoice["TotalAmt"] == D(1080)
    links = con.execute(
        "SELECT local_id, external_id FROM accounting_links WHERE entity = 'time_activity' "
        "ORDER BY local_id"
    ).fetchall()
    assert links == [("E-1", "800"), ("E-2", "801")]


def test_a_push_run_again_after_the_invoice_failed_reuses_its_time_activities(con, tmp_path):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeQuickBooks(lose_posts=2, lose_only="invoice")
    ctx = context(tmp_path, fake, "quickbooks", attempts=2)
    with pytest.raises(ApiError, match="cannot reach"):
        push_draft(con, draft_id, "quickbooks", ctx)
    assert (len(fake.time_activities), len(fake.objects["Invoice"])) == (2, 1)
    push_draft(con, draft_id, "quickbooks", ctx)
    # the entries' TimeActivities are referred to (not posted again), the invoice replayed
    assert (len(fake.time_activities), len(fake.objects["Invoice"])) == (2, 1)
    assert posts(fake, "timeactivity") == 2 and posts(fake, "invoice") == 3


def test_a_person_quickbooks_does_not_know_stops_the_push_before_the_invoice(con, tmp_path):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeQuickBooks(vendors={})  # Sam Lee is neither employee nor vendor there
    with pytest.raises(ApiError, match="no employee or vendor named 'Sam Lee'"):
        push_draft(con, draft_id, "quickbooks", context(tmp_path, fake, "quickbooks"))
    assert fake.objects["Invoice"] == [] and fake.time_activities == []


def test_xero_gets_tax_type_and_tax_per_line(con, tmp_path):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeXero()
    push_draft(con, draft_id, "xero", context(tmp_path, fake, "xero"))
    [invoice] = fake.objects["Invoices"]
    assert invoice["LineAmountTypes"] == "Exclusive"
    # 8 % of 600.00 and of 400.00
    assert [(x["TaxType"], x["TaxAmount"]) for x in invoice["LineItems"]] == [
        ("OUTPUT2", D(48)),
        ("OUTPUT2", D(32)),
    ]
    assert (invoice["TotalTax"], invoice["Total"]) == (D(80), D(1080))
    [state] = read_back(con, "xero", context(tmp_path, fake, "xero"))
    assert state.changes == []


def test_a_draft_without_tax_goes_to_xero_as_no_tax(con, tmp_path):
    # Globex (CL-2) has tax rate 0: 3 h x 100.00 = 300.00, nothing for Xero to add
    contracts = CONTRACTS.replace("C-1", "C-2").replace("CL-1", "CL-2").replace("PR-1", "PR-2")
    build(
        con,
        tmp_path,
        contracts,
        "C-2,100.00,2026-01-01,,,,\n",
        entry("E-9", "P-1", "2026-03-02", "3", "PR-2"),
    )
    [draft_id] = save_drafts(con, Period.parse("2026-03"), "ana")
    approve_draft(con, draft_id, "ana", issue_date=date(2026, 4, 2))
    fake = FakeXero()
    push_draft(con, draft_id, "xero", context(tmp_path, fake, "xero"))
    [invoice] = fake.objects["Invoices"]
    assert invoice["LineAmountTypes"] == "NoTax"
    assert [x["TaxType"] for x in invoice["LineItems"]] == ["NONE"]
    assert "TaxAmount" not in invoice["LineItems"][0]
    assert (invoice["TotalTax"], invoice["Total"]) == (D(0), D(300))


def test_a_draft_with_tax_and_no_tax_code_is_refused_before_any_request(con, tmp_path):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeQuickBooks()
    ctx = context(tmp_path, fake, "quickbooks", QBO_TAX_CODE=True)
    with pytest.raises(CredentialError, match="QBO_TAX_CODE is not set"):
        push_draft(con, draft_id, "quickbooks", ctx)
    assert fake.requests == 0
