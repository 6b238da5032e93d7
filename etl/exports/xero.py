"""Xero CSV exports -> canonical clients, invoices, lines, credit notes, payments.

Three layouts, told apart by their columns (and a report title in the preamble):
- the "Invoices" export (Sales > Invoices > Export; the same columns as Xero's import template,
  headers sometimes starred like `*ContactName`): one row per line item, `ContactName,
  InvoiceNumber, Reference, InvoiceDate, DueDate, Total, TaxTotal, InventoryItemCode,
  Description, Quantity, UnitAmount, Discount, LineAmount, AccountCode, TaxType, TaxAmount,
  TrackingName1, TrackingOption1, TrackingName2, TrackingOption2, Currency, Type, Status`.
  Credit notes come in the same layout (`Type` "Sales credit note", numbers like `CN-0003`).
- "Receivable Invoice Detail" (a report: `Invoice Date, Invoice Number, Contact, Reference, Due
  Date, Total, Paid, Credited, Due, Status`): invoice headers, no lines.
- "Payments" (`Date, Contact, Invoice Number, Reference, Amount, Currency`): one row per
  payment.
Dates `31/03/2026` (day first unless the column proves otherwise) or `31 Mar 2026`.
docs/import.md "Accounting exports" has the whole mapping.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from etl.exports.cells import currency_code, detect_decimal_comma, parse_decimal
from etl.exports.ledger import (
    Document,
    KnownLedger,
    LedgerBatch,
    LedgerBuilder,
    cents,
    money,
    money_text,
)
from etl.exports.names import clean, name_key
from etl.exports.reports import Report, detect_report, read_report
from etl.exports.table import ExportSpec, RowProblem

SOURCE = "xero"


def _names(*names: str) -> tuple[str, ...]:
    """Each header name as exported and as the import template stars it (`*ContactName`)."""
    return tuple(n for name in names for n in (name, f"*{name}"))


ALIASES = {
    "contact": _names("ContactName", "Contact", "Contact Name", "Name"),
    "number": _names("InvoiceNumber", "Invoice Number", "CreditNoteNumber", "Number"),
    "reference": _names("Reference", "Ref"),
    "date": _names("InvoiceDate", "Invoice Date", "Date", "Payment Date"),
    "due_date": _names("DueDate", "Due Date"),
    "total": _names("Total", "Invoice Total"),
    "tax_total": _names("TaxTotal", "Tax Total"),
    "item": _names("InventoryItemCode", "ItemCode", "Item Code"),
    "description": _names("Description"),
    "quantity": _names("Quantity", "Qty"),
    "unit": _names("UnitAmount", "Unit Amount", "Unit Price"),
    "discount": _names("Discount", "DiscountRate", "Disc %"),
    "line_amount": _names("LineAmount", "Line Amount"),
    "account": _names("AccountCode", "Account Code", "Account"),
    "tax_amount": _names("TaxAmount", "Tax Amount"),
    "tracking_name1": _names("TrackingName1"),
    "tracking_option1": _names("TrackingOption1"),
    "tracking_name2": _names("TrackingName2"),
    "tracking_option2": _names("TrackingOption2"),
    "currency": _names("Currency", "CurrencyCode", "Currency Code"),
    "type": _names("Type", "Invoice Type"),
    "status": _names("Status"),
    "amount": _names("Amount", "Payment Amount", "Amount Paid"),
    "credited": _names("Credited"),
}


def _spec(*required: tuple[str, ...]) -> ExportSpec:
    return ExportSpec(SOURCE, ALIASES, required, "date", ("date", "total", "line_amount", "unit"))


INVOICES = Report(
    "Invoices",
    _spec(("contact",), ("date",), ("line_amount", "unit"), ("number",)),
    signature=("description",),
    titled=False,
)
RECEIVABLE_DETAIL = Report(
    "Receivable Invoice Detail",
    _spec(("contact",), ("date",), ("total",), ("number",)),
    signature=("total",),
    absent=("description", "unit", "line_amount"),
)
PAYMENTS = Report(
    "Payments",
    _spec(("contact",), ("date",), ("amount",), ("number", "reference")),
    signature=("amount",),
    absent=("description", "total"),
)
# Aged Receivables Detail: one row per open invoice under a section row naming the contact; its
# `Reference` column is the invoice number (`Date, Reference, Due Date, <overdue>, Total, Paid,
# Credited, Due`).
AGED_DETAIL = Report(
    "Aged Receivables Detail",
    _spec(("date",), ("total",), ("number", "reference")),
    signature=("total",),
    absent=("contact", "description", "unit", "line_amount", "amount"),
)
REPORTS = (INVOICES, RECEIVABLE_DETAIL, PAYMENTS, AGED_DETAIL)

_STATUS = {
    "draft": "draft",
    "submitted": "draft",
    "authorised": "sent",
    "authorized": "sent",
    "paid": "paid",
    "voided": "void",
    "deleted": "void",
    # the words Xero's screens and reports use for the same states
    "awaiting approval": "draft",
    "awaiting payment": "sent",
    "overdue": "sent",
    "void": "void",
}
PROJECT_CATEGORIES = {"project", "projects", "job", "jobs", "engagement"}
PERSON_CATEGORIES = {"person", "people", "staff", "employee", "consultant", "team member"}


def parse(path: Path, known: KnownLedger) -> LedgerBatch:
    """Detects the layout from its header and maps its rows; ExportFormatError when none fits."""
    report = detect_report(Path(path), REPORTS, "Xero")
    table, sections = read_report(Path(path), report)
    builder = LedgerBuilder(SOURCE, table, known, report)
    reader = _Rows(builder)
    handle = reader.payment_row if report is PAYMENTS else reader.document_row
    for line, row, cells in table.records():
        if report is AGED_DETAIL:
            row = _aged_row(row, sections.of(line))
        try:
            handle(line, row, cells, with_lines=report is INVOICES)
        except RowProblem as problem:
            reader.problem(line, row, cells, str(problem), report)
    reader.link_credit_notes()
    return builder.batch()


def _aged_row(row: dict, contact: str) -> dict:
    """An Aged Receivables Detail row as a Receivable Invoice Detail row: the contact from the
    section it sits in, the invoice number from `Reference` when there is no number column."""
    row = {**row, "contact": contact}
    if not row["number"]:
        row["number"], row["reference"] = row["reference"], ""
    return row


class _Rows:
    def __init__(self, builder: LedgerBuilder):
        self.b = builder
        table = builder.table
        self.dates = builder.entities.dates("date", "due_date", default_order="DMY")
        self.decimal_comma = detect_decimal_comma(
            table.values("total", "unit", "line_amount", "amount", "tax_amount")
        )

    def _date(self, row: dict, field: str) -> str:
        return self.dates.iso(row[field], self.b.table.label(field))

    def _money(self, row: dict, field: str) -> Decimal:
        return money(row[field], self.b.table.label(field), self.decimal_comma)

    def _number(self, row: dict, field: str) -> Decimal | None:
        if not row[field]:
            return None
        try:
            return parse_decimal(row[field], self.decimal_comma)
        except ValueError:
            label = self.b.table.label(field)
            raise RowProblem(f"{label}: cannot parse number {row[field]!r}") from None

    def _client(self, row: dict, line: int) -> str | None:
        if not clean(row["contact"]):
            raise RowProblem(f"{self.b.table.label('contact')}: empty contact")
        currency = currency_code(row["currency"]) or self.b.table.header_currency
        return self.b.client(row["contact"], currency, line)

    @staticmethod
    def _is_credit(row: dict) -> bool:
        kind = name_key(row["type"])
        if kind:
            return "credit" in kind
        return name_key(row["number"]).startswith("cn")

    def problem(self, line, row, cells, reason, report) -> None:
        if report is PAYMENTS or not row["number"]:
            entity = "payments" if report is PAYMENTS else "invoices"
            self.b.error(entity, line, reason, cells)
            return
        doc = self.b.documents.get(row["number"])
        if doc is None:
            doc = self.b.documents[row["number"]] = Document(row["number"], {})
        if not doc.rows or doc.rows[-1][0] != line:  # the row may be in it already
            doc.rows.append((line, cells))
        doc.problems.append((line, reason))

    def document_row(self, line, row, cells, with_lines: bool) -> None:
        kind = name_key(row["type"])
        if "bill" in kind or "accpay" in kind or "purchase" in kind:
            self.b.skip(line, f"not a sales document ({row['type']})", cells)
            return
        if not row["number"]:
            raise RowProblem(f"{self.b.table.label('number')}: empty invoice number")
        credit = self._is_credit(row)
        client_id = self._client(row, line)
        doc = self.b.document(
            row["number"],
            line,
            cells,
            client_id=client_id,
            issue_date=self._date(row, "date"),
            due_date=self._date(row, "due_date") if row["due_date"] else None,
            number=row["number"],
            kind="credit_memo" if credit else "invoice",
            currency=currency_code(row["currency"]) or self.b.table.header_currency,
            po_number=None if credit else row["reference"] or None,
            status=_STATUS.get(name_key(row["status"])),
        )
        if credit and row["reference"]:
            doc.header["_credits"] = row["reference"]
        if row["total"]:
            total = self._money(row, "total")
            doc.total = -abs(total) if credit else total
        if with_lines:
            self._line(doc, line, row, client_id, credit)
            doc.lines[-1]["_line"] = line

    def _line(self, doc: Document, line: int, row: dict, client_id: str | None, credit: bool):
        quantity, unit = self._number(row, "quantity"), self._number(row, "unit")
        if row["line_amount"]:
            amount = self._money(row, "line_amount")
        elif quantity is not None and unit is not None:
            discount = self._number(row, "discount") or Decimal(0)
            amount = cents(quantity * unit * (1 - discount / 100))
        else:
            raise RowProblem(f"{self.b.table.label('unit')}: no line amount")
        tax = self._number(row, "tax_amount") or Decimal(0)
        amount = -abs(amount) if credit else amount
        doc.tax += -abs(tax) if credit else tax
        project_id, person_id, others = self._tracking(row, client_id, line)
        candidates = (row["item"], *others)
        project_id = project_id or self.b.known_project(client_id, *candidates)
        person_id = person_id or self.b.known_person(*candidates)
        texts = (row["item"], row["description"])
        doc.lines.append(
            {
                "amount": money_text(amount),
                "_texts": texts,
                "_has_quantity": quantity is not None,
                "description": row["description"] or row["item"] or None,
                "quantity": money_text(abs(quantity)) if quantity is not None else None,
                "unit_price": money_text(unit),
                "project_id": project_id,
                "person_id": person_id,
            }
        )

    def _tracking(self, row: dict, client_id: str | None, line: int) -> tuple:
        """Project and person from tracking categories named like them; other options are
        matched against known projects and people by name."""
        project_id = person_id = None
        others = []
        for i in ("1", "2"):
            category, option = name_key(row[f"tracking_name{i}"]), row[f"tracking_option{i}"]
            if not clean(option):
                continue
            if category in PROJECT_CATEGORIES:
                project_id = self.b.known_project(client_id, option) or self.b.project(
                    client_id, row["contact"], option, line
                )
            elif category in PERSON_CATEGORIES:
                person_id = self.b.known_person(option)
                if person_id is None:
                    self.b.unmatched_people.add(clean(option))
            else:
                others.append(option)
        return project_id, person_id, others

    def payment_row(self, line, row, cells, with_lines: bool) -> None:
        client_id = self._client(row, line)
        day = self._date(row, "date")
        amount = self._money(row, "amount")
        number = row["number"]
        self.b.payment(
            line,
            (day, name_key(row["contact"]), number, row["reference"]),
            amount,
            client_id=client_id,
            date=day,
            currency=currency_code(row["currency"]) or self.b.client_currency(client_id),
            reference=row["reference"] or number or None,
            invoice_id=number or None,
        )

    def link_credit_notes(self) -> None:
        """A credit note whose Reference is an invoice number (this file's or the warehouse's)
        credits that invoice."""
        by_number = {
            name_key(h.get("number") or i): i
            for i, h in self.b.known.invoices.items()
            if (h.get("kind") or "invoice") == "invoice"
        }
        by_number |= {
            name_key(d.header.get("number") or d.invoice_id): d.invoice_id
            for d in self.b.documents.values()
            if d.header.get("kind") == "invoice"
        }
        for doc in self.b.documents.values():
            reference = doc.header.pop("_credits", None)
            if reference:
                doc.header["credits_invoice_id"] = by_number.get(name_key(reference))
