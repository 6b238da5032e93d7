"""The invoice PDF and CSV of a saved draft: what the client reads adds up to the draft's
totals, excluded lines stay out, and characters the PDF fonts lack never crash it."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D

import pytest

from billing import export, pdf_font
from billing.export import invoice_csv, invoice_pdf, pdf_safe
from billing.period import Period
from billing.store import (
    approve_draft,
    draft_lines,
    draft_totals,
    exclude_line,
    list_drafts,
    save_drafts,
)
from tests.billing.firm import build, entry

MARCH = Period(2026, 3)

CLIENTS = """
    client_id,name,currency,payment_terms_days,tax_rate,status,billing_email,billing_address
    CL-1,Acme Corp,USD,30,0.08,active,ap@acme.example,
    CL-2,Globex,USD,30,0.05,active,billing@globex.example,"Globex Sp. z o.o.
    ul. Piotrkowska 12 | 90-001 Łódź, Poland"
    CL-3,Žėkas UAB € 北京,EUR,30,0.21,active,sąskaitos@zekas.example,
    CL-0,Kestrel Partners,USD,,,internal,,
"""

CONTRACTS = """
contracts:
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    payment_terms_days: 45
    po: {number: PO-2026-17, limit: "90000.00"}
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
  - contract_id: C-3
    client_id: CL-3
    currency: EUR
    workstreams:
      - project_id: PR-3
        billing: fixed_fee
        fee: "1234.50"
"""

FIRM = """\
name: Kestrel Partners
base_currency: USD
address: |
  12 Harbour Street
  Bristol BS1 4RN, United Kingdom
remittance: "Bank: Northwind Bank | IBAN: GB29 NWBK 6016 1331 9268 19 | SWIFT: NWBKGB2L"
"""

RATES = "C-2,150.00,2026-01-01,,,,\nC-2,161.50,2026-01-01,,,P-3,\n"

# C-2 (Globex, 5%): P-1 (6 + 4) h x 150 = 1,500.00; P-2 3 h x 150 = 450.00 (excluded below);
# P-3 3 h x 161.50 = 484.50. Invoiced: subtotal 1,984.50, tax 5% = 99.225 -> 99.23 (half-up),
# total 2,083.73.
ENTRIES = (
    entry("G-1", "P-1", "2026-03-05", "6", "PR-2")
    + entry("G-4", "P-1", "2026-03-12", "4", "PR-2")
    + entry("G-2", "P-2", "2026-03-06", "3", "PR-2")
    + entry("G-3", "P-3", "2026-03-09", "3", "PR-2")
)


@pytest.fixture
def approved(con, tmp_path):
    """Globex's March invoice with P-2's line excluded, approved on 2 April 2026."""
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, clients__csv=CLIENTS, firm__yaml=FIRM)
    save_drafts(con, MARCH, "ops")
    draft_id = _draft(con, "C-2")["draft_id"]
    p2 = next(x for x in draft_lines(con, draft_id).to_dicts() if x["person_id"] == "P-2")
    exclude_line(con, draft_id, p2["line_no"], "duplicate of February work", "dana")
    approve_draft(con, draft_id, "lee", issue_date=date(2026, 4, 2))
    return draft_id


def _draft(con, contract_id):
    return next(r for r in list_drafts(con, MARCH).to_dicts() if r["contract_id"] == contract_id)


def uncompressed_text(con, draft_id, monkeypatch) -> str:
    """Without DejaVu the PDF falls back to Helvetica; fpdf2's page stream written uncompressed
    then shows the built-in font's text as is."""
    monkeypatch.setattr(export, "COMPRESS", False)
    monkeypatch.setattr(pdf_font, "DEFAULT_DIRS", ())
    monkeypatch.delenv(pdf_font.FONT_ENV, raising=False)
    raw = invoice_pdf(con, draft_id).decode("cp1252", errors="replace")
    return raw.replace("\\(", "(").replace("\\)", ")")  # PDF string escapes


def pdf_text(pdf: bytes, monkeypatch, con, draft_id) -> str:
    """The page text as poppler's pdftotext reads it (`make test` installs poppler-utils)."""
    assert shutil.which("pdftotext"), "poppler-utils missing: run make browser-deps"
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


def test_the_pdf_is_a_complete_invoice(con, approved, monkeypatch):
    pdf = invoice_pdf(con, approved)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, monkeypatch, con, approved)
    for expected in (
        "Kestrel Partners",
        "INVOICE",
        "INV-2026-0001",
        "Globex",
        "billing@globex.example",
        "2 April 2026",
        "17 May 2026",
        "Net 45",
        "PO-2026-17",
        "March 2026",
        "1,500.00",
        "484.50",
        "161.50",
        "Subtotal",
        "1,984.50",
        "Tax (5%)",
        "99.23",
        "Total due (USD)",
        "2,083.73",
        "Payment terms: Net 45",
    ):
        assert expected in text, expected
    # the excluded line (450.00 for P-2) is not on the invoice
    assert "Sam Lee" not in text and "450.00" not in text


