"""QuickBooks Online and Xero CSV exports: each shipped sample parsed with expectations worked out
by hand, bad rows quarantined with their lines, re-imports that change nothing, and the CLI."""

from __future__ import annotations

import duckdb
import pytest

from etl.__main__ import main
from etl.accounting_import import parse_accounting
from etl.exports.ledger import KnownLedger
from etl.exports.names import KnownNames
from etl.exports.table import ExportFormatError
from tests.conftest import ROOT
from tests.etl.test_cli import run_etl

SAMPLES = ROOT / "data" / "samples"
QBO_LIST = SAMPLES / "quickbooks_invoice_list.csv"
QBO_DETAIL = SAMPLES / "quickbooks_transaction_detail.csv"
QBO_BALANCE = SAMPLES / "quickbooks_customer_balance_detail.csv"
XERO_INVOICES = SAMPLES / "xero_invoices.csv"
XERO_PAYMENTS = SAMPLES / "xero_payments.csv"
KESTREL_QBO = "qbo-client-kestrel-co"


def parse(kind: str, path, known: KnownLedger | None = None):
    return parse_accounting(kind, path, known or KnownLedger(KnownNames()))


def rows(batch, frame: str) -> list[dict]:
    return batch.frames[frame].drop("_file").to_dicts()


def by_id(batch, frame: str, key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows(batch, frame)}


def lines_of(batch, invoice_id: str) -> list[tuple]:
    return [
        (r["line_no"], r["amount"], r["kind"], r["quantity"], r["unit_price"])
        for r in rows(batch, "invoice_lines")
        if r["invoice_id"] == invoice_id
    ]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- QuickBooks Online samples


def test_qbo_invoice_list_sample():
    batch = parse("quickbooks-csv", QBO_LIST)
    assert batch.report == "Invoice List"
    invoices = by_id(batch, "invoices", "invoice_id")
    assert list(invoices) == ["1041", "1042", "1043", "1045", "CM-1046"]
    # "$4,250.00" -> 4250; Status Paid -> paid, Open -> sent
    assert (invoices["1041"]["total"], invoices["1041"]["status"]) == ("4250", "paid")
    assert (invoices["1042"]["issue_date"], invoices["1042"]["due_date"]) == (
        "2026-10-31",
        "2026-11-30",
    )
    assert invoices["1042"]["status"] == "sent"
    assert invoices["1045"]["total"] == "4309.2"
    # "($250.00)" is a credit memo of -250; its id keeps QBO's number apart from invoices'
    memo = invoices["CM-1046"]
    assert (memo["kind"], memo["total"], memo["number"]) == ("credit_memo", "-250", "1046")
    # "Harbor Lane Dental:Website Rebuild" is a QBO project under the customer
    assert invoices["1043"]["client_id"] == "qbo-client-harbor-lane-dental"
    assert {r["name"] for r in rows(batch, "clients")} == {"Kestrel & Co", "Harbor Lane Dental"}
    assert [(s.line, s.reason) for s in batch.skipped] == [
        (11, "Total row"),
        (13, "report time stamp"),  # "Accrual Basis Saturday, December 5, 2026 09:15 AM …"
    ]
    assert batch.errors == {}


