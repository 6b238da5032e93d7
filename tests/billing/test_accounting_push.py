"""Approved drafts pushed to QuickBooks Online and Xero (billing/accounting_push.py) against the
local fakes: at most one invoice there even when the response is lost (retried by the client
with the same requestid / Idempotency-Key) or the whole push fails and is run again; read back
with its number, status and payments; an edit made there shows as "changed in ..." with the
difference. Amounts by hand: C-1 bills PR-1 at 100.00/h; March: E-1 P-1 6 h, E-2 P-2 4 h."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.accounting_push import push_draft, read_back, stored_states
from billing.period import Period
from billing.store import approve_draft, save_drafts
from etl.sync.http import ApiError, RetryPolicy
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


def context(tmp_path, fake, source: str, attempts: int = 6) -> SyncContext:
    values = {"ACCOUNTING_TOKEN_KEY": new_key(), "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tok")}
    if source == "quickbooks":
        values |= {
            "QBO_CLIENT_ID": "client-id",
            "QBO_CLIENT_SECRET": "client-secret",
            "QBO_BASE_URL": "https://qbo.fake.test",
        }
        extra = {"realm_id": fake.realm}
    else:
        values |= {
            "XERO_CLIENT_ID": "client-id",
            "XERO_CLIENT_SECRET": "client-secret",
            "XERO_BASE_URL": "https://xero.fake.test/api.xro/2.0",
        }
        extra = {"tenant_id": fake.tenant}
    settings = Settings(values)
    TokenStore(source, settings).save(fake.tokens.token() | extra)
    policy = RetryPolicy(attempts=attempts, sleep=lambda s: None)
    return SyncContext(settings, fake.transport(), policy)


def posts(fake) -> int:
    return sum(1 for entry_ in fake.log if entry_[0] in ("POST", "PUT"))


def test_a_lost_response_is_retried_with_the_same_requestid_and_makes_one_invoice(con, tmp_path):
    draft_id, number = approved(con, tmp_path)
    fake = FakeQuickBooks(lose_posts=1)
    ctx = context(tmp_path, fake, "quickbooks")
    result = push_draft(con, draft_id, "quickbooks", ctx)
    assert len(fake.objects["Invoice"]) == 1 and posts(fake) == 2  # sent twice, made once
    keys = {url.split("requestid=")[1] for method, url in fake.log if method == "POST"}
    assert len(keys) == 1
    invoice = fake.objects["Invoice"][0]
    # our number, not sent (NotSet), 6 h x 100.00 and 4 h x 100.00
    assert (invoice["DocNumber"], invoice["EmailStatus"], invoice["TotalAmt"]) == (
        number,
        "NotSet",
        D(1000),
    )
    assert [(x["Amount"], x["SalesItemLineDetail"]["Qty"]) for x in invoice["Line"]] == [
        (D(600), D(6)),
        (D(400), D(4)),
    ]
    assert invoice["CustomerRef"] == {"value": "58"}  # Acme Corp, looked up by name
    assert (result.number, result.sent) == (number, True)
    # pushing again sends nothing
    again = push_draft(con, draft_id, "quickbooks", ctx)
    assert (again.sent, again.external_id, posts(fake)) == (False, result.external_id, 2)


def test_read_back_reports_payments_and_edits_made_in_quickbooks(con, tmp_path):
    draft_id, number = approved(con, tmp_path)
    fake = FakeQuickBooks()
    ctx = context(tmp_path, fake, "quickbooks")
    push_draft(con, draft_id, "quickbooks", ctx)
    [state] = read_back(con, "quickbooks", ctx)
    assert (state.number, state.status, state.paid, state.changes) == (number, "open", "0.00", [])
    # In QuickBooks: line 1 cut to 5 h (500.00), 300.00 paid
    obj = fake.objects["Invoice"][0]
    line = obj["Line"][0]
    line["Amount"], line["SalesItemLineDetail"]["Qty"] = D(500), D(5)
    fake.edit("Invoice", obj["Id"], TotalAmt=D(900), Balance=D(600))
    [(_, before)] = stored_states(con, draft_id)  # the page's view: as last read, no edit yet
    assert before.changes == []
    [state] = read_back(con, "quickbooks", ctx)
    assert state.paid == "300.00"
    [(source, stored)] = stored_states(con, draft_id)  # read back, so the page sees the edit
    assert (source, stored.changes, stored.paid) == ("quickbooks", state.changes, "300.00")
    assert state.changes == [
        "line 1 qty 6 -> 5",
        "line 1 amount 600.00 -> 500.00",
        "total 1000.00 -> 900.00",
    ]
    assert state.line("quickbooks") == (
        f"{number} in QuickBooks: {number}, open, paid 300.00 · changed in QuickBooks since the "
        "push: line 1 qty 6 -> 5; line 1 amount 600.00 -> 500.00; total 1000.00 -> 900.00"
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
        D(1000),
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
