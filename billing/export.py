"""A saved draft as the client sees it: a PDF invoice (approved drafts only) and a CSV with
one row per invoiced line. Excluded lines appear in neither."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import duckdb
from fpdf import FPDF
from fpdf.fonts import FontFace

from billing import pdf_font
from billing.period import Period
from billing.store import draft_lines, get_draft
from core.csv_safe import rows_csv
from core.money import cents, percent_text, price_text

CSV_COLUMNS = (
    "invoice_number",
    "status",
    "draft_id",
    "client_id",
    "client_name",
    "contract_id",
    "po_number",
    "period",
    "issue_date",
    "due_date",
    "currency",
    "line_no",
    "kind",
    "project_id",
    "person_id",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "sources",
    "subtotal",
    "tax_rate",
    "tax",
    "total",
)

# Characters the built-in fonts lack, written the way an accountant would.
REPLACEMENTS = {"\u2212": "-", "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
COMPRESS = True  # tests switch it off to read the page text without a PDF parser
INK, MUTED, RULE, BAND = (33, 37, 41), (108, 117, 125), (173, 181, 189), (241, 243, 245)


def _lines(con: duckdb.DuckDBPyConnection, draft_id: int) -> list[dict]:
    return [line for line in draft_lines(con, draft_id).to_dicts() if not line["excluded"]]


def _text(value) -> str:
    return "" if value is None else str(value)


def quantity_text(value: Decimal | None) -> str:
    """Hours or units as written: 3.5, 1.25, 1; at most 4 places."""
    if value is None:
        return ""
    exact = value.quantize(Decimal("0.0001")).normalize()
    return f"{exact:f}"


def quantity_column_text(value: Decimal) -> str:
    """For the PDF's quantity column: two places so it lines up (3.50, 1.25); a quantity with
    more places (a sixth of an hour: 0.1667) keeps up to 4."""
    exact = value.quantize(Decimal("0.0001")).normalize()
    return f"{exact:.2f}" if exact == exact.quantize(Decimal("0.01")) else f"{exact:f}"


def amount_text(value: Decimal) -> str:
    """1234.5 -> '1,234.50'."""
    return f"{cents(value):,.2f}"


# ---- CSV ------------------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    """A number formatted as text (places as wanted), passed on as a number so the CSV writer
    keeps it numeric (core.csv_safe neutralises text only: a negative amount is money)."""
    return Decimal(text) if text else None


def invoice_csv(con: duckdb.DuckDBPyConnection, draft_id: int) -> str:
    """One row per invoiced (non-excluded) line. The invoice's fields and its subtotal, tax and
    total repeat on every row (as accounting imports expect), so the file has one row shape:
    sum(amount) = subtotal, subtotal + tax = total. `sources` is the line's ids, ';'-joined.
    Any status exports; a draft not yet approved has no number or dates. Text cells that would
    start a spreadsheet formula are neutralised (core.csv_safe); numbers stay numbers."""
    draft = get_draft(con, draft_id)
    invoice = {k: _text(draft[k]) for k in CSV_COLUMNS if k in draft}
    invoice |= {
        "invoice_number": _text(draft["invoice_number"]),
        "tax_rate": _number(f"{draft['tax_rate'].normalize():f}"),
        "subtotal": draft["subtotal"],
        "tax": draft["tax"],
        "total": draft["total"],
    }
    rows = []
    for no, line in enumerate(_lines(con, draft_id), 1):
        row = invoice | {
            "line_no": no,
            "kind": line["kind"],
            "project_id": _text(line["project_id"]),
            "person_id": _text(line["person_id"]),
            "description": line["description"],
            "quantity": _number(quantity_text(line["quantity"])),
            "unit_price": _number(_text(line["unit_price"] and price_text(line["unit_price"]))),
            "amount": cents(line["amount"]),
            "sources": ";".join(line["sources"]),
        }
        rows.append([row.get(column) for column in CSV_COLUMNS])
    return rows_csv(CSV_COLUMNS, rows)


# ---- PDF ------------------------------------------------------------------------------------


def pdf_safe(text: str | None) -> str:
    """Text the PDF's built-in fonts (windows-1252) can draw: letters with accents they lack
    lose them (ė -> e), a few symbols get their usual stand-in, anything else becomes '?'."""
    out = []
    for char in text or "":
        char = REPLACEMENTS.get(char, char)
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in base if not unicodedata.combining(c))
            char = base if base and base.isascii() else "?"
        out.append(char)
    return "".join(out)


class InvoicePDF(FPDF):
    """A4, 18 mm margins, DejaVu Sans embedded (Helvetica without it: billing.pdf_font); the
    footer carries the payment terms and page numbers."""

    def __init__(self, footer_text: str, continued_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.set_compression(COMPRESS)
        self.family = pdf_font.embed(self) or pdf_font.CORE
        self.footer_text, self.continued_text = footer_text, continued_text
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=24)
        self.alias_nb_pages()

    def safe(self, text: str | None) -> str:
        """Text the document's font can draw (see pdf_font.drawable and pdf_safe)."""
        if self.family == pdf_font.CORE:
            return pdf_safe(text)
        return pdf_font.drawable(self, text or "")

    def use(self, style: str, size: float) -> None:
        self.set_font(self.family, style, size)

    def header(self) -> None:
        """Pages after the first say whose invoice they continue."""
        if self.page_no() == 1:
            return
        self.use("", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 4, self.safe(self.continued_text), align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.use("", 8)
        self.set_text_color(*MUTED)
        width = self.w - self.l_margin - self.r_margin
        self.cell(width * 0.8, 4, self.safe(self.footer_text))
        self.cell(width * 0.2, 4, f"Page {self.page_no()} of {{nb}}", align="R")


def _long_date(day: date | None) -> str:
    return f"{day.day} {day.strftime('%B %Y')}" if day else ""


FIRM_SQL = "SELECT name, address, remittance FROM firm LIMIT 1"
CLIENT_ADDRESS_SQL = "SELECT billing_address FROM clients WHERE client_id = ?"
PROJECT_NAMES_SQL = """
SELECT project_id, coalesce(name, project_id) FROM projects
WHERE list_contains(CAST(? AS VARCHAR[]), project_id)
"""


def _address_lines(text: str | None) -> list[str]:
    """A multi-line address (newlines, or ' | ' in a one-line CSV cell) as its lines."""
    return [part.strip() for part in (text or "").replace(" | ", "\n").splitlines() if part.strip()]


def invoice_pdf(con: duckdb.DuckDBPyConnection, draft_id: int) -> bytes:
    """The invoice as the client receives it; only approved drafts have a number and dates.
    It carries the firm's address and remittance details (firm.yaml), the client's billing
    address (clients.csv), the PO and the names of the projects it bills."""
    draft = get_draft(con, draft_id)
    if draft["status"] != "approved":
        raise ValueError(
            f"draft {draft_id} is {draft['status']}: only an approved invoice has a PDF"
        )
    firm = con.execute(FIRM_SQL).fetchall()
    firm_name, firm_address, remittance = firm[0] if firm else (None, None, None)
    firm_name = firm_name or "Invoice"
    address = con.execute(CLIENT_ADDRESS_SQL, [draft["client_id"]]).fetchall()
    lines = _lines(con, draft_id)
    projects = _project_names(con, draft, lines)
    terms = (draft["due_date"] - draft["issue_date"]).days
    pdf = InvoicePDF(
        f"Payment terms: Net {terms}. Please pay {draft['currency']} "
        f"{amount_text(draft['total'])} by {_long_date(draft['due_date'])}, quoting invoice "
        f"{draft['invoice_number']}.",
        f"{firm_name} - invoice {draft['invoice_number']} (continued)",
    )
    pdf.set_title(f"Invoice {draft['invoice_number']}")
    pdf.set_author(pdf.safe(firm_name))
    pdf.add_page()
    _header(pdf, firm_name, _address_lines(firm_address), draft)
    _parties(pdf, draft, terms, _address_lines(address[0][0] if address else None), projects)
    _table(pdf, draft, lines, projects)
    _totals(pdf, draft)
    _remittance(pdf, draft, _address_lines(remittance))
    return bytes(pdf.output())


def _project_names(con, draft: dict, lines: list[dict]) -> dict[str, str]:
    """project_id -> name for the invoice's projects, in first-line order."""
    ids = [draft["project_id"]] if draft["project_id"] else []
    ids += [line["project_id"] for line in lines if line["project_id"]]
    ids = list(dict.fromkeys(ids))
    names = dict(con.execute(PROJECT_NAMES_SQL, [ids]).fetchall()) if ids else {}
    return {pid: names.get(pid, pid) for pid in ids}


def _header(pdf: InvoicePDF, firm_name: str, address: list[str], draft: dict) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_text_color(*INK)
    pdf.use("B", 18)
    pdf.cell(width * 0.6, 10, pdf.safe(firm_name))
    pdf.use("B", 22)
    pdf.cell(width * 0.4, 10, "INVOICE", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 10)
    pdf.set_text_color(*MUTED)
    top = pdf.get_y()
    for line in address:
        pdf.cell(width * 0.6, 4.5, pdf.safe(line), new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_y(top)
    pdf.cell(width, 6, pdf.safe(draft["invoice_number"]), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 2)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.ln(8)


def _parties(
    pdf: InvoicePDF, draft: dict, terms: int, address: list[str], projects: dict[str, str]
) -> None:
    """Bill-to on the left; the invoice's facts as label/value pairs on the right."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    top = pdf.get_y()
    pdf.use("B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(width * 0.42, 5, "BILL TO", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.use("B", 11)
    pdf.multi_cell(
        width * 0.42, 6, pdf.safe(draft["client_name"]), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.use("", 10)
    for text in [*address, draft["billing_email"]]:
        if text:
            pdf.multi_cell(
                width * 0.42, 5, pdf.safe(text), align="L", new_x="LMARGIN", new_y="NEXT"
            )
    left_bottom = pdf.get_y()
    period = Period.parse(draft["period"])
    facts = [
        ("Invoice number", draft["invoice_number"]),
        ("Issue date", _long_date(draft["issue_date"])),
        ("Due date", _long_date(draft["due_date"])),
        ("Terms", f"Net {terms}"),
        ("PO number", draft["po_number"]),
        ("Period", f"{period.start.strftime('%B %Y')} ({period.start} to {period.end})"),
        ("Project" if len(projects) == 1 else "Projects", ", ".join(projects.values())),
    ]
    pdf.set_y(top)
    for label, value in facts:
        if not value:
            continue
        pdf.set_x(pdf.l_margin + width * 0.45)
        pdf.use("", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(width * 0.14, 5.5, label)
        pdf.use("", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width * 0.41, 5.5, pdf.safe(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), left_bottom) + 10)


def _table(pdf: InvoicePDF, draft: dict, lines: list[dict], projects: dict[str, str]) -> None:
    """One row per line; on an invoice of several projects each line names its project."""
    heading = FontFace(emphasis="BOLD", color=INK, fill_color=BAND, size_pt=9)
    pdf.use("", 9.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=(96, 20, 28, 30),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=heading,
        line_height=5.5,
        padding=(1.8, 2),
        v_align="TOP",
    ) as table:
        table.row(["Description", "Quantity", "Unit price", f"Amount ({draft['currency']})"])
        for line in lines:
            quantity, price = _priced(line)
            text = line["description"]
            if len(projects) > 1 and line["project_id"] in projects:
                text = f"{projects[line['project_id']]}: {text}"
            table.row([pdf.safe(text), quantity, price, amount_text(line["amount"])])
    pdf.ln(4)


def _priced(line: dict) -> tuple[str, str]:
    """Quantity and unit price, shown only when they multiply to the amount: a discount's
    hours and rate, say, would read as a sum that does not add up, so its text explains it."""
    quantity, price = line["quantity"], line["unit_price"]
    if quantity is None or price is None or cents(quantity * price) != cents(line["amount"]):
        return "", ""
    return quantity_column_text(quantity), _grouped(price_text(price))


def _grouped(price: str) -> str:
    """'1234.5000' style price text with thousands separators, places kept."""
    whole, _, places = price.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}" + (f".{places}" if places else "")


def _totals(pdf: InvoicePDF, draft: dict) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    label_w, value_w = 50, 30
    x = pdf.l_margin + width - label_w - value_w
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    rows = [
        ("Subtotal", amount_text(draft["subtotal"]), False),
        (f"Tax ({percent_text(draft['tax_rate'])})", amount_text(draft["tax"]), False),
    ]
    pdf.set_text_color(*INK)
    for label, value, _ in rows:
        pdf.set_x(x)
        pdf.use("", 10)
        pdf.cell(label_w, 6.5, label)
        pdf.cell(value_w, 6.5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*INK)
    pdf.line(x, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.ln(2.5)
    pdf.set_x(x)
    pdf.use("B", 12)
    pdf.cell(label_w, 8, f"Total due ({draft['currency']})")
    pdf.cell(value_w, 8, amount_text(draft["total"]), align="R", new_x="LMARGIN", new_y="NEXT")


def _remittance(pdf: InvoicePDF, draft: dict, details: list[str]) -> None:
    """How to pay: the firm's remittance lines (bank, IBAN, SWIFT) and the reference to quote."""
    if not details:
        return
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(8)
    pdf.use("B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(width, 5, "PAYMENT DETAILS", new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 10)
    pdf.set_text_color(*INK)
    for line in [*details, f"Reference: {draft['invoice_number']}"]:
        pdf.cell(width, 5, pdf.safe(line), new_x="LMARGIN", new_y="NEXT")
