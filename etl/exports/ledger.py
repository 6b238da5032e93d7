"""Shared machinery for accounting exports (QuickBooks Online, Xero): documents, lines, payments.

An accounting export is read like a tracker export (etl.exports.table: header found by name,
preamble, Total rows and footers skipped), then its rows are grouped into documents: an invoice
or credit note with its lines, or a payment. A document with any bad row is quarantined whole
(a partial invoice would not add up); every other document loads. docs/import.md
"Accounting exports" records the mapping.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from etl.exports.batch import BatchBuilder
from etl.exports.cells import parse_decimal
from etl.exports.names import KnownNames, _rows, clean, name_key
from etl.exports.reports import Report
from etl.exports.table import RowError, RowProblem, Table

CENT = Decimal("0.01")
LEDGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "invoices": (
        "invoice_id",
        "client_id",
        "issue_date",
        "due_date",
        "currency",
        "total",
        "number",
        "status",
        "po_number",
        "kind",
        "credits_invoice_id",
        "period_start",
        "period_end",
    ),
    "invoice_lines": (
        "invoice_id",
        "line_no",
        "amount",
        "kind",
        "description",
        "quantity",
        "unit_price",
        "project_id",
        "person_id",
        "entry_ids",
    ),
    "payments": (
        "payment_id",
        "client_id",
        "date",
        "amount",
        "currency",
        "reference",
        "invoice_id",
    ),
}
# Parents before children: new clients and projects exist before the documents naming them.
LEDGER_ENTITIES = ("clients", "projects", "invoices", "invoice_lines", "payments")
DEFAULT_TERMS_DAYS = 30


@dataclass
class KnownLedger:
    """What the warehouse already holds about clients' terms and currencies, and invoices."""

    names: KnownNames
    client_currency: dict[str, str] = field(default_factory=dict)  # client_id -> currency
    client_terms: dict[str, int] = field(default_factory=dict)  # client_id -> days
    invoices: dict[str, dict[str, str | None]] = field(default_factory=dict)  # id -> header
    lines: dict[tuple[str, str], dict[str, str | None]] = field(default_factory=dict)

    @classmethod
    def from_duckdb(cls, con) -> KnownLedger:
        clients = _rows(con, "clients", ("client_id", "currency", "payment_terms_days"))
        invoices = _rows(con, "invoices", LEDGER_COLUMNS["invoices"])
        lines = _rows(con, "invoice_lines", LEDGER_COLUMNS["invoice_lines"])
        return cls(
            KnownNames.from_duckdb(con),
            {i: c for i, c, _ in clients if c},
            {i: int(t) for i, _, t in clients if t},
            {r[0]: dict(zip(LEDGER_COLUMNS["invoices"], r)) for r in invoices},
            {(r[0], r[1]): dict(zip(LEDGER_COLUMNS["invoice_lines"], r)) for r in lines},
        )


@dataclass
class LedgerBatch:
    report: str  # e.g. "QuickBooks Online Invoice List"
    frames: dict[str, pl.DataFrame]  # keys of LEDGER_ENTITIES
    errors: dict[str, list[RowError]]  # entity -> quarantined rows
    skipped: list[RowError]
    warnings: list[str]


# ---------------------------------------------------------------- cells


def money(value: str, label: str, decimal_comma: bool | None = None) -> Decimal:
    """An amount cell: '$4,250.00', '(1,200.00)', '-75.5', '1.234,50'; RowProblem otherwise."""
    if not value:
        raise RowProblem(f"{label}: empty amount")
    try:
        return parse_decimal(value, decimal_comma)
    except ValueError:
        raise RowProblem(f"{label}: cannot parse amount {value!r}") from None


def optional_money(value: str, label: str, decimal_comma: bool | None = None) -> Decimal | None:
    return money(value, label, decimal_comma) if value else None


def money_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def document_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


# Most specific first: "Retainer overage" is an overage, "Rush hours on retainer" rush.
_KIND_WORDS = tuple(
    (re.compile(rf"\b{pattern}", re.IGNORECASE), kind)
    for pattern, kind in (
        ("discount", "discount"),
        ("overage", "overage"),
        ("rush", "rush"),
        ("fixed[- ]fee", "fixed_fee"),
        ("milestone", "milestone"),
        ("retainer", "retainer_fee"),
        ("reimburs", "expense"),
        ("expense", "expense"),
    )
)


def line_kind(
    texts: tuple[str, ...], amount: Decimal, has_quantity: bool, credit: bool
) -> str | None:
    """The canonical line kind from the words (at a word's start) of the item, the account and
    the description, in that order: the first text with such a word decides; else a negative
    line on an invoice is a discount, a line with a quantity `time` (services firms bill
    hours), anything else has no kind. Every line of a credit note is `credit`."""
    if credit:
        return "credit"
    for text in texts:
        for pattern, kind in _KIND_WORDS:
            if pattern.search(text):
                return kind
    if amount < 0:
        return "discount"
    return "time" if has_quantity else None