def test_qbo_transaction_detail_sample():
    batch = parse("quickbooks-csv", QBO_DETAIL)
    assert batch.report == "Transaction Detail by Account"
    invoices = by_id(batch, "invoices", "invoice_id")
    assert set(invoices) == {"1042", "1043", "1045", "CM-1046"}
    # 1045: 20 h x 150.00 = 3000.00; 10 h x 120.00 = 1200.00; Discounts given: 5% of 4200.00 =
    # -210.00; Sales Tax Payable 8% of 3990.00 = 319.20 (not a line); A/R row 4309.20 =
    # 3990.00 + 319.20, so the document adds up.
    assert lines_of(batch, "1045") == [
        ("1", "3000", "time", "20", "150"),
        ("2", "1200", "time", "10", "120"),
        ("3", "-210", "discount", None, None),
    ]
    assert invoices["1045"]["total"] == "4309.2"
    # Transaction Detail has no Due Date: issue 2026-11-03 + 30 days (default terms)
    assert invoices["1045"]["due_date"] == "2026-12-03"
    # Product/Service "Retainer" -> retainer_fee; the sub-customer names the project
    retainer = [r for r in rows(batch, "invoice_lines") if r["invoice_id"] == "1043"]
    assert [(r["kind"], r["amount"], r["project_id"]) for r in retainer] == [
        ("retainer_fee", "8000", "qbo-project-harbor-lane-dental--website-rebuild")
    ]
    assert [r["name"] for r in rows(batch, "projects")] == ["Website Rebuild"]
    # the credit memo's income row "(250.00)" is a credit line of -250, total -250, due at once
    assert lines_of(batch, "CM-1046") == [("1", "-250", "credit", None, None)]
    assert (invoices["CM-1046"]["total"], invoices["CM-1046"]["due_date"]) == ("-250", "2026-11-04")
    # the payment under A/R ("-1,350.00") is a payment of 1350; its Undeposited Funds twin skipped
    payments = rows(batch, "payments")
    assert [(p["date"], p["amount"], p["reference"], p["client_id"]) for p in payments] == [
        ("2026-11-12", "1350", "TRF-88120", KESTREL_QBO)
    ]
    skipped = {s.line: s.reason for s in batch.skipped}
    assert skipped[27] == "not an invoice or credit memo line (Payment in Undeposited Funds)"
    assert sorted(n for n, r in skipped.items() if r == "Total row") == [12, 19, 22, 25, 28, 29]
    assert batch.errors == {}


def test_qbo_customer_balance_detail_sample_and_payment_ids_shared_across_reports():
    batch = parse("quickbooks-csv", QBO_BALANCE)
    assert batch.report == "Customer Balance Detail"
    invoices = by_id(batch, "invoices", "invoice_id")
    assert {i: (r["client_id"], r["total"]) for i, r in invoices.items()} == {
        "1043": ("qbo-client-harbor-lane-dental", "8000"),
        "1041": (KESTREL_QBO, "4250"),
        "1042": (KESTREL_QBO, "1350"),
        "1045": (KESTREL_QBO, "4309.2"),
        "CM-1046": (KESTREL_QBO, "-250"),
    }
    payments = rows(batch, "payments")
    assert [(p["date"], p["amount"], p["reference"]) for p in payments] == [
        ("2026-10-20", "4250", "TRF-88001"),
        ("2026-11-12", "1350", "TRF-88120"),
    ]
    detail = rows(parse("quickbooks-csv", QBO_DETAIL), "payments")
    assert payments[1]["payment_id"] == detail[0]["payment_id"]  # same payment, same id


# ---------------------------------------------------------------- Xero samples


def test_xero_invoices_sample():
    batch = parse("xero-csv", XERO_INVOICES)
    assert batch.report == "Invoices"
    invoices = by_id(batch, "invoices", "invoice_id")
    # INV-0142: 9 x 150 = 1350.00, 4 x 120 = 480.00, discount line -183.00 -> 1647.00;
    # tax 270.00 + 96.00 - 36.60 = 329.40; Total 1976.40 = 1647.00 + 329.40
    assert lines_of(batch, "INV-0142") == [
        ("1", "1350", "time", "9", "150"),
        ("2", "480", "time", "4", "120"),
        ("3", "-183", "discount", "1", "-183"),
    ]
    inv = invoices["INV-0142"]
    assert (inv["total"], inv["po_number"], inv["status"], inv["currency"]) == (
        "1976.4",
        "PO-4471",
        "sent",
        "EUR",
    )
    assert (inv["issue_date"], inv["due_date"]) == ("2026-10-31", "2026-11-30")
    # INV-0143 has no LineAmount: 12 x 95.00 x (1 - 10%) = 1026.00; Status PAID
    assert lines_of(batch, "INV-0143") == [("1", "1026", "time", "12", "95")]
    assert invoices["INV-0143"]["status"] == "paid"
    # CN-0007 (Type "Sales credit note"): line -200.00, tax -40.00, total -240.00; its
    # Reference INV-0142 is the invoice it credits
    assert lines_of(batch, "CN-0007") == [("1", "-200", "credit", "1", "200")]
    memo = invoices["CN-0007"]
    assert (memo["kind"], memo["total"], memo["credits_invoice_id"]) == (
        "credit_memo",
        "-240",
        "INV-0142",
    )
    # the "Project" tracking category names the project (created under its client)
    projects = {
        r["invoice_id"] + ":" + r["line_no"]: r["project_id"] for r in rows(batch, "invoice_lines")
    }
    assert projects["INV-0142:1"] == "xero-project-kestrel-co--checkout-revamp"
    assert projects["INV-0142:3"] is None
    assert projects["INV-0143:1"] == "xero-project-osprey-analytics--pipeline-audit"
    # "Staff" names people the warehouse does not know: the lines load without, and we say so
    assert any("no known person named Elena Ruiz, Marco Bianchi" in w for w in batch.warnings)
    assert {r["currency"] for r in rows(batch, "clients")} == {"EUR"}


