"""A small firm with receivables, imported through the canonical importer. Every number the AR
tests expect is worked out by hand from these rows (see each test)."""

from __future__ import annotations

from pathlib import Path

from etl.loader import import_canonical
from tests.conftest import write_folder

FILES = {
    "firm.yaml": "name: Kestrel Partners\nbase_currency: USD\n",
    "clients.csv": """
        client_id,name,currency,payment_terms_days,billing_email
        CL-1,Acme Corp,USD,30,ap@acme.example
        CL-2,Globex,USD,30,ap@globex.example
        CL-3,Initech GmbH,EUR,30,ap@initech.example
    """,
    "people.csv": "person_id,name,role\nP-1,Elena Ruiz,Engineer\n",
    "projects.csv": """
        project_id,name,client_id,contract_id
        PR-1,Storefront,CL-1,C-1
        PR-2,Portal,CL-2,C-2
        PR-3,Migration,CL-3,C-3
    """,
    "contracts.yaml": """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    late_fee: {monthly_rate: "0.015", grace_days: 0}
    workstreams: [{project_id: PR-1, billing: time_and_materials}]
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    workstreams: [{project_id: PR-2, billing: time_and_materials}]
  - contract_id: C-3
    client_id: CL-3
    currency: EUR
    workstreams: [{project_id: PR-3, billing: time_and_materials}]
""",
    "fx_rates.csv": """
        date,currency,rate_to_base
        2026-01-01,EUR,1.10
        2026-02-01,EUR,1.08
    """,
}

INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,kind,credits_invoice_id
I-1,INV-1,CL-1,C-1,2026-01-01,2026-01-31,USD,1000.00,invoice,
I-2,INV-2,CL-1,C-1,2026-01-15,2026-02-14,USD,500.00,invoice,
I-3,INV-3,CL-1,C-1,2026-02-01,2026-03-03,USD,750.00,invoice,
I-4,INV-4,CL-2,C-2,2026-01-10,2026-02-09,USD,2000.00,invoice,
I-5,CM-1,CL-2,C-2,2026-01-20,2026-01-20,USD,-200.00,credit_memo,I-4
I-6,INV-6,CL-3,C-3,2026-01-05,2026-02-04,EUR,1000.00,invoice,
"""

PAYMENTS = """
payment_id,client_id,date,amount,currency,reference,invoice_id
P-1,CL-1,2026-01-20,400.00,USD,inv-1,
P-2,CL-1,2026-02-05,500.00,USD,ACH 999,
P-3,CL-1,2026-02-10,1000.00,USD,ON ACCOUNT,
P-4,CL-2,2026-02-20,1900.00,USD,Remittance INV-4,
P-5,CL-3,2026-02-10,1080.00,USD,WIRE 1,I-6
P-6,CL-1,2026-01-10,100.00,USD,INV-3,
"""


def build_ar_firm(
    con, tmp_path: Path, invoices: str = INVOICES, payments: str = PAYMENTS, **overrides: str
):
    """Imports FILES plus the invoice and payment rows; returns the import report."""
    files = FILES | {"invoices.csv": invoices, "payments.csv": payments}
    files |= {k.replace("__", "."): v for k, v in overrides.items()}
    folder = write_folder(tmp_path / "ar_firm", files)
    return import_canonical(con, folder)