# ---------------------------------------------------------------- building the batch


@dataclass
class Document:
    """An invoice or credit note being assembled from its rows."""

    invoice_id: str
    header: dict[str, str | None]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # every row of it
    lines: list[dict[str, str | None]] = field(default_factory=list)
    total: Decimal | None = None  # as the export states it, when it does
    tax: Decimal = Decimal(0)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


class LedgerBuilder:
    """Clients and projects through BatchBuilder (matched by name first); documents here."""

    def __init__(self, source: str, table: Table, known: KnownLedger, report: Report):
        self.source, self.table, self.known, self.report = source, table, known, report
        self.entities = BatchBuilder(source, table, known.names)
        self.documents: dict[str, Document] = {}
        self.payments: list[dict[str, str | None]] = []
        self.errors: dict[str, list[RowError]] = {}
        self.skipped: list[RowError] = list(table.skipped)
        self._merged_payments: dict[tuple[str, ...], dict] = {}
        self.unmatched_people: set[str] = set()

    # ---- entities
    def client(self, name: str, currency: str | None, line: int) -> str | None:
        return self.entities.client(name, currency, line)

    def known_project(self, client_id: str | None, *names: str) -> str | None:
        """A project of the client named (or coded) like one of `names`; never creates one."""
        known = self.known.names
        for name in names:
            key = name_key(name)
            if not key:
                continue
            found = known.projects.get((client_id or "", key)) or known.project_codes.get(key)
            if found:
                return found
            new = self.entities._resolved.get(("project", client_id or "", key))
            if new:
                return new
        return None

    def project(self, client_id: str | None, client: str, name: str, line: int) -> str | None:
        """The named project of the client, created when the export names it as a project."""
        return self.entities.project(client_id, client, name, "", line)

    def known_person(self, *names: str) -> str | None:
        for name in names:
            found = self.known.names.people_by_name.get(name_key(name))
            if found:
                return found
        return None

    def client_currency(self, client_id: str | None) -> str:
        return self.known.client_currency.get(client_id or "") or self.known.names.default_currency

    def terms_days(self, client_id: str | None) -> int:
        return self.known.client_terms.get(client_id or "", DEFAULT_TERMS_DAYS)

    # ---- rows
    def error(self, entity: str, line: int, reason: str, cells: list[str]) -> None:
        row = RowError(self.table.file, line, reason, self.table.raw(cells))
        self.errors.setdefault(entity, []).append(row)

    def skip(self, line: int, reason: str, cells: list[str]) -> None:
        self.skipped.append(RowError(self.table.file, line, reason, self.table.raw(cells)))

    def document(self, invoice_id: str, line: int, cells: list[str], **header) -> Document:
        doc = self.documents.get(invoice_id)
        if doc is None:
            doc = self.documents[invoice_id] = Document(invoice_id, dict(header))
        else:
            for key, value in header.items():
                if value and not doc.header.get(key):
                    doc.header[key] = value
            if header.get("client_id") and doc.header.get("client_id") != header["client_id"]:
                doc.problems.append((line, f"{invoice_id}: names another customer than its rows"))
        doc.rows.append((line, cells))
        return doc

    def payment(
        self, line: int, key: tuple[str, ...], amount: Decimal, merge: bool = False, **values
    ) -> None:
        """A payment; its id hashes `key` (date, customer, number, …) and the amount, plus a
        counter for exact repeats. With `merge`, rows with the same key are one payment whose
        amount is their sum (a QBO payment applied to several invoices may come as one row per
        invoice in one report and as one row in another)."""
        if merge and key in self._merged_payments:
            self._merged_payments[key]["_amount"] += amount
            return
        payment = {"_line": line, "_key": key, "_amount": amount, **values}
        if merge:
            self._merged_payments[key] = payment
        self.payments.append(payment)

    def _payment_rows(self) -> list[dict]:
        counts: dict[str, int] = {}
        rows = []
        for payment in self.payments:
            amount = money_text(payment["_amount"])
            base = f"{self.source}-payment-{document_id(self.source, *payment['_key'], amount)}"
            counts[base] = counts.get(base, 0) + 1
            payment_id = base if counts[base] == 1 else f"{base}-{counts[base]}"
            rows.append(payment | {"payment_id": payment_id, "amount": amount})
        return rows

    # ---- output
    def _finish(self, doc: Document) -> tuple[dict, list[dict]] | None:
        """The invoice row and its lines, or None after quarantining the whole document."""
        problems = list(doc.problems)
        _orient(doc)
        lines_sum = sum((Decimal(x["amount"]) for x in doc.lines), Decimal(0))
        total = doc.total
        if total is None:
            total = lines_sum + doc.tax if doc.lines else None
        elif not problems and doc.lines and total not in (lines_sum, lines_sum + doc.tax):
            reason = (
                f"{doc.invoice_id}: lines add up to {money_text(lines_sum)} "
                f"(+ tax {money_text(doc.tax)}), the export's total is {money_text(total)}"
            )
            problems.append((doc.rows[0][0], reason))
        if total is None and not problems:
            problems.append((doc.rows[0][0], f"{doc.invoice_id}: no amount"))
        if problems:
            first_line, first_reason = problems[0]
            entity = "invoice_lines" if doc.lines else "invoices"
            for line, cells in doc.rows:
                own = [r for n, r in problems if n == line]
                reason = "; ".join(own) if own else f"{first_reason} (line {first_line})"
                self.error(entity, line, reason, cells)
            return None
        credit = doc.header.get("kind") == "credit_memo"
        lines = []
        for line in doc.lines:
            amount = Decimal(line["amount"])
            kind = line_kind(line["_texts"], amount, line["_has_quantity"], credit)
            kept = {k: v for k, v in line.items() if k not in ("_texts", "_has_quantity")}
            lines.append(kept | {"kind": kind})
        return self._merged_header(doc, total), lines

    def _merged_header(self, doc: Document, total: Decimal) -> dict:
        """This export's header fields; what it does not carry keeps the warehouse's value."""
        header = dict(doc.header)
        header["invoice_id"] = doc.invoice_id
        header["total"] = money_text(total)
        existing = self.known.invoices.get(doc.invoice_id, {})
        for column in LEDGER_COLUMNS["invoices"]:
            if not header.get(column) and existing.get(column):
                header[column] = existing[column]
        if not header.get("currency"):
            header["currency"] = self.client_currency(header.get("client_id"))
        header["_line"] = doc.rows[0][0]
        return header

    def _merged_line(self, line: dict) -> dict:
        """A line keeps the warehouse's project, person and entry ids where the export has
        none (an invoice approved here, then read back from the accounting system)."""
        existing = self.known.lines.get((line["invoice_id"], line["line_no"]), {})
        for column in ("project_id", "person_id", "entry_ids"):
            if not line.get(column) and existing.get(column):
                line[column] = existing[column]
        return line

    def batch(self) -> LedgerBatch:
        invoices, lines = [], []
        for doc in self.documents.values():
            finished = self._finish(doc)
            if finished is None:
                continue
            header, doc_lines = finished
            invoices.append(header)
            for number, row in enumerate(doc_lines, 1):
                line = row | {"invoice_id": doc.invoice_id, "line_no": str(number)}
                lines.append(self._merged_line(line))
        base = self.entities.batch()
        frames = {
            "clients": base.frames["clients"],
            "projects": base.frames["projects"],
            "invoices": _frame("invoices", invoices, self.table.file),
            "invoice_lines": _frame("invoice_lines", lines, self.table.file),
            "payments": _frame("payments", self._payment_rows(), self.table.file),
        }
        warnings = list(base.warnings)
        if self.unmatched_people:
            names = ", ".join(sorted(self.unmatched_people))
            warnings.append(f"{self.table.file}: no known person named {names}: lines kept without")
        bad = [e for e in self.entities.errors]  # table.bad: unreadable records
        if bad:
            self.errors.setdefault(self.main_entity(), []).extend(bad)
        return LedgerBatch(self.report.title, frames, self.errors, self.skipped, warnings)

    def main_entity(self) -> str:
        if self.payments and not self.documents:
            return "payments"
        return "invoice_lines" if any(d.lines for d in self.documents.values()) else "invoices"