def test_xero_payments_sample():
    batch = parse("xero-csv", XERO_PAYMENTS)
    assert batch.report == "Payments"
    payments = rows(batch, "payments")
    assert [(p["date"], p["amount"], p["invoice_id"], p["reference"]) for p in payments] == [
        ("2026-11-15", "1026", "INV-0143", "TRF-2211"),  # "1,026.00", 15/11/2026
        ("2026-11-20", "1000", "INV-0142", "TRF-2230"),
    ]


def test_xero_receivable_invoice_detail(tmp_path):
    path = write(
        tmp_path,
        "receivables.csv",
        "Receivable Invoice Detail\nNorthbeam Ltd\nFor the period 1 October 2026 to 30 November 2026\n"
        "\nInvoice Date,Invoice Number,Contact,Reference,Due Date,Total,Paid,Credited,Due,Status\n"
        '31 Oct 2026,INV-0142,Kestrel & Co,PO-4471,30 Nov 2026,"1,976.40",0.00,240.00,"1,736.40",Awaiting Payment\n'
        '3 Nov 2026,INV-0143,Osprey Analytics,,17 Nov 2026,"1,026.00","1,026.00",0.00,0.00,Paid\n'
        'Total,,,,,"3,002.40","1,026.00",240.00,"1,736.40",\n',
    )
    batch = parse("xero-csv", path)
    assert batch.report == "Receivable Invoice Detail"
    invoices = by_id(batch, "invoices", "invoice_id")
    assert {
        i: (r["issue_date"], r["due_date"], r["total"], r["status"]) for i, r in invoices.items()
    } == {
        "INV-0142": ("2026-10-31", "2026-11-30", "1976.4", "sent"),  # Awaiting Payment
        "INV-0143": ("2026-11-03", "2026-11-17", "1026", "paid"),
    }
    assert rows(batch, "invoice_lines") == []


# ---------------------------------------------------------------- files that are none of them


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("quickbooks-csv", SAMPLES / "harvest_detailed_time.csv"),
        ("quickbooks-csv", XERO_INVOICES),
        ("xero-csv", QBO_DETAIL),
        ("xero-csv", SAMPLES / "toggl_detailed_report.csv"),
    ],
)
def test_a_file_that_is_no_report_is_refused(kind, path):
    with pytest.raises(
        ExportFormatError, match=f"{path.name}: not a .* export this importer reads"
    ):
        parse(kind, path)


# ---------------------------------------------------------------- quarantine


BAD_DETAIL = """\
Northwind Consulting LLC
Transaction Detail by Account

Date,Transaction Type,Num,Name,Memo/Description,Product/Service,Qty,Rate,Class,Split,Amount,Balance
Accounts Receivable (A/R),,,,,,,,,,,
10/31/2026,Invoice,2001,Kestrel & Co,,,,,,-Split-,"1,500.00",
10/31/2026,Invoice,2002,Kestrel & Co,,,,,,-Split-,900.00,
10/31/2026,Invoice,2003,Kestrel & Co,,,,,,-Split-,500.00,
Consulting Income,,,,,,,,,,,
10/31/2026,Invoice,2001,Kestrel & Co,Dev,Consulting:Development,10,150.00,,A/R,"1,500.00",
10/31/2026,Invoice,2002,Kestrel & Co,Dev,Consulting:Development,4,150.00,,A/R,600.00,
10/31/2026,Invoice,2002,Kestrel & Co,Design,Consulting:Design,3,100.00,,A/R,three hundred,
10/31/2026,Invoice,2003,Kestrel & Co,Dev,Consulting:Development,3,150.00,,A/R,450.00,
13/45/2026,Payment,TRF-1,Kestrel & Co,,,,,,Undeposited Funds,-100.00,
"""