def test_without_the_font_the_pdf_falls_back_to_helvetica(con, approved, monkeypatch):
    text = uncompressed_text(con, approved, monkeypatch)
    assert text.startswith("%PDF")
    assert "(INV-2026-0001)" in text and "(2,083.73)" in text and "Tax (5%)" in text


def test_the_pdf_carries_addresses_remittance_project_and_non_latin_names(
    con, approved, monkeypatch
):
    text = pdf_text(invoice_pdf(con, approved), monkeypatch, con, approved)
    for expected in (
        "12 Harbour Street",
        "Bristol BS1 4RN, United Kingdom",  # the firm (firm.yaml)
        "Globex Sp. z o.o.",
        "ul. Piotrkowska 12",
        "90-001 Łódź, Poland",  # bill-to (clients.csv)
        "PAYMENT DETAILS",
        "Bank: Northwind Bank",
        "IBAN: GB29 NWBK 6016 1331 9268 19",
        "SWIFT: NWBKGB2L",
        "Reference: INV-2026-0001",
        "Project",
        "Portal",  # PR-2's name
        "PO-2026-17",
    ):
        assert expected in text, expected


def test_the_pdf_is_for_approved_invoices_only(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, clients__csv=CLIENTS)
    save_drafts(con, MARCH, "ops")
    with pytest.raises(ValueError, match="only an approved invoice"):
        invoice_pdf(con, _draft(con, "C-2")["draft_id"])
    with pytest.raises(ValueError, match="no saved draft"):
        invoice_pdf(con, 999)


def test_characters_outside_the_pdf_fonts_never_crash_it(con, approved, monkeypatch):
    # Initech's fixed fee: EUR, a name with Lithuanian letters, the euro sign and Chinese
    # characters; 1234.50 + 21% tax 259.245 -> 259.25 = 1,493.75
    draft_id = _draft(con, "C-3")["draft_id"]
    approve_draft(con, draft_id, "lee", issue_date=date(2026, 4, 2))
    pdf = invoice_pdf(con, draft_id)
    text = pdf_text(pdf, monkeypatch, con, draft_id)
    # DejaVu has the Lithuanian letters and the euro sign, not the Chinese characters
    assert "Žėkas UAB € ??" in text and "sąskaitos@zekas.example" in text
    assert "Total due (EUR)" in text and "1,493.75" in text
    assert pdf_safe("Jonas Kazlauskas — ėčę “quoted” 北") == "Jonas Kazlauskas — ece “quoted” ?"


def test_the_csv_has_one_row_per_invoiced_line_adding_up_to_the_totals(con, approved):
    rows = list(csv.DictReader(io.StringIO(invoice_csv(con, approved))))
    assert len(rows) == 2
    totals = draft_totals(con, approved)
    assert sum(D(r["amount"]) for r in rows) == totals["subtotal"] == D("1984.50")
    for r in rows:
        assert (D(r["subtotal"]), D(r["tax"]), D(r["total"])) == (
            D("1984.50"),
            D("99.23"),
            D("2083.73"),
        )
        assert (r["invoice_number"], r["client_name"], r["currency"]) == (
            "INV-2026-0001",
            "Globex",
            "USD",
        )
        assert (r["issue_date"], r["due_date"], r["period"]) == (
            "2026-04-02",
            "2026-05-17",
            "2026-03",
        )
        assert r["tax_rate"] == "0.05" and r["status"] == "approved"
    assert [
        (r["line_no"], r["person_id"], r["quantity"], r["unit_price"], r["amount"], r["sources"])
        for r in rows
    ] == [
        ("1", "P-1", "10", "150.00", "1500.00", "G-1;G-4"),
        ("2", "P-3", "3", "161.50", "484.50", "G-3"),
    ]
    assert "G-2" not in invoice_csv(con, approved)


def test_a_draft_exports_to_csv_before_approval(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, clients__csv=CLIENTS)
    save_drafts(con, MARCH, "ops")
    rows = list(csv.DictReader(io.StringIO(invoice_csv(con, _draft(con, "C-2")["draft_id"]))))
    assert len(rows) == 3
    assert {(r["status"], r["invoice_number"], r["issue_date"]) for r in rows} == {
        ("draft", "", "")
    }
    assert sum(D(r["amount"]) for r in rows) == D("2434.50")
