"""`python -m billing push` and `billing pushed` (and `etl sync`) end to end: each run as its own
process against a local HTTP server started by the test (tests/support/fake_http_server.py in
front of the QuickBooks / Xero fakes), over TCP, configured only by environment variables as a
user would. What crosses the wire is the documented shapes: an expired access token refreshed
at the token endpoint, a 429 waited out for its Retry-After, the invoice POST answered only
after the client's timeout (SYNC_HTTP_TIMEOUT) so the client retries it with the same
requestid / Idempotency-Key, query paging, Fault bodies, Xero's daily limit.

Amounts by hand (tests/billing/test_accounting_push.py's firm): lines 6 h and 4 h at 100.00
= 600.00 + 400.00, Acme Corp's 8 % tax 80.00, total 1,080.00."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal as D

import duckdb

from etl.sync.oauth import TokenStore, new_key
from etl.sync.settings import Settings
from tests.billing.test_accounting_push import approved
from tests.conftest import ROOT
from tests.support.fake_accounting import FakeQuickBooks, FakeXero, qbo_invoice, qbo_payment
from tests.support.fake_http_server import FakeHttpServer

PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def cli(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def environment(tmp_path, db_path, fake, server, source: str) -> dict[str, str]:
    """What a user sets: credentials, the API's address, the warehouse; the stored token set
    has expired, so the first call refreshes it at the server's token endpoint."""
    env = {k: v for k, v in os.environ.items() if k not in PROXIES}
    env |= {
        "NO_PROXY": "*",
        "WAREHOUSE_DB": str(db_path),
        "BILLING_TODAY": "2026-04-15",
        "ACCOUNTING_TOKEN_KEY": new_key(),
        "ACCOUNTING_TOKEN_DIR": str(tmp_path / "tokens"),
        "SYNC_HTTP_TIMEOUT": "2",
    }
    if source == "quickbooks":
        env |= {
            "QBO_CLIENT_ID": "client-id",
            "QBO_CLIENT_SECRET": "client-secret",
            "QBO_BASE_URL": server.url,
            "QBO_TOKEN_URL": f"{server.url}/oauth2/v1/tokens/bearer",
            "QBO_TAX_CODE": "3",
        }
        extra = {"realm_id": fake.realm}
    else:
        env |= {
            "XERO_CLIENT_ID": "client-id",
            "XERO_CLIENT_SECRET": "client-secret",
            "XERO_BASE_URL": f"{server.url}/api.xro/2.0",
            "XERO_TOKEN_URL": f"{server.url}/connect/token",
            "XERO_TAX_TYPE": "OUTPUT2",
        }
        extra = {"tenant_id": fake.tenant}
    store = TokenStore(source, Settings(env))
    store.save(fake.tokens.token() | extra | {"expires_at": 1_000_000_000})  # long expired
    return env


def one_line_error(result: subprocess.CompletedProcess, text: str) -> None:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert text in result.stderr, result.stderr