def test_bad_rows_are_quarantined_with_their_lines_and_the_rest_loads(tmp_path, db_path):
    path = write(tmp_path, "qbo_bad.csv", BAD_DETAIL)
    assert main(["--db", str(db_path), "import", "quickbooks-csv", str(path)]) == 0
    con = duckdb.connect(str(db_path), read_only=True)
    quarantined = con.execute(
        "SELECT entity, line, reason FROM quarantine WHERE file = 'qbo_bad.csv' ORDER BY line"
    ).fetchall()
    invoices = con.execute("SELECT invoice_id, total FROM invoices ORDER BY 1").fetchall()
    con.close()
    # 2001 adds up (1500.00) and loads. 2002 has an unreadable amount on line 12: all three of
    # its rows (7, 11, 12) are quarantined. 2003's lines add up to 450.00, its A/R row says
    # 500.00: both rows quarantined. Line 14's date has month 45 (also under A/R? no: under
    # Consulting Income, so it is no payment and is skipped as such, not quarantined).
    assert [(i, float(t)) for i, t in invoices] == [("2001", 1500.0)]
    assert [(e, n) for e, n, _ in quarantined] == [
        ("invoice_lines", 7),
        ("invoice_lines", 8),
        ("invoice_lines", 11),
        ("invoice_lines", 12),
        ("invoice_lines", 13),
    ]
    reasons = {n: r for _, n, r in quarantined}
    assert reasons[12] == "Amount: cannot parse amount 'three hundred'"
    assert reasons[7] == "Amount: cannot parse amount 'three hundred' (line 12)"
    assert reasons[8].startswith("2003: lines add up to 450 (+ tax 0), the export's total is 500")


def test_bad_xero_rows_quarantine_their_document(tmp_path, db_path):
    text = XERO_INVOICES.read_text(encoding="utf-8").splitlines()
    text[4] = text[4].replace("03/11/2026", "31/02/2026")  # INV-0143 dated 31 February
    path = write(tmp_path, "xero_bad.csv", "\n".join(text) + "\n")
    assert main(["--db", str(db_path), "import", "xero-csv", str(path)]) == 0
    con = duckdb.connect(str(db_path), read_only=True)
    quarantined = con.execute("SELECT line, reason FROM quarantine").fetchall()
    loaded = con.execute("SELECT invoice_id FROM invoices ORDER BY 1").fetchall()
    con.close()
    assert quarantined == [(5, "InvoiceDate: cannot parse date '31/02/2026'")]
    assert loaded == [("CN-0007",), ("INV-0142",)]


def test_a_negative_payment_is_quarantined_by_the_contract(tmp_path, db_path):
    path = write(
        tmp_path,
        "xero_refund.csv",
        "Date,Contact,Invoice Number,Reference,Amount,Currency\n"
        "15/11/2026,Osprey Analytics,INV-0143,TRF-2211,-50.00,EUR\n"
        "16/11/2026,Osprey Analytics,INV-0143,TRF-2212,50.00,EUR\n",
    )
    assert main(["--db", str(db_path), "import", "xero-csv", str(path)]) == 0
    con = duckdb.connect(str(db_path), read_only=True)
    assert [r[0] for r in con.execute("SELECT line FROM quarantine").fetchall()] == [2]
    assert con.execute("SELECT amount FROM payments").fetchall() == [(50,)]
    con.close()


# ---------------------------------------------------------------- idempotence and the CLI


COUNTS = """
SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM projects),
       (SELECT count(*) FROM invoices), (SELECT count(*) FROM invoice_lines),
       (SELECT count(*) FROM payments), (SELECT count(*) FROM quarantine),
       (SELECT count(*) FROM entity_history)
"""


