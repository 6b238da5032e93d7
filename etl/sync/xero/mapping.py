"""Xero API objects -> the rows of Xero's "Invoices" and "Payments" exports -> the CSV
importer's mapping (etl/exports/xero.py): one row per line item (Tracking categories named
Project/Staff pick the project and person, as in the export), credit notes as "Sales credit
note" rows, payments as rows of the Payments export. Dates come as .NET `/Date(ms+0000)/` or
ISO strings (`DateString`); both are read. Numbers arrive as Decimal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from etl.exports import xero
from etl.exports.ledger import KnownLedger, LedgerBatch, LedgerBuilder
from etl.exports.table import RowProblem
from etl.sync.ledger_rows import api_table

_NET = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def instant(value: object) -> datetime | None:
    """A Xero timestamp (.NET or ISO) as an aware UTC datetime."""
    if not value:
        return None
    text = str(value)
    found = _NET.fullmatch(text)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, UTC)
    parsed = datetime.fromisoformat(text.replace(" ", "T"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(obj: dict[str, Any], key: str) -> str | None:
    """`Date`/`DueDate` as YYYY-MM-DD, from `<key>String` when given, else the .NET form."""
    value = obj.get(f"{key}String") or obj.get(key)
    when = instant(value)
    return when.date().isoformat() if when else None


def _tracking(line: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, category in enumerate((line.get("Tracking") or [])[:2], 1):
        out[f"tracking_name{i}"] = category.get("Name") or ""
        out[f"tracking_option{i}"] = category.get("Option") or ""
    return out


def document_rows(obj: dict[str, Any], credit: bool) -> list[dict[str, Any]]:
    """The Invoices-export rows of one ACCREC Invoice or CreditNote (one per line item; one
    header-only row when it has none)."""
    number = obj.get("CreditNoteNumber" if credit else "InvoiceNumber") or obj.get(
        "CreditNoteID" if credit else "InvoiceID"
    )
    base = {
        "contact": (obj.get("Contact") or {}).get("Name"),
        "number": number,
        "reference": obj.get("Reference"),
        "date": day(obj, "Date"),
        "due_date": day(obj, "DueDate") or day(obj, "Date"),
        "total": obj.get("Total"),
        "currency": obj.get("CurrencyCode"),
        "type": "Sales credit note" if credit else "Sales invoice",
        "status": obj.get("Status"),
    }
    rows = []
    for line in obj.get("LineItems") or []:
        rows.append(
            base
            | _tracking(line)
            | {
                "item": line.get("ItemCode"),
                "description": line.get("Description"),
                "quantity": line.get("Quantity"),
                "unit": line.get("UnitAmount"),
                "discount": line.get("DiscountRate"),
                "line_amount": line.get("LineAmount"),
                "account": line.get("AccountCode"),
                "tax_amount": line.get("TaxAmount"),
                "_with_lines": True,
            }
        )
    return rows or [base | {"_with_lines": False}]


def payment_rows(obj: dict[str, Any]) -> list[dict[str, Any]]:
    invoice = obj.get("Invoice") or {}
    return [
        {
            "contact": (invoice.get("Contact") or {}).get("Name"),
            "date": day(obj, "Date"),
            "amount": obj.get("Amount"),
            "number": invoice.get("InvoiceNumber"),
            "reference": obj.get("Reference"),
            "currency": invoice.get("CurrencyCode"),
        }
    ]


def to_batch(
    documents: list[dict[str, Any]], payments: list[dict[str, Any]], known: KnownLedger
) -> LedgerBatch:
    """Documents through the Invoices export's handler, payments through the Payments one."""
    builder: LedgerBuilder | None = None
    table = api_table("xero-api", xero.ALIASES, documents + payments)
    builder = LedgerBuilder(xero.SOURCE, table, known, xero.INVOICES)
    reader = xero._Rows(builder)
    flags = [r.get("_with_lines") for r in documents] + [None] * len(payments)
    for (line, row, cells), with_lines in zip(table.records(), flags, strict=True):
        report = xero.PAYMENTS if with_lines is None else xero.INVOICES
        try:
            if with_lines is None:
                reader.payment_row(line, row, cells, with_lines=False)
            else:
                reader.document_row(line, row, cells, with_lines=bool(with_lines))
        except RowProblem as problem:
            reader.problem(line, row, cells, str(problem), report)
    reader.link_credit_notes()
    return builder.batch()
