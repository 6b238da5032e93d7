"""An invoice imported from a QuickBooks Online export counts as billed: drafting the month it
bills proposes its retainer fee no more (docs/billing.md "Never billing twice"). Its customer,
project and person are the demo firm's own, matched by name, code and person name."""

from __future__ import annotations

import json

import duckdb

from billing.__main__ import main as billing_main
from etl.__main__ import main as etl_main
from tests.support.demo import build_demo

# Harborview Health (CL-03) has retainer C-102 on P-6 "Platform Support Retainer", 8000.00 a
# month, and project P-20 "Patient Portal Redesign" (code HVP); E-001 is Nora Costa.
QBO_DETAIL = """\
Northbeam Partners
Transaction Detail by Account
October 1 - November 30, 2026

Date,Transaction Type,Num,Name,Memo/Description,Product/Service,Qty,Rate,Class,Split,Amount,Balance
Accounts Receivable (A/R),,,,,,,,,,,
11/03/2026,Invoice,5001,  harborview   HEALTH ,,,,,,-Split-,"9,500.00","9,500.00"
Total for Accounts Receivable (A/R),,,,,,,,,,"9,500.00",
Consulting Income,,,,,,,,,,,
11/03/2026,Invoice,5001,  harborview   HEALTH ,"Platform support, October",Retainer,1,"8,000.00",Platform Support Retainer,A/R,"8,000.00","8,000.00"
11/03/2026,Invoice,5001,  harborview   HEALTH ,"Portal design (10 h)",Consulting:Nora Costa,10,150.00,HVP,A/R,"1,500.00","9,500.00"
Total for Consulting Income,,,,,,,,,,"9,500.00",
"""

XERO_HEADER = (
    "*ContactName,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,InventoryItemCode,"
    "*Description,*Quantity,*UnitAmount,Discount,LineAmount,*AccountCode,*TaxType,TaxAmount,"
    "TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,Type,Status"
)
XERO_INVOICE = (
    "HARBORVIEW HEALTH,INV-7001,,04/11/2026,04/12/2026,600.00,,Portal review,4,150.00,,600.00,"
    "200,NONE,0.00,Project,patient portal redesign,Staff, nora  COSTA,USD,Sales invoice,AUTHORISED"
)


def draft_lines(db: str, capsys) -> dict[str, list[tuple]]:
    capsys.readouterr()
    args = ["--db", db, "draft", "--period", "2026-10", "--client", "CL-03", "--format", "json"]
    assert billing_main(args) == 0
    drafted = json.loads(capsys.readouterr().out)
    return {
        i["contract_id"]: [
            (line["kind"], line["project_id"], line["amount"]) for line in i["lines"]
        ]
        for i in drafted["invoices"]
    }


def test_an_imported_qbo_invoice_locks_its_retainer_month(tmp_path, capsys):
    db = str(build_demo(tmp_path / "demo.duckdb"))
    before = draft_lines(db, capsys)
    assert ("retainer_fee", "P-6", "8000.00") in before["C-102"]
    con = duckdb.connect(db, read_only=True)
    clients_before = con.execute("SELECT count(*) FROM clients").fetchone()
    con.close()

    qbo = tmp_path / "qbo_detail.csv"
    qbo.write_text(QBO_DETAIL, encoding="utf-8")
    assert etl_main(["--db", db, "import", "quickbooks-csv", str(qbo)]) == 0
    xero = tmp_path / "xero_invoices.csv"
    xero.write_text(f"{XERO_HEADER}\n{XERO_INVOICE}\n", encoding="utf-8")
    assert etl_main(["--db", db, "import", "xero-csv", str(xero)]) == 0

    con = duckdb.connect(db, read_only=True)
    invoices = con.execute(
        "SELECT invoice_id, client_id, issue_date::VARCHAR, CAST(total AS VARCHAR) FROM invoices "
        "WHERE invoice_id IN ('5001', 'INV-7001') ORDER BY 1"
    ).fetchall()
    lines = con.execute(
        "SELECT invoice_id, line_no, kind, CAST(amount AS VARCHAR), project_id, person_id "
        "FROM invoice_lines WHERE invoice_id IN ('5001', 'INV-7001') ORDER BY 1, 2"
    ).fetchall()
    clients_after = con.execute("SELECT count(*) FROM clients").fetchone()
    projects_made = con.execute(
        "SELECT count(*) FROM projects WHERE project_id LIKE 'qbo-%' OR project_id LIKE 'xero-%'"
    ).fetchone()
    con.close()
    # "  harborview   HEALTH " and "HARBORVIEW HEALTH" are CL-03: no new client
    assert clients_after == clients_before
    assert invoices == [
        ("5001", "CL-03", "2026-11-03", "9500.0000"),  # 8000.00 + 10 x 150.00
        ("INV-7001", "CL-03", "2026-11-04", "600.0000"),  # 4 x 150.00
    ]
    # Class "Platform Support Retainer" is P-6 by name, Class "HVP" is P-20 by code, the
    # Product/Service "Consulting:Nora Costa" names E-001; Xero's tracking does the same
    assert lines == [
        ("5001", 1, "retainer_fee", "8000.0000", "P-6", None),
        ("5001", 2, "time", "1500.0000", "P-20", "E-001"),
        ("INV-7001", 1, "time", "600.0000", "P-20", "E-001"),
    ]
    assert projects_made == (0,)

    # Invoice 5001, issued 3 November without a period, bills October (in arrears): the
    # retainer fee for P-6 is not proposed again; the rush hours, on no invoice, still are.
    after = draft_lines(db, capsys)
    assert [k for k, project, _ in after.get("C-102", []) if project == "P-6"] == ["rush"]