def test_reimporting_every_sample_changes_nothing(db_path, capsys):
    imports = [
        ("quickbooks-csv", QBO_LIST),
        ("quickbooks-csv", QBO_DETAIL),
        ("quickbooks-csv", QBO_BALANCE),
        ("xero-csv", XERO_INVOICES),
        ("xero-csv", XERO_PAYMENTS),
    ]
    con = None
    for kind, path in imports:
        assert main(["--db", str(db_path), "import", kind, str(path)]) == 0
        capsys.readouterr()
        assert main(["--db", str(db_path), "import", kind, str(path)]) == 0
        again = [line for line in capsys.readouterr().out.splitlines() if " new " in line]
        assert again and all(" 0 new         0 updated" in line for line in again), again
    con = duckdb.connect(str(db_path), read_only=True)
    counts = con.execute(COUNTS).fetchone()
    con.close()
    # clients: Kestrel & Co, Harbor Lane Dental (QBO), Osprey Analytics (Xero; Xero's Kestrel
    # & Co is QBO's by name); projects: Website Rebuild, Checkout Revamp, Pipeline Audit;
    # invoices 1041 1042 1043 1045 CM-1046 INV-0142 INV-0143 CN-0007; lines 6 (QBO) + 5 (Xero);
    # payments TRF-88001, TRF-88120 (one payment in two reports), TRF-2211, TRF-2230; nothing
    # quarantined, no row ever replaced (the three QBO reports agree on every header).
    assert counts == (3, 3, 8, 11, 4, 0, 0)


def test_a_later_import_fills_a_line_project_once_it_is_known(db_path):
    """QBO line Class "Checkout Revamp" names no project at first; Xero's Project tracking
    creates it under the same client (matched by name), and re-reading the QBO export links it."""
    db = str(db_path)
    assert main(["--db", db, "import", "quickbooks-csv", str(QBO_DETAIL)]) == 0
    assert main(["--db", db, "import", "xero-csv", str(XERO_INVOICES)]) == 0
    assert main(["--db", db, "import", "quickbooks-csv", str(QBO_DETAIL)]) == 0
    con = duckdb.connect(db, read_only=True)
    linked = con.execute(
        "SELECT invoice_id, line_no, project_id FROM invoice_lines WHERE invoice_id IN "
        "('1042', '1045') ORDER BY 1, 2"
    ).fetchall()
    con.close()
    revamp = "xero-project-kestrel-co--checkout-revamp"
    assert linked == [
        ("1042", 1, revamp),
        ("1045", 1, revamp),
        ("1045", 2, revamp),
        ("1045", 3, None),
    ]


def test_cli_exit_codes_and_one_line_errors(tmp_path, db_path):
    ok = run_etl("import", "quickbooks-csv", str(QBO_DETAIL), db=db_path)
    assert ok.returncode == 0, ok.stderr
    assert "invoice_lines            6 new" in ok.stdout
    assert "(Transaction Detail by Account)" in ok.stdout

    wrong = run_etl("import", "xero-csv", str(QBO_LIST), db=db_path)
    assert wrong.returncode == 1
    expected = (
        'error: quickbooks_invoice_list.csv: not a Xero export this importer reads ("Invoices", '
        '"Receivable Invoice Detail", "Payments", "Aged Receivables Detail"): no header row with '
        "their columns"
    )
    assert wrong.stderr.splitlines() == [expected]
    missing = run_etl("import", "xero-csv", str(tmp_path / "nope.csv"), db=db_path)
    assert (missing.returncode, len(missing.stderr.splitlines())) == (1, 1)
    assert "Traceback" not in missing.stderr + wrong.stderr

    bad = write(tmp_path, "qbo_bad.csv", BAD_DETAIL)
    strict = run_etl("import", "quickbooks-csv", str(bad), "--strict", db=db_path)
    assert strict.returncode == 1
    assert strict.stderr.strip() == "error: 5 row(s) quarantined (--strict)"
    assert (
        "quarantined qbo_bad.csv:12: Amount: cannot parse amount 'three hundred'" in strict.stdout
    )

    con = duckdb.connect(str(db_path), read_only=True)
    # the refused Xero file loaded nothing; the first import's four documents are still there
    assert con.execute("SELECT count(*) FROM invoices").fetchone() == (5,)
    con.close()


