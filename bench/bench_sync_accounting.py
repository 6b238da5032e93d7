"""API sync at size: N invoices (2 lines and a discount each, across 500 customers) and N
payments from the local fake QuickBooks Online and Xero servers (tests/support/fake_accounting,
httpx.MockTransport: no network), synced into an empty warehouse, then synced again unchanged.

Prints, per source: the first run's time, requests and rows; the second run's time, requests
and rows (0 expected: nothing new is loaded).
Run: .venv/bin/python bench/bench_sync_accounting.py [--invoices N] [--source quickbooks|xero]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.sync.http import RetryPolicy
from etl.sync.oauth import TokenStore, new_key
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.support.fake_accounting import (
    FakeQuickBooks,
    FakeXero,
    qbo_invoice,
    qbo_payment,
    xero_invoice,
    xero_payment,
)
from warehouse.db import connect

CUSTOMERS = 500


def _lines(i: int) -> list[tuple[str, str, str]]:
    return [
        ("Consulting:Development", str(10 + i % 7), "150.00"),
        ("Consulting:Design", "3", "120.00"),
    ]


def quickbooks(n: int) -> FakeQuickBooks:
    fake = FakeQuickBooks()
    for i in range(1, n + 1):
        lines = [
            {"item": item, "qty": q, "rate": r, "class": f"Project {i % 50}"}
            for item, q, r in _lines(i)
        ]
        inv = qbo_invoice(i, f"Customer {i % CUSTOMERS:03d}", lines, discount=Decimal("10.00"))
        fake.objects["Invoice"].append(inv)
        fake.objects["Payment"].append(
            qbo_payment(n + i, inv["CustomerRef"]["name"], inv["TotalAmt"], f"TRF-{i}", inv["Id"])
        )
    return fake


def xero(n: int) -> FakeXero:
    fake = FakeXero()
    for i in range(1, n + 1):
        lines = [
            {"desc": item, "qty": q, "unit": r, "project": f"Project {i % 50}"}
            for item, q, r in _lines(i)
        ]
        lines.append({"desc": "Discount", "qty": "1", "unit": "-10.00"})
        inv = xero_invoice(i, f"Customer {i % CUSTOMERS:03d}", lines)
        fake.objects["Invoices"].append(inv)
        fake.objects["Payments"].append(xero_payment(n + i, inv, inv["Total"]))
    return fake


def settings(source: str, fake, folder: Path) -> Settings:
    values = {"ACCOUNTING_TOKEN_KEY": new_key(), "ACCOUNTING_TOKEN_DIR": str(folder)}
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
    out = Settings(values)
    TokenStore(source, out).save(fake.tokens.token() | extra)
    return out


def bench(source: str, n: int, folder: Path) -> None:
    fake = quickbooks(n) if source == "quickbooks" else xero(n)
    con = connect(folder / f"{source}.duckdb")
    ctx = SyncContext(
        settings(source, fake, folder), fake.transport(), RetryPolicy(sleep=lambda s: None)
    )
    for run in ("first", "second"):
        started = time.perf_counter()
        report = run_sync(con, source, ctx)
        elapsed = time.perf_counter() - started
        print(
            f"{source} {run} run: {elapsed:.1f}s, {report.requests} request(s), "
            f"{report.fetched} record(s) fetched, {report.rows_changed} row(s) changed"
        )
    counts = con.execute(
        "SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM invoice_lines), "
        "(SELECT count(*) FROM payments)"
    ).fetchall()[0]
    print(f"{source} warehouse: {counts[0]} invoices, {counts[1]} lines, {counts[2]} payments")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--source", choices=("quickbooks", "xero"))
    args = parser.parse_args()
    os.environ.setdefault("BILLING_TODAY", "2026-03-20")  # CDC's 30-day look-back
    with tempfile.TemporaryDirectory() as tmp:
        for source in [args.source] if args.source else ["quickbooks", "xero"]:
            bench(source, args.invoices, Path(tmp))


if __name__ == "__main__":
    main()
