"""Accounting exports at size: a QBO "Transaction Detail by Account" and a Xero "Invoices"
export of N invoices (3 lines each) across 500 customers, parsed and imported twice.

Prints parse time, import time, and the second (unchanged) import's time for each.
Run: .venv/bin/python bench/bench_accounting_exports.py [--invoices N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.accounting_import import import_accounting, parse_accounting
from etl.exports.ledger import KnownLedger
from etl.exports.names import KnownNames
from warehouse.db import connect

CUSTOMERS = 500
QBO_HEADER = "Date,Transaction Type,Num,Name,Memo/Description,Product/Service,Qty,Rate,Class,Split,Amount,Balance"
XERO_HEADER = (
    "ContactName,InvoiceNumber,Reference,InvoiceDate,DueDate,Total,TaxTotal,InventoryItemCode,"
    "Description,Quantity,UnitAmount,Discount,LineAmount,AccountCode,TaxType,TaxAmount,"
    "TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,Type,Status"
)


def _invoice(i: int) -> tuple[str, str, list[tuple[str, int, str]]]:
    """(customer, date, lines (item, hours, rate)) of invoice i."""
    customer = f"Customer {i % CUSTOMERS:03d}"
    day = f"{(i % 12) + 1:02d}/{(i % 28) + 1:02d}/2026"
    lines = [("Consulting:Development", 10 + i % 7, "150.00"), ("Consulting:Design", 3, "120.00")]
    return customer, day, lines


def write_qbo(path: Path, invoices: int) -> None:
    ar, income, discounts = [], [], []
    for i in range(invoices):
        customer, day, lines = _invoice(i)
        subtotal = sum(h * float(r) for _, h, r in lines)
        discount = round(subtotal * 0.05, 2)
        ar.append(
            f'{day},Invoice,{10000 + i},{customer},,,,,,-Split-,"{subtotal - discount:,.2f}",'
        )
        for item, hours, rate in lines:
            amount = hours * float(rate)
            income.append(
                f"{day},Invoice,{10000 + i},{customer},Work,{item},{hours},{rate},Project {i % 50},"
                f'A/R,"{amount:,.2f}",'
            )
        discounts.append(
            f"{day},Invoice,{10000 + i},{customer},Discount 5%,,,,,A/R,-{discount:.2f},"
        )
    sections = [
        ("Accounts Receivable (A/R)", ar),
        ("Consulting Income", income),
        ("Discounts given", discounts),
    ]
    out = ["Bench LLC", "Transaction Detail by Account", "", QBO_HEADER]
    for name, rows in sections:
        out += [name + ",,,,,,,,,,,", *rows, f"Total for {name},,,,,,,,,,0.00,"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_xero(path: Path, invoices: int) -> None:
    out = [XERO_HEADER]
    for i in range(invoices):
        customer, day, lines = _invoice(i)
        month, dom, year = day.split("/")
        xday = f"{dom}/{month}/{year}"
        total = sum(h * float(r) for _, h, r in lines)
        for item, hours, rate in lines:
            amount = hours * float(rate)
            out.append(
                f'{customer},INV-{i:06d},,{xday},{xday},"{total:,.2f}",0.00,,{item},{hours},{rate},,'
                f"{amount:.2f},200,NONE,0.00,Project,Project {i % 50},,,USD,Sales invoice,AUTHORISED"
            )
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"{label:<44} {time.perf_counter() - started:7.2f} s")
    return result


def bench_one(kind: str, path: Path, db: Path, n: int) -> None:
    lines = path.read_text().count("\n")
    print(f"{kind}: {n:,} invoices, {lines:,} lines in the file")
    batch = timed("  parse", lambda: parse_accounting(kind, path, KnownLedger(KnownNames())))
    print(f"  {batch.frames['invoice_lines'].height:,} invoice lines, errors {batch.errors}")
    con = connect(db)
    try:
        for label in ("import (new warehouse)", "import again (nothing changes)"):
            report = timed(f"  {label}", lambda: import_accounting(con, kind, path))
            print(
                "  "
                + "; ".join(" ".join(s.line().split("  (")[0].split()) for s in report.entities)
            )
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    n = parser.parse_args().invoices
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        qbo, xero = folder / "qbo_detail.csv", folder / "xero_invoices.csv"
        write_qbo(qbo, n)
        write_xero(xero, n)
        bench_one("quickbooks-csv", qbo, folder / "qbo.duckdb", n)
        bench_one("xero-csv", xero, folder / "xero.duckdb", n)


if __name__ == "__main__":
    main()