def test_the_three_qbo_reports_give_the_same_invoices_in_any_order(tmp_path):
    def invoices_after(order, name):
        db = str(tmp_path / name)
        for path in order:
            assert main(["--db", db, "import", "quickbooks-csv", str(path)]) == 0
        con = duckdb.connect(db, read_only=True)
        got = con.execute(
            "SELECT invoice_id, client_id, issue_date, due_date, currency, total, number, status,"
            " kind FROM invoices ORDER BY 1"
        ).fetchall()
        con.close()
        return got

    forward = invoices_after([QBO_LIST, QBO_DETAIL, QBO_BALANCE], "a.duckdb")
    backward = invoices_after([QBO_BALANCE, QBO_DETAIL, QBO_LIST], "b.duckdb")
    assert forward == backward
    # 1041 appears in the Invoice List and the Customer Balance Detail only; Paid from the list
    assert [(r[0], r[3].isoformat(), r[7]) for r in forward][:2] == [
        ("1041", "2026-11-04", "paid"),
        ("1042", "2026-11-30", "sent"),
    ]


def test_currency_column_and_decimal_comma(tmp_path):
    path = write(
        tmp_path,
        "qbo_eur.csv",
        "Invoice List\n\nDate;Num;Customer;Due Date;Amount;Open Balance;Currency\n"
        '05.10.2026;3001;Brise GmbH;04.11.2026;"€1.234,50";"1.234,50";EUR\n'
        "06.10.2026;3002;Brise GmbH;05.11.2026;99,90;99,90;EUR\n",
    )
    batch = parse("quickbooks-csv", path)
    invoices = by_id(batch, "invoices", "invoice_id")
    # "€1.234,50" -> 1234.50 (decimal comma, '.' groups thousands); dotted dates are day-first
    assert {i: (r["issue_date"], r["total"], r["currency"]) for i, r in invoices.items()} == {
        "3001": ("2026-10-05", "1234.5", "EUR"),
        "3002": ("2026-10-06", "99.9", "EUR"),
    }
    assert rows(batch, "clients")[0]["currency"] == "EUR"


@pytest.mark.parametrize(
    ("texts", "amount", "has_quantity", "kind"),
    [
        (("Retainer overage",), "450", True, "overage"),  # overage before retainer
        (("Monthly retainer",), "8000", True, "retainer_fee"),
        (("Consulting:Development", "Consulting Income", "Brush-up session"), "300", True, "time"),
        (("", "Discounts given", "5%"), "-210", False, "discount"),
        (("Fixed-fee phase 1",), "25000", False, "fixed_fee"),
        (("", "Reimbursable Expenses", "Train to client"), "84.20", True, "expense"),
        (("Goodwill",), "-50", False, "discount"),  # a negative invoice line
        (("Setup",), "100", False, None),
    ],
)
def test_line_kind_from_words(texts, amount, has_quantity, kind):
    from decimal import Decimal

    from etl.exports.ledger import line_kind

    assert line_kind(texts, Decimal(amount), has_quantity, credit=False) == kind
    assert line_kind(texts, Decimal(amount), has_quantity, credit=True) == "credit"


SPLIT_PAYMENT_DETAIL = """\
Transaction Detail by Account

Date,Transaction Type,Num,Name,Memo/Description,Product/Service,Qty,Rate,Class,Service Date,Split,Amount,Balance
Accounts Receivable (A/R),,,,,,,,,,,,
09/30/2026,Invoice,4001,Kestrel & Co,,,,,,,-Split-,300.00,
10/31/2026,Invoice,4002,Kestrel & Co,,,,,,,-Split-,200.00,
10/31/2026,Invoice,4003,Kestrel & Co,,,,,,,-Split-,90.00,
11/12/2026,Payment,TRF-9,Kestrel & Co,,,,,,,Undeposited Funds,-300.00,
11/12/2026,Payment,TRF-9,Kestrel & Co,,,,,,,Undeposited Funds,-200.00,
Consulting Income,,,,,,,,,,,,
09/30/2026,Invoice,4001,Kestrel & Co,Dev,Consulting:Development,2,150.00,,09/30/2026,A/R,300.00,
10/31/2026,Invoice,4002,Kestrel & Co,Dev,Consulting:Development,1,100.00,,09/15/2026,A/R,100.00,
10/31/2026,Invoice,4002,Kestrel & Co,Dev,Consulting:Development,1,100.00,,10/20/2026,A/R,100.00,
10/31/2026,Invoice,4003,Kestrel & Co,Dev,Consulting:Development,one,90.00,,10/20/2026,A/R,90.00,
"""
SPLIT_PAYMENT_BALANCE = """\
Customer Balance Detail

Date,Transaction Type,Num,Due Date,Amount,Open Balance,Balance
Kestrel & Co,,,,,,
11/12/2026,Payment,TRF-9,,-500.00,0.00,0.00
"""