def _orient(doc: Document) -> None:
    """Negates the lines and tax of a document whose export shows them with the opposite sign
    to its total (a ledger report may show income as credits, i.e. negative, against a positive
    receivable); without a stated total, an invoice's lines must add up to a positive amount
    and a credit note's to a negative one."""
    if not doc.lines:
        return
    lines_sum = sum((Decimal(x["amount"]) for x in doc.lines), Decimal(0))
    shown = (lines_sum, lines_sum + doc.tax)
    if doc.total is not None:
        flip = doc.total != 0 and doc.total not in shown and -doc.total in shown
    else:
        credit = doc.header.get("kind") == "credit_memo"
        flip = shown[1] > 0 if credit else shown[1] < 0
    if flip:
        for line in doc.lines:
            line["amount"] = money_text(-Decimal(line["amount"]))
        doc.tax = -doc.tax


def _frame(name: str, rows: list[dict], file: str) -> pl.DataFrame:
    columns = LEDGER_COLUMNS[name]
    schema = dict.fromkeys(columns, pl.Utf8) | {"_line": pl.Int64}
    data = [[r.get(c) or None for c in columns] + [r["_line"]] for r in rows]
    frame = pl.DataFrame(data, schema=schema, orient="row")
    return frame.with_columns(_file=pl.lit(file, dtype=pl.Utf8))


__all__ = [
    "LEDGER_ENTITIES",
    "KnownLedger",
    "LedgerBatch",
    "LedgerBuilder",
    "cents",
    "clean",
    "line_kind",
    "money",
    "money_text",
]
