"""QBO API objects -> the rows of a "Transaction Detail by Account" export -> the CSV
importer's mapping (etl/exports/quickbooks.py), so both land as the same canonical rows.

Per Invoice / CreditMemo: one row under Accounts Receivable with the total (a credit memo's
negative), one row per sales line (Product/Service = ItemRef.name, Class = ClassRef.name, Qty,
Rate = UnitPrice, Service Date), a negative "Discounts given" row per DiscountLineDetail (the
API gives the discount as a positive amount), one "Sales Tax Payable" row for TxnTaxDetail.
Sub-total and description-only lines carry no money; group lines are expanded. Payments: one
row under A/R (amount negative, Num = PaymentRefNum). A voided invoice (QBO keeps it with total
0 and "Voided" in its private note) and an invoice CDC reports deleted become status void.
Numbers arrive as Decimal (the JSON is parsed with parse_float=Decimal: money is never float).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from etl.exports import quickbooks
from etl.exports.ledger import KnownLedger, LedgerBatch, LedgerBuilder
from etl.exports.reports import Report
from etl.exports.table import RowProblem
from etl.sync.ledger_rows import api_table

REPORT = Report("QuickBooks Online API", quickbooks.TRANSACTION_DETAIL.spec, ("split",))
AR = "Accounts Receivable (A/R)"
INCOME = "Income"
DISCOUNTS = "Discounts given"
TAX = "Sales Tax Payable"
ZERO = Decimal(0)


def document_number(obj: dict[str, Any]) -> str:
    """Our invoice_id for a QBO document: its DocNumber, as the CSV exports show it."""
    return str(obj.get("DocNumber") or f"qbo-{obj['Id']}")


def local_invoice_id(obj: dict[str, Any], credit: bool) -> str:
    number = document_number(obj)
    return f"CM-{number}" if credit else number


def _ref(obj: dict[str, Any] | None, key: str = "name") -> str:
    return str((obj or {}).get(key) or "")


def _po_number(obj: dict[str, Any]) -> str:
    for custom in obj.get("CustomField") or []:
        name = str(custom.get("Name") or "").lower().replace(".", "")
        if "po" in name.split() or name.startswith("po number"):
            return str(custom.get("StringValue") or "")
    return ""


def _status(obj: dict[str, Any], credit: bool) -> str:
    total = Decimal(obj.get("TotalAmt") or 0)
    if "voided" in str(obj.get("PrivateNote") or "").lower() and total == 0:
        return "Voided"
    if not credit and total > 0 and Decimal(obj.get("Balance") or 0) == 0:
        return "Paid"
    return "Open"


def _sales_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in lines or []:
        kind = line.get("DetailType")
        if kind == "GroupLineDetail":
            out += _sales_lines((line.get("GroupLineDetail") or {}).get("Line") or [])
        elif kind in ("SalesItemLineDetail", "DiscountLineDetail"):
            out.append(line)
    return out


def document_rows(obj: dict[str, Any], credit: bool) -> list[dict[str, Any]]:
    """The export rows of one Invoice or CreditMemo."""
    sign = -1 if credit else 1
    base = {
        "date": obj.get("TxnDate"),
        "type": "Credit Memo" if credit else "Invoice",
        "num": document_number(obj),
        "customer": _ref(obj.get("CustomerRef")),
        "due_date": obj.get("DueDate"),
        "currency": _ref(obj.get("CurrencyRef"), "value"),
        "status": _status(obj, credit),
        "po_number": _po_number(obj),
    }
    rows = [base | {"account": AR, "amount": sign * Decimal(obj.get("TotalAmt") or 0)}]
    for line in _sales_lines(obj.get("Line") or []):
        amount = Decimal(line.get("Amount") or 0)
        if line.get("DetailType") == "DiscountLineDetail":
            memo = line.get("Description") or "Discount"
            rows.append(base | {"account": DISCOUNTS, "memo": memo, "amount": -sign * amount})
            continue
        detail = line.get("SalesItemLineDetail") or {}
        rows.append(
            base
            | {
                "account": INCOME,
                "memo": line.get("Description"),
                "item": _ref(detail.get("ItemRef")),
                "quantity": detail.get("Qty"),
                "rate": detail.get("UnitPrice"),
                "class": _ref(detail.get("ClassRef")),
                "service_date": detail.get("ServiceDate"),
                "amount": sign * amount,
            }
        )
    tax = Decimal((obj.get("TxnTaxDetail") or {}).get("TotalTax") or 0)
    if tax:
        rows.append(base | {"account": TAX, "memo": "Sales tax", "amount": sign * tax})
    return rows


def voided_rows(invoice_id: str, header: dict[str, Any]) -> list[dict[str, Any]]:
    """A deleted document we hold: its header again, status void, no lines."""
    credit = header.get("kind") == "credit_memo"
    return [
        {
            "date": header.get("issue_date"),
            "type": "Credit Memo" if credit else "Invoice",
            "num": invoice_id.removeprefix("CM-") if credit else invoice_id,
            "customer": header.get("_customer") or "",
            "status": "Voided",
            "account": AR,
            "amount": header.get("total") or "0",
        }
    ]


def payment_rows(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "date": obj.get("TxnDate"),
            "type": "Payment",
            "num": obj.get("PaymentRefNum") or "",
            "customer": _ref(obj.get("CustomerRef")),
            "currency": _ref(obj.get("CurrencyRef"), "value"),
            "account": AR,
            "amount": -Decimal(obj.get("TotalAmt") or 0),
        }
    ]


def to_batch(rows: list[dict[str, Any]], known: KnownLedger, label: str) -> LedgerBatch:
    """The rows through the CSV importer's row handler, as one batch."""
    table = api_table(label, quickbooks.ALIASES, rows)
    builder = LedgerBuilder(quickbooks.SOURCE, table, known, REPORT)
    reader = quickbooks._Rows(builder)
    for line, row, cells in table.records():
        try:
            reader.transaction_detail_row(line, row, cells, "")
        except RowProblem as problem:
            reader.problem(line, row, cells, str(problem))
    reader.fill_due_dates()
    return builder.batch()