def test_a_payment_split_by_invoice_is_one_payment_in_every_report(tmp_path, db_path):
    detail = write(tmp_path, "detail.csv", SPLIT_PAYMENT_DETAIL)
    balance = write(tmp_path, "balance.csv", SPLIT_PAYMENT_BALANCE)
    from_detail = rows(parse("quickbooks-csv", detail), "payments")
    from_balance = rows(parse("quickbooks-csv", balance), "payments")
    # the two A/R rows of TRF-9 (300.00 + 200.00) are one payment of 500, as in the balance report
    assert [(p["amount"], p["_line"]) for p in from_detail] == [("500", 8)]
    assert from_detail[0]["payment_id"] == from_balance[0]["payment_id"]
    for path in (detail, balance, detail):
        assert main(["--db", str(db_path), "import", "quickbooks-csv", str(path)]) == 0
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT CAST(amount AS VARCHAR) FROM payments").fetchall() == [("500.0000",)]
    periods = con.execute(
        "SELECT invoice_id, period_start::VARCHAR, period_end::VARCHAR FROM invoices ORDER BY 1"
    ).fetchall()
    quarantined = con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
    con.close()
    # Service Date bounds the period: 4001 bills September; 4002 September to October
    assert periods == [("4001", "2026-09-30", "2026-09-30"), ("4002", "2026-09-15", "2026-10-20")]
    # 4003's Qty "one" quarantines its two rows once each, however often the file is imported
    assert quarantined == [
        (7, "Qty: cannot parse number 'one' (line 14)"),
        (14, "Qty: cannot parse number 'one'"),
    ]


def test_a_ledger_showing_income_as_credits_gives_the_same_lines(tmp_path):
    """Some ledger exports show credits negative (income) and debits positive (receivable,
    discounts): the document is turned round against its A/R total."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    section = ""
    turned = ("Consulting Income", "Discounts given", "Sales Tax Payable")
    for cells in csv.reader(io.StringIO(QBO_DETAIL.read_text(encoding="utf-8"))):
        if len(cells) > 1 and cells[0] and not cells[0][:1].isdigit() and not any(cells[1:]):
            section = cells[0]
        if section in turned and cells and cells[0][:1].isdigit():
            amount = cells[10]  # "1,350.00" -> "-1,350.00", "(250.00)" -> "250.00"
            if amount.startswith(("-", "(")):
                cells[10] = amount.strip("-()")
            else:
                cells[10] = f"-{amount}"
        writer.writerow(cells)
    batch = parse("quickbooks-csv", write(tmp_path, "debits.csv", out.getvalue()))
    original = parse("quickbooks-csv", QBO_DETAIL)
    assert batch.errors == {}
    assert rows(batch, "invoice_lines") == rows(original, "invoice_lines")
    assert rows(batch, "invoices") == rows(original, "invoices")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty.csv: empty file"),
        ("Date,Hours,Notes\n2026-10-01,2,x\n", "empty.csv: not a QuickBooks Online export"),
    ],
)
def test_empty_or_foreign_file_is_one_line_and_loads_nothing(
    tmp_path, db_path, capsys, text, message
):
    path = write(tmp_path, "empty.csv", text)
    assert main(["--db", str(db_path), "import", "quickbooks-csv", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {message}")
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM invoices").fetchone() == (0,)
    assert con.execute("SELECT line, entity FROM quarantine").fetchall() == [(1, "invoices")]
    con.close()


# A QBO A/R Aging Detail as QuickBooks writes it: rows under aging buckets whose labels start with
# a digit, `Total for …` rows, and the report's time stamp below, its commas unquoted.
QBO_AGING_DETAIL = """\
Acme Consulting LLC
A/R Aging Detail
As of November 7, 2026