def test_quickbooks_push_pushed_and_sync_over_http(con, db_path, tmp_path):
    draft_id, number = approved(con, tmp_path)
    con.close()
    fake = FakeQuickBooks(throttle=1, retry_after="1")  # the first API call: 429, wait 1 s
    fake.objects["Invoice"].append(
        qbo_invoice(1, "Globex", [{"item": "Consulting", "qty": "2", "rate": "100.00"}])
    )
    with FakeHttpServer(fake, stall={"/invoice": 1}) as server:
        env = environment(tmp_path, db_path, fake, server, "quickbooks")

        pushed = cli("billing", "push", "--to", "quickbooks", str(draft_id), env=env)
        assert pushed.returncode == 0, pushed.stderr
        assert pushed.stdout == f"draft {draft_id}: pushed as QuickBooks {number} (id 501)\n"
        assert fake.tokens.refreshes == 1 and fake.throttle == 0
        ours = [i for i in fake.objects["Invoice"] if i["DocNumber"] == number]
        assert len(ours) == 1 and server.stalled == 1  # answered late, retried, made once
        posts = [u for m, u in fake.log if m == "POST" and "/invoice?" in u]
        assert len(posts) >= 2 and len({u.split("requestid=")[1] for u in posts}) == 1
        [invoice] = ours
        assert (invoice["TotalAmt"], invoice["TxnTaxDetail"]["TotalTax"]) == (D(1080), 80)
        assert [x["LinkedTxn"][0]["TxnType"] for x in invoice["Line"]] == ["TimeActivity"] * 2
        assert len(fake.time_activities) == 2

        again = cli("billing", "push", "--to", "quickbooks", str(draft_id), env=env)
        assert again.stdout == f"draft {draft_id}: already pushed as QuickBooks {number} (id 501)\n"
        assert len([m for m, u in fake.log if m == "POST" and "/invoice?" in u]) == len(posts)

        # In QuickBooks: line 1 cut to 5 h, tax 72.00, and 300.00 received against it
        line = invoice["Line"][0]
        line["Amount"], line["SalesItemLineDetail"]["Qty"] = D(500), D(5)
        invoice["TxnTaxDetail"]["TotalTax"] = D(72)
        fake.edit("Invoice", "501", TotalAmt=D(972), Balance=D(672))
        fake.objects["Payment"].append(
            qbo_payment(40, "Acme Corp", D("300.00"), "TRF-77", "501", updated=fake.clock + 1)
        )
        state = cli("billing", "pushed", "--to", "quickbooks", env=env)
        assert state.returncode == 0, state.stderr
        assert state.stdout == (
            f"{number} in QuickBooks: {number}, open, paid 300.00 · changed in QuickBooks since "
            "the push: line 1 qty 6 -> 5; line 1 amount 600.00 -> 500.00; tax 80.00 -> 72.00; "
            "total 1080.00 -> 972.00\n"
        )

        # etl sync pages one invoice at a time (2 invoices: pages 1, 2, then an empty 3) and
        # the payment lands on our invoice through its LinkedTxn (TRF-77 names no invoice)
        synced = cli("etl", "sync", "--source", "quickbooks", env=env | {"QBO_PAGE_SIZE": "1"})
        assert synced.returncode == 0, synced.stderr
        assert any("STARTPOSITION+3+MAXRESULTS+1" in u for _, u in fake.log)

        # user errors: one line, exit 1, no traceback
        one_line_error(
            cli("billing", "push", "--to", "quickbooks", "99", env=env),
            "there is no saved draft 99",
        )
        one_line_error(  # QuickBooks refuses (a Fault body, 400)
            cli("billing", "pushed", "--to", "quickbooks", env=env | {"QBO_MINOR_VERSION": "12"}),
            "quickbooks: GET /v3/company/9130357766541234/invoice/501: 400 Bad Request",
        )
    with duckdb.connect(str(db_path), read_only=True) as db:
        payments = db.execute("SELECT reference, invoice_id, amount FROM payments").fetchall()
        assert payments == [("TRF-77", number, D("300.0000"))]


def test_xero_push_and_pushed_over_http(con, db_path, tmp_path):
    draft_id, number = approved(con, tmp_path)
    con.close()
    fake = FakeXero(throttle=1, retry_after="1", problem="minute")
    with FakeHttpServer(fake, stall={"/Invoices": 1}) as server:
        env = environment(tmp_path, db_path, fake, server, "xero")

        pushed = cli("billing", "push", "--to", "xero", str(draft_id), env=env)
        assert pushed.returncode == 0, pushed.stderr
        [invoice] = fake.objects["Invoices"]  # answered late, retried, made once
        assert pushed.stdout == (
            f"draft {draft_id}: pushed as Xero {number} (id {invoice['InvoiceID']})\n"
        )
        keys = [h.get("idempotency-key") for m, _, h in fake.log if m == "PUT"]
        assert len(keys) >= 2 and len(set(keys)) == 1 and server.stalled == 1
        assert (invoice["Status"], invoice["TotalTax"], invoice["Total"]) == (
            "DRAFT",
            D(80),
            D(1080),
        )

        # approved in Xero, 500.00 paid
        fake.edit(
            "Invoices", "InvoiceID", invoice["InvoiceID"], Status="AUTHORISED", AmountPaid=D(500)
        )
        state = cli("billing", "pushed", "--to", "xero", env=env)
        assert state.stdout == f"{number} in Xero: {number}, authorised, paid 500.00\n"

        # the day's 5,000 calls are spent: Retry-After of hours, more than the client waits
        fake.throttle, fake.retry_after, fake.problem = 1, "43000", "day"
        one_line_error(
            cli("billing", "pushed", "--to", "xero", env=env),
            "429 Too Many Requests (Retry-After 43000 s)",
        )
