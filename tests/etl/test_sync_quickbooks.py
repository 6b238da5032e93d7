"""`etl sync --source quickbooks` against the local fake (tests/support/fake_accounting.py):
query paging, CDC on later runs, an unchanged second run loading nothing, token refresh (on
expiry and on a 401) with the rotated token stored encrypted, 429 retried, an edit and a
delete read back, and the CSV importer's mapping (discount line, person x project)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import httpx
import pytest

from billing.ar.ledger import build_ledger
from etl.sync.http import CredentialError, RetryPolicy
from etl.sync.oauth import TokenStore, new_key
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.billing.firm import build
from tests.support.fake_accounting import FakeQuickBooks, qbo_invoice, qbo_payment, qbo_time

CONTRACTS = "contracts: []\n"
pytestmark = pytest.mark.clock  # CDC's 30-day look-back is judged against BILLING_TODAY


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("BILLING_TODAY", "2026-03-20")


def elena(qty="10", rate="90.00"):
    return {
        "item": "Consulting:Elena Ruiz",
        "class": "Storefront",
        "qty": qty,
        "rate": rate,
        "desc": "Development",
    }


def setup(con, tmp_path, fake, *, page="2", token=None):
    build(con, tmp_path, CONTRACTS)
    settings = Settings(
        {
            "QBO_CLIENT_ID": "client-id",
            "QBO_CLIENT_SECRET": "client-secret",
            "QBO_BASE_URL": "https://qbo.fake.test",
            "QBO_TOKEN_URL": "https://oauth.fake.test/oauth2/v1/tokens/bearer",
            "QBO_PAGE_SIZE": page,
            "ACCOUNTING_TOKEN_KEY": new_key(),
            "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tokens"),
        }
    )
    store = TokenStore("quickbooks", settings)
    store.save((token or fake.tokens.token()) | {"realm_id": fake.realm})
    sleeps: list[float] = []
    ctx = SyncContext(settings, fake.transport(), RetryPolicy(sleep=sleeps.append))
    return ctx, store, sleeps


def five_invoices(fake):
    for n in range(1, 6):
        fake.objects["Invoice"].append(qbo_invoice(n, "Acme Corp", [elena()]))
    fake.objects["Payment"].append(qbo_payment(7, "Acme Corp", D("900.00"), "TRF-1", "1"))


def test_first_run_pages_then_cdc_loads_nothing_new(con, tmp_path):
    fake = FakeQuickBooks()
    five_invoices(fake)
    ctx, _, _ = setup(con, tmp_path, fake)
    first = run_sync(con, "quickbooks", ctx)
    # MAXRESULTS 2: invoices 2 + 2 + 1 (short page ends it) = 3 requests; credit memos 1
    # (empty QueryResponse); payments 1. 6 records.
    assert (first.requests, first.fetched) == (5, 6)
    queries = [url for _, url in fake.log if "/query" in url]
    assert any("STARTPOSITION+3+MAXRESULTS+2" in q for q in queries)
    assert all("minorversion=75" in url for _, url in fake.log)
    assert con.execute("SELECT count(*) FROM invoices").fetchone() == (5,)
    assert con.execute("SELECT count(*) FROM payments").fetchone() == (1,)
    cursors = dict(
        con.execute(
            "SELECT entity, cursor FROM sync_cursors WHERE source = 'quickbooks'"
        ).fetchall()
    )
    # every entity's cursor is the fake's clock when the run began (second 100,000)
    assert cursors == dict.fromkeys(("Invoice", "CreditMemo", "Payment"), qbo_time(100_000))

    # Second run: one CDC request for the three entities (changedSince = the oldest cursor);
    # changedSince is the fake's clock of the first run: nothing changed since: 0 records, 0 rows.
    fake.log.clear()
    second = run_sync(con, "quickbooks", ctx)
    assert (second.requests, second.fetched, second.rows_changed) == (1, 0, 0)
    assert "/cdc?" in fake.log[0][1] and "entities=Invoice%2CCreditMemo%2CPayment" in fake.log[0][1]


def test_discount_and_person_lines_map_like_the_csv_import(con, tmp_path):
    fake = FakeQuickBooks()
    fake.objects["Invoice"].append(
        qbo_invoice(
            1,
            "Acme Corp",
            [
                elena(),
                {"item": "Consulting:Sam Lee", "class": "Storefront", "qty": "4", "rate": "100.00"},
            ],
            number="1001",
            discount=D("130.00"),
        )
    )
    ctx, _, _ = setup(con, tmp_path, fake)
    run_sync(con, "quickbooks", ctx)
    invoice = con.execute(
        "SELECT invoice_id, client_id, issue_date::VARCHAR, total, status, kind FROM invoices"
    ).fetchall()
    # 10 x 90.00 + 4 x 100.00 - 130.00 = 1,170.00; Balance = total: open (sent)
    assert invoice == [("1001", "CL-1", "2026-04-03", D("1170.0000"), "sent", "invoice")]
    lines = con.execute(
        "SELECT line_no, kind, amount, project_id, person_id, quantity, unit_price "
        "FROM invoice_lines ORDER BY line_no"
    ).fetchall()
    assert lines == [
        (1, "time", D("900.0000"), "PR-1", "P-1", D("10.0000"), D("90.0000")),
        (2, "time", D("400.0000"), "PR-1", "P-2", D("4.0000"), D("100.0000")),
        (3, "discount", D("-130.0000"), None, None, None, None),
    ]
    link = con.execute(
        "SELECT source, entity, external_id, local_id, version FROM accounting_links"
    ).fetchall()
    assert link == [("quickbooks", "invoice", "1", "1001", "0")]


def test_an_edit_and_a_delete_come_back_through_cdc(con, tmp_path):
    fake = FakeQuickBooks()
    five_invoices(fake)
    ctx, _, _ = setup(con, tmp_path, fake)
    run_sync(con, "quickbooks", ctx)
    fake.edit("Invoice", "2", Balance=D(0))  # paid in QuickBooks
    fake.delete("Invoice", "3")
    third = run_sync(con, "quickbooks", ctx)
    assert third.requests == 1 and third.fetched == 2
    status = dict(con.execute("SELECT invoice_id, status FROM invoices").fetchall())
    assert status == {
        "1001": "sent",
        "1002": "paid",
        "1003": "void",
        "1004": "sent",
        "1005": "sent",
    }


def test_expired_token_is_refreshed_and_the_rotated_one_stored(con, tmp_path):
    fake = FakeQuickBooks()
    five_invoices(fake)
    stale = fake.tokens.token() | {"expires_at": 0}  # expired long ago
    ctx, store, _ = setup(con, tmp_path, fake, token=stale)
    run_sync(con, "quickbooks", ctx)
    assert fake.tokens.refreshes == 1
    assert store.load()["refresh_token"] == "rt-2"  # the rotated one, written back
    assert b"rt-2" not in store.path.read_bytes()  # encrypted at rest
    # Revoked mid-life (the server's access token moved on): a 401, one refresh, the retry
    fake.tokens.access = "at-revoked"
    fake.edit("Invoice", "1", Balance=D(0))
    report = run_sync(con, "quickbooks", ctx)
    assert fake.tokens.refreshes == 2 and report.fetched == 1
    assert store.load()["refresh_token"] == "rt-3"


def test_a_refused_refresh_token_is_one_line_asking_to_reconnect(con, tmp_path):
    fake = FakeQuickBooks()
    stale = fake.tokens.token() | {"expires_at": 0, "refresh_token": "rt-old"}
    ctx, _, _ = setup(con, tmp_path, fake, token=stale)
    with pytest.raises(CredentialError, match="python -m etl connect quickbooks"):
        run_sync(con, "quickbooks", ctx)
    assert con.execute("SELECT count(*) FROM sync_cursors").fetchone() == (0,)


def test_429_is_retried_after_retry_after(con, tmp_path):
    fake = FakeQuickBooks(throttle=2, retry_after="7")
    five_invoices(fake)
    ctx, _, sleeps = setup(con, tmp_path, fake, page="1000")
    report = run_sync(con, "quickbooks", ctx)
    assert sleeps == [7.0, 7.0]
    assert report.requests == 5  # 2 throttled + invoices, credit memos, payments
    assert con.execute("SELECT count(*) FROM invoices").fetchone() == (5,)


def test_connect_stores_the_tokens_and_realm_from_the_redirect(tmp_path, monkeypatch):
    from etl.sync import connect

    fake = FakeQuickBooks()
    settings = Settings(
        {
            "QBO_CLIENT_ID": "client-id",
            "QBO_CLIENT_SECRET": "client-secret",
            "QBO_TOKEN_URL": "https://oauth.fake.test/oauth2/v1/tokens/bearer",
            "QBO_REDIRECT_URI": "http://localhost:8765/callback",
            "ACCOUNTING_TOKEN_KEY": new_key(),
            "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tokens"),
        }
    )
    url = connect.begin("quickbooks", settings)
    params = dict(httpx.URL(url).params)
    assert url.startswith("https://appcenter.intuit.com/connect/oauth2?")
    assert (params["client_id"], params["response_type"], params["scope"]) == (
        "client-id",
        "code",
        "com.intuit.quickbooks.accounting",
    )
    forged = f"http://localhost:8765/callback?code=good-code&state=other&realmId={fake.realm}"
    with pytest.raises(CredentialError, match="not an authorisation answer"):
        connect.finish("quickbooks", settings, forged, transport=fake.transport())
    back = (
        f"http://localhost:8765/callback?code=good-code&state={params['state']}"
        f"&realmId={fake.realm}"
    )
    message = connect.finish("quickbooks", settings, back, transport=fake.transport())
    assert f"company {fake.realm}" in message and "at-2" not in message
    stored = TokenStore("quickbooks", settings).load()
    assert (stored["access_token"], stored["refresh_token"], stored["realm_id"]) == (
        "at-2",
        "rt-2",
        fake.realm,
    )


def test_payments_land_on_the_invoices_quickbooks_applied_them_to(con, tmp_path):
    """Acme Corp: invoices 1001 and 1002, 900.00 each (10 h x 90.00), synced first. Later two
    payments arrive, their references naming no invoice and their amounts no open balance:
    TRF-A 500.00 applied in QuickBooks to invoice Id 2 (1002); TRF-B 500.00 split 300.00 to
    Id 1 (1001) and 200.00 to Id 2. By hand, open on 2026-04-30: 1001 900 - 300 = 600.00;
    1002 900 - 500 - 200 = 200.00."""
    fake = FakeQuickBooks()
    for n in (1, 2):
        fake.objects["Invoice"].append(qbo_invoice(n, "Acme Corp", [elena()]))
    ctx, _, _ = setup(con, tmp_path, fake)
    run_sync(con, "quickbooks", ctx)
    fake.clock += 10
    fake.objects["Payment"].append(
        qbo_payment(20, "Acme Corp", D("500.00"), "TRF-A", "2", updated=fake.clock)
    )
    split = qbo_payment(21, "Acme Corp", D("500.00"), "TRF-B", "1", updated=fake.clock)
    split["Line"] = [
        {"Amount": D("300.00"), "LinkedTxn": [{"TxnId": "1", "TxnType": "Invoice"}]},
        {"Amount": D("200.00"), "LinkedTxn": [{"TxnId": "2", "TxnType": "Invoice"}]},
    ]
    fake.objects["Payment"].append(split)
    second = run_sync(con, "quickbooks", ctx)  # CDC: the invoices are known by their links
    assert second.fetched == 2
    rows = con.execute("SELECT reference, invoice_id FROM payments ORDER BY reference").fetchall()
    assert rows == [("TRF-A", "1002"), ("TRF-B", None)]
    allocations = con.execute(
        "SELECT p.reference, a.invoice_id, a.amount, a.decided_by FROM payment_allocations a "
        "JOIN payments p USING (payment_id) ORDER BY a.invoice_id"
    ).fetchall()
    assert allocations == [
        ("TRF-B", "1001", D("300.00"), "quickbooks"),
        ("TRF-B", "1002", D("200.00"), "quickbooks"),
    ]
    open_ = {i.invoice_id: left for i, left in build_ledger(con).open_balances(date(2026, 4, 30))}
    assert open_ == {"1001": D("600.00"), "1002": D("200.00")}