Date,Transaction Type,Num,Customer,Due Date,Past Due,Amount,Open Balance
Current
10/20/2026,Invoice,1043,Globex Corp,11/19/2026,-12,"$4,250.00","$4,250.00"
Total for Current,,,,,,"$4,250.00","$4,250.00"
31 - 60 days past due
08/30/2026,Invoice,1031,Initech,09/29/2026,39,"$12,000.50","$2,000.50"
09/15/2026,Credit Memo,CM-7,Initech,09/15/2026,53,"($500.00)","($500.00)"
Total for 31 - 60 days past due,,,,,,"$11,500.50","$1,500.50"
91 or more days past due
07/01/2026
TOTAL,,,,,,"$15,750.50","$5,750.50"

Saturday, Nov 07, 2026 09:15:02 AM GMT-08:00
"""


def test_qbo_aging_detail_buckets_and_time_stamp_are_not_rows(tmp_path):
    batch = parse("quickbooks-csv", write(tmp_path, "aging.csv", QBO_AGING_DETAIL))
    invoices = by_id(batch, "invoices", "invoice_id")
    # A memo the firm numbers CM-7 keeps that id; "($500.00)" is a credit of 500.
    assert {k: (v["total"], v["kind"]) for k, v in invoices.items()} == {
        "1043": ("4250", "invoice"),
        "1031": ("12000.5", "invoice"),
        "CM-7": ("-500", "credit_memo"),
    }
    # The bucket labels (lines 6, 9, 13) are sections; 8, 12 and 15 are Total rows, 17 the stamp.
    assert sorted(s.line for s in batch.skipped) == [8, 12, 15, 17]
    # Line 14 holds only a date: a transaction cut short, quarantined, never taken for a section.
    assert [(e.line, "cut short" in e.reason) for e in batch.errors["invoices"]] == [(14, True)]
    assert list(batch.errors) == ["invoices"]


# Xero's Aged Receivables Detail: invoices under a section row naming the contact, `Reference`
# holding the invoice number, an unnamed overdue-status column, Total rows per contact.
XERO_AGED_DETAIL = """\
Aged Receivables Detail
Demo Company (UK)
As at 7 November 2026

Date,Reference,Due Date,,Total,Paid,Credited,Due
Ridgeway University
15 Jul 2026,INV-0142,14 Aug 2026,85 days overdue,"1,200.00",200.00,0.00,"1,000.00"
2 Oct 2026,CN-0009,2 Oct 2026,,-150.00,0.00,0.00,-150.00
Total Ridgeway University,,,,"1,050.00",200.00,0.00,850.00
City Limousines
1 Nov 2026,INV-0150,1 Dec 2026,,"3,456.78",0.00,0.00,"3,456.78"
Total City Limousines,,,,"3,456.78",0.00,0.00,"3,456.78"
Total,,,,"4,506.78",200.00,0.00,"4,306.78"
"""


@pytest.mark.parametrize("titled", [True, False])
def test_xero_aged_receivables_detail(tmp_path, titled):
    text = XERO_AGED_DETAIL if titled else XERO_AGED_DETAIL.split("\n\n", 1)[1]
    batch = parse("xero-csv", write(tmp_path, "aged.csv", text))
    assert batch.report == "Aged Receivables Detail"
    invoices = by_id(batch, "invoices", "invoice_id")
    clients = {r["client_id"]: r["name"] for r in rows(batch, "clients")}
    got = {
        k: (clients[v["client_id"]], v["issue_date"], v["due_date"], v["total"], v["kind"])
        for k, v in invoices.items()
    }
    assert got == {
        "INV-0142": ("Ridgeway University", "2026-07-15", "2026-08-14", "1200", "invoice"),
        "CN-0009": ("Ridgeway University", "2026-10-02", "2026-10-02", "-150", "credit_memo"),
        "INV-0150": ("City Limousines", "2026-11-01", "2026-12-01", "3456.78", "invoice"),
    }
    assert batch.errors == {}
    assert len(batch.skipped) == 3  # the two contacts' Total rows and the grand Total
