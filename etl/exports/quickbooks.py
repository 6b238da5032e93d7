"""QuickBooks Online report exports (CSV) -> canonical clients, invoices, lines, credit memos,
payments.

Three reports, told apart by the title in the preamble, else by their columns:
- "Invoice List": one row per invoice (`Date, Num, Customer, Due Date, Amount, Open Balance`,
  maybe `Transaction Type, Memo/Description, Status, P.O. Number`): invoice headers, no lines.
- "Transaction Detail by Account": rows grouped under account sections (`Date, Transaction Type,
  Num, Name, Memo/Description, Split, Amount, Balance`, customised with `Product/Service, Qty,
  Rate, Class, Service Date, Due Date`): under Accounts Receivable an invoice's total and its
  payments, under a tax account its tax, under any other account one line of it.
- "Customer Balance Detail": rows grouped under customer sections (`Date, Transaction Type,
  Num, Due Date, Amount, Open Balance, Balance`): invoices, credit memos and payments.
Dates `MM/DD/YYYY` (US companies; the column decides), amounts like `"$4,250.00"`, negatives
with `-` or in parentheses. docs/import.md "Accounting exports" has the whole mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from etl.exports.cells import currency_code, detect_decimal_comma, parse_decimal
from etl.exports.ledger import (
    Document,
    KnownLedger,
    LedgerBatch,
    LedgerBuilder,
    money,
    money_text,
)
from etl.exports.names import clean, name_key
from etl.exports.reports import Report, detect_report, read_report
from etl.exports.table import ExportSpec, RowProblem

SOURCE = "qbo"
ALIASES = {
    "date": ("Date", "Transaction Date", "Txn Date", "Invoice Date"),
    "type": ("Transaction Type", "Type"),
    "num": ("Num", "No.", "Number", "Invoice No.", "Invoice #"),
    "customer": ("Customer", "Name", "Customer Name", "Customer full name"),
    "due_date": ("Due Date",),
    "amount": ("Amount", "Total", "Total Amount"),
    "open_balance": ("Open Balance", "Balance Due"),
    "balance": ("Balance",),
    "memo": ("Memo/Description", "Memo", "Description"),
    "status": ("Status", "Invoice Status"),
    "po_number": ("P.O. Number", "PO Number", "PO #"),
    "item": ("Product/Service", "Product/Service Name", "Item"),
    "quantity": ("Qty", "Quantity"),
    "rate": ("Rate", "Sales Price", "Unit Price"),
    "class": ("Class",),
    "split": ("Split",),
    "account": ("Account", "Account Name"),
    "currency": ("Currency",),
    "service_date": ("Service Date",),
}


def credit_memo_id(number: str) -> str:
    """QBO numbers credit memos in the invoice sequence, so a memo's id is `CM-<Num>`; a firm
    that numbers its memos `CM-7` already keeps that id (never `CM-CM-7`)."""
    return number if number[:2].upper() == "CM" else f"CM-{number}"


def _spec(*required: tuple[str, ...]) -> ExportSpec:
    return ExportSpec(SOURCE, ALIASES, required, "date", ("date", "amount"))


INVOICE_LIST = Report(
    "Invoice List",
    _spec(("date",), ("amount",), ("customer",), ("num",)),
    signature=("customer",),
    absent=("split", "balance"),
)
TRANSACTION_DETAIL = Report(
    "Transaction Detail by Account",
    _spec(("date",), ("amount",), ("type",), ("customer",), ("num",)),
    signature=("split",),
)
CUSTOMER_BALANCE = Report(
    "Customer Balance Detail",
    _spec(("date",), ("amount",), ("type",), ("num",)),
    signature=("balance",),
    absent=("customer", "split"),
)
REPORTS = (TRANSACTION_DETAIL, CUSTOMER_BALANCE, INVOICE_LIST)

_STATUS = {"paid": "paid", "closed": "paid", "deposited": "paid", "voided": "void", "void": "void"}
_AR = re.compile(r"accounts receivable|\ba/r\b", re.IGNORECASE)
_TAX = re.compile(r"\btax\b|\bvat\b|\bgst\b|\bhst\b", re.IGNORECASE)


def parse(path: Path, known: KnownLedger) -> LedgerBatch:
    """Detects the report from its header and maps its rows; ExportFormatError when none fits."""
    report = detect_report(Path(path), REPORTS, "QuickBooks Online")
    table, sections = read_report(Path(path), report)
    builder = LedgerBuilder(SOURCE, table, known, report)
    reader = _Rows(builder)
    parse_row = {
        INVOICE_LIST.title: reader.invoice_list_row,
        TRANSACTION_DETAIL.title: reader.transaction_detail_row,
        CUSTOMER_BALANCE.title: reader.customer_balance_row,
    }[report.title]
    for line, row, cells in table.records():
        try:
            parse_row(line, row, cells, sections.of(line))
        except RowProblem as problem:
            reader.problem(line, row, cells, str(problem))
    reader.fill_due_dates()
    return builder.batch()


class _Rows:
    """The row handlers of the three reports, sharing the cell parsing."""

    def __init__(self, builder: LedgerBuilder):
        self.b = builder
        table = builder.table
        self.dates = builder.entities.dates("date", "due_date", "service_date")
        self.decimal_comma = detect_decimal_comma(table.values("amount", "rate"))

    # ---- cells
    def _date(self, row: dict, field: str) -> str:
        return self.dates.iso(row[field], self.b.table.label(field))

    def _amount(self, row: dict, field: str = "amount") -> Decimal:
        return money(row[field], self.b.table.label(field), self.decimal_comma)

    def _kind(self, row: dict) -> str | None:
        """'invoice', 'credit memo', 'payment', or another QBO type (None when no column)."""
        return name_key(row["type"]) if self.b.table.has("type") else None

    def _client(self, name: str, row: dict, line: int) -> tuple[str | None, str]:
        """(client_id, project name): a sub-customer "Client:Project" is a QBO project."""
        parent, _, sub = name.partition(":")
        if not clean(parent):
            raise RowProblem(f"{self.b.table.label('customer')}: empty customer")
        currency = currency_code(row["currency"]) or self.b.table.header_currency
        return self.b.client(parent, currency, line), clean(sub)

    def _document(self, line, row, cells, customer: str, kind: str) -> tuple:
        number = row["num"]
        if not number:
            raise RowProblem(f"{self.b.table.label('num')}: empty invoice number")
        client_id, project = self._client(customer, row, line)
        credit = kind == "credit memo"
        doc = self.b.document(
            credit_memo_id(number) if credit else number,
            line,
            cells,
            client_id=client_id,
            issue_date=None,
            number=number,
            kind="credit_memo" if credit else "invoice",
            currency=currency_code(row["currency"]) or self.b.table.header_currency,
            po_number=row["po_number"] or None,
            status=_STATUS.get(name_key(row["status"]), "sent" if row["status"] else None),
        )
        issue = self._date(row, "date")
        if doc.header.get("issue_date") in (None, issue):
            doc.header["issue_date"] = issue
        if row["due_date"]:
            doc.header["due_date"] = self._date(row, "due_date")
        return doc, client_id, project, credit

    def problem(self, line: int, row: dict, cells: list[str], reason: str) -> None:
        """A bad row of a document quarantines the document; other rows quarantine alone."""
        kind = self._kind(row) or "invoice"
        number = row["num"]
        if number and kind in ("invoice", "credit memo"):
            doc_id = credit_memo_id(number) if kind == "credit memo" else number
            doc = self.b.documents.get(doc_id)
            if doc is None:
                doc = self.b.documents[doc_id] = _empty_document(doc_id)
            if not doc.rows or doc.rows[-1][0] != line:  # the row may be in it already
                doc.rows.append((line, cells))
            doc.problems.append((line, reason))
            return
        self.b.error("payments" if kind == "payment" else "invoices", line, reason, cells)

    def _payment(self, line: int, row: dict, customer: str, amount: Decimal) -> None:
        client_id, _ = self._client(customer, row, line)
        day = self._date(row, "date")
        self.b.payment(
            line,
            (day, name_key(customer), row["num"]),
            abs(amount),
            merge=bool(row["num"]),  # a payment without a reference number is never merged
            client_id=client_id,
            date=day,
            currency=currency_code(row["currency"]) or self.b.client_currency(client_id),
            reference=row["num"] or None,
        )

    # ---- the three reports
    def invoice_list_row(self, line, row, cells, section) -> None:
        kind = self._kind(row) or "invoice"
        if kind not in ("invoice", "credit memo"):
            self.b.skip(line, f"not an invoice or credit memo ({row['type']})", cells)
            return
        amount = self._amount(row)
        doc, *_, credit = self._document(line, row, cells, row["customer"], kind)
        doc.total = -abs(amount) if credit else amount

    def customer_balance_row(self, line, row, cells, section) -> None:
        kind = self._kind(row)
        if kind == "payment":
            self._payment(line, row, section, self._amount(row))
        elif kind in ("invoice", "credit memo"):
            amount = self._amount(row)
            doc, *_, credit = self._document(line, row, cells, section, kind)
            doc.total = -abs(amount) if credit else amount
        else:
            self.b.skip(line, f"not an invoice, credit memo or payment ({row['type']})", cells)

    def transaction_detail_row(self, line, row, cells, section) -> None:
        account = row["account"] or section
        kind = self._kind(row)
        if kind == "payment" and _AR.search(account):
            self._payment(line, row, row["customer"], self._amount(row))
            return
        if kind not in ("invoice", "credit memo"):
            reason = f"not an invoice or credit memo line ({row['type']} in {account or '?'})"
            self.b.skip(line, reason, cells)
            return
        amount = self._amount(row)
        doc, client_id, project, credit = self._document(line, row, cells, row["customer"], kind)
        signed = amount  # as shown; LedgerBuilder orients the document against its total
        if _AR.search(account):
            doc.total = -abs(amount) if credit else amount
        elif _TAX.search(account):
            doc.tax += signed
        else:
            self._service_period(doc.header, row)
            doc.lines.append(self._line(line, row, signed, client_id, project, credit, account))
            doc.lines[-1]["_line"] = line

    def _line(self, line, row, amount, client_id, project, credit, account) -> dict:
        label = self.b.table.label
        quantity = _optional_number(row["quantity"], label("quantity"), self.decimal_comma)
        rate = _optional_number(row["rate"], label("rate"), self.decimal_comma)
        item = row["item"]
        segments = [s.strip() for s in item.split(":") if s.strip()][::-1]
        names = (row["class"], item, *segments)
        project_id = self.b.known_project(client_id, *names)
        if project_id is None and project:
            project_id = self.b.project(client_id, row["customer"].partition(":")[0], project, line)
        texts = (item, account, row["memo"])
        return {
            "amount": money_text(amount),
            "_texts": texts,  # the kind is decided once the document's sign is known
            "_has_quantity": quantity is not None,
            "description": row["memo"] or item or None,
            "quantity": money_text(abs(quantity)) if quantity is not None else None,
            "unit_price": money_text(rate),
            "project_id": project_id,
            "person_id": self.b.known_person(row["class"], *segments),
        }

    def _service_period(self, header: dict, row: dict) -> None:
        """Line service dates bound the invoice's period (billing reads it as the months the
        invoice bills: docs/billing.md); without any, billing takes the month before issue."""
        if not row["service_date"]:
            return
        day = self._date(row, "service_date")
        header["period_start"] = min(header.get("period_start") or day, day)
        header["period_end"] = max(header.get("period_end") or day, day)

    def fill_due_dates(self) -> None:
        """A report without Due Date: the warehouse's due date, else issue + the client's terms."""
        for doc in self.b.documents.values():
            header = doc.header
            existing = self.b.known.invoices.get(doc.invoice_id, {})
            if header.get("due_date") or existing.get("due_date") or not header.get("issue_date"):
                continue
            issue = dt.date.fromisoformat(header["issue_date"])
            credit = header.get("kind") == "credit_memo"  # a credit is due at once
            days = 0 if credit else self.b.terms_days(header.get("client_id"))
            header["due_date"] = (issue + dt.timedelta(days=days)).isoformat()


def _empty_document(doc_id: str) -> Document:
    return Document(doc_id, {})


def _optional_number(value: str, label: str, decimal_comma: bool | None) -> Decimal | None:
    if not value:
        return None
    try:
        return parse_decimal(value, decimal_comma)
    except ValueError:
        raise RowProblem(f"{label}: cannot parse number {value!r}") from None
