"""`etl sync --source xero` against the local fake (tests/support/fake_accounting.py): page +
pageSize paging, If-Modified-Since on the second run (nothing new loaded), xero-tenant-id on
every call, tracking categories Project/Staff mapped like the CSV export, a credit note, a
payment, an edit read back, 429 retried after Retry-After, and the daily limit stopping the
run in one line with the warehouse unchanged."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from etl.sync.http import ApiError, RetryPolicy
from etl.sync.oauth import TokenStore, new_key
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.billing.firm import build
from tests.support.fake_accounting import FakeXero, xero_invoice, xero_payment

CONTRACTS = "contracts: []\n"


def setup(con, tmp_path, fake, page="2"):
    build(con, tmp_path, CONTRACTS)
    settings = Settings(
        {
            "XERO_CLIENT_ID": "client-id",
            "XERO_CLIENT_SECRET": "client-secret",
            "XERO_BASE_URL": "https://xero.fake.test/api.xro/2.0",
            "XERO_TOKEN_URL": "https://identity.fake.test/connect/token",
            "XERO_PAGE_SIZE": page,
            "ACCOUNTING_TOKEN_KEY": new_key(),
            "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tokens"),
        }
    )
    TokenStore("xero", settings).save(fake.tokens.token() | {"tenant_id": fake.tenant})
    sleeps: list[float] = []
    return SyncContext(settings, fake.transport(), RetryPolicy(sleep=sleeps.append)), sleeps


def portal(staff="Elena Ruiz", qty="8", unit="100.00"):
    return {"desc": "Portal build", "qty": qty, "unit": unit, "project": "Portal", "staff": staff}


def globex(fake, count=3):
    for n in range(1, count + 1):
        fake.objects["Invoices"].append(xero_invoice(n, "Globex", [portal()]))
    fake.objects["CreditNotes"].append(
        xero_invoice(
            20,
            "Globex",
            [{"desc": "Goodwill", "qty": "1", "unit": "50.00", "project": "Portal"}],
            credit=True,
        )
    )
    fake.objects["Payments"].append(xero_payment(30, fake.objects["Invoices"][0], D("800.00")))


def test_pages_then_if_modified_since_loads_nothing_new(con, tmp_path):
    fake = FakeXero()
    globex(fake)
    ctx, _ = setup(con, tmp_path, fake)
    first = run_sync(con, "xero", ctx)
    # pageSize 2: invoices 2 + 1 = 2 requests, credit notes 1, payments 1; 5 records
    assert (first.requests, first.fetched) == (4, 5)
    assert all(h.get("xero-tenant-id") == fake.tenant for _, _, h in fake.log)
    assert not any("if-modified-since" in h for _, _, h in fake.log)
    rows = con.execute(
        "SELECT invoice_id, kind, total, status FROM invoices ORDER BY invoice_id"
    ).fetchall()
    assert rows == [
        ("CN-20", "credit_memo", D("-50.0000"), "sent"),
        ("INV-1", "invoice", D("800.0000"), "sent"),
        ("INV-2", "invoice", D("800.0000"), "sent"),
        ("INV-3", "invoice", D("800.0000"), "sent"),
    ]
    lines = con.execute(
        "SELECT kind, amount, project_id, person_id FROM invoice_lines WHERE invoice_id = 'INV-1'"
    ).fetchall()
    assert lines == [("time", D("800.0000"), "PR-2", "P-1")]  # tracking Project / Staff
    payments = con.execute("SELECT amount, invoice_id, date::VARCHAR FROM payments").fetchall()
    assert payments == [(D("800.0000"), "INV-1", "2026-04-20")]

    fake.log.clear()
    second = run_sync(con, "xero", ctx)
    # one request per entity, each with If-Modified-Since = its newest UpdatedDateUTC; Xero
    # answers inclusively, the newest record comes back and is dropped: 0 records, 0 rows
    assert (second.requests, second.fetched, second.rows_changed) == (3, 0, 0)
    stamps = [h.get("if-modified-since") for _, _, h in fake.log]
    assert stamps == ["2026-03-01T00:00:03", "2026-03-01T00:00:20", "2026-03-01T00:00:30"]

    fake.edit("Invoices", "InvoiceNumber", "INV-2", Status="PAID", AmountDue=D(0))
    third = run_sync(con, "xero", ctx)
    assert third.fetched == 1
    status = con.execute("SELECT status FROM invoices WHERE invoice_id = 'INV-2'").fetchone()
    assert status == ("paid",)


def test_429_per_minute_is_retried_after_retry_after(con, tmp_path):
    fake = FakeXero(throttle=1, retry_after="3")
    globex(fake, count=1)
    ctx, sleeps = setup(con, tmp_path, fake, page="100")
    report = run_sync(con, "xero", ctx)
    assert sleeps == [3.0]
    assert report.fetched == 3


def test_the_daily_limit_stops_the_run_and_loads_nothing(con, tmp_path):
    fake = FakeXero(throttle=1, retry_after="43200", problem="day")
    globex(fake, count=1)
    ctx, sleeps = setup(con, tmp_path, fake, page="100")
    with pytest.raises(ApiError, match=r"429 .*Retry-After 43200 s"):
        run_sync(con, "xero", ctx)
    assert sleeps == []  # never sits out a 12-hour ban
    assert con.execute("SELECT count(*) FROM invoices").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM sync_cursors").fetchone() == (0,)


def test_connect_stores_the_organisation_from_connections(tmp_path):
    import httpx

    from etl.sync import connect

    fake = FakeXero()
    settings = Settings(
        {
            "XERO_CLIENT_ID": "client-id",
            "XERO_CLIENT_SECRET": "client-secret",
            "ACCOUNTING_TOKEN_KEY": new_key(),
            "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tokens"),
        }
    )
    url = connect.begin("xero", settings)
    params = dict(httpx.URL(url).params)
    assert url.startswith("https://login.xero.com/identity/connect/authorize?")
    assert "offline_access" in params["scope"].split()  # or no refresh token comes back
    back = f"http://localhost:8765/callback?code=good-code&state={params['state']}"
    message = connect.finish("xero", settings, back, transport=fake.transport())
    assert message.startswith("xero: connected to organisation Kestrel Partners")
    stored = TokenStore("xero", settings).load()
    assert (stored["tenant_id"], stored["refresh_token"]) == (fake.tenant, "rt-2")
