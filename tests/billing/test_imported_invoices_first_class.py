"""A small firm whose invoices arrive only from the accounting system: a QuickBooks Online
"Transaction Detail by Account" export and a Xero "Invoices" export, lines per person x project,
no entry ids, no time_entries.invoice_id, one invoice-level discount and one credit note.
Realization, effective bill rate, write-down, the contract and period caps, drafting and the
unbilled-time rule all read mart_invoice_attribution; every number is worked out by hand.

The firm (tests/billing/firm.BASE): Acme Corp (CL-1) with Storefront (PR-1), Globex (CL-2)
with Portal (PR-2); Elena Ruiz (P-1), Sam Lee (P-2), Ava Chen (P-3). Card rate 100.00/h on
both contracts. C-1 (PR-1) has a contract-scope cap of 1,200.00; C-2 (PR-2) a period cap of
1,000.00 a month. March work, all approved:
  PR-1  E-1 P-1 6 h (600.00)  E-2 P-1 4 h (400.00)  E-3 P-2 4 h (400.00)      card 1,400.00
  PR-2  E-4 P-1 8 h (800.00)  E-5 P-3 2 h (200.00)                             card 1,000.00
April: E-6 P-1 3 h on PR-1 (300.00), E-7 P-3 1 h on PR-2 (100.00), on no invoice.
Invoices (issued in April, no service period: they bill March):
  QBO 1001 Acme:  Elena 10 h x 90.00 = 900.00 (Class Storefront), Sam 4 h x 100.00 = 400.00,
                  an invoice-level discount -130.00 (Discounts given, no class, no person).
  Xero INV-2001 Globex: Project Portal, Staff Elena 8 h x 100.00 = 800.00 (Ava's 2 h are
                  not on it); Xero credit note CN-2002 Globex -50.00 goodwill.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.draft import draft_period
from billing.period import Period
from etl.accounting_import import import_accounting
from metrics import kpis as k
from metrics.filters import Filters
from metrics.session import prepare as prepare_metrics
from rules.config import RulesConfig
from rules.engine import evaluate
from rules.prepare import prepare
from tests.billing.firm import build, entry

CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
        cap: {amount: "1200.00", scope: contract}
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
        cap: {amount: "1000.00", scope: period}
"""
RATES = "C-1,100.00,2026-01-01,,,,\nC-2,100.00,2026-01-01,,,,\n"
ENTRIES = (
    entry("E-1", "P-1", "2026-03-02", "6", "PR-1")
    + entry("E-2", "P-1", "2026-03-03", "4", "PR-1")
    + entry("E-3", "P-2", "2026-03-04", "4", "PR-1")
    + entry("E-4", "P-1", "2026-03-05", "8", "PR-2")
    + entry("E-5", "P-3", "2026-03-06", "2", "PR-2")
    + entry("E-6", "P-1", "2026-04-06", "3", "PR-1")
    + entry("E-7", "P-3", "2026-04-07", "1", "PR-2")
)

QBO_DETAIL = """\
Kestrel Partners
Transaction Detail by Account
April 1 - April 30, 2026

Date,Transaction Type,Num,Name,Memo/Description,Product/Service,Qty,Rate,Class,Split,Amount,Balance
Accounts Receivable (A/R),,,,,,,,,,,
04/03/2026,Invoice,1001,Acme Corp,,,,,,-Split-,"1,170.00","1,170.00"
Total for Accounts Receivable (A/R),,,,,,,,,,"1,170.00",
Consulting Income,,,,,,,,,,,
04/03/2026,Invoice,1001,Acme Corp,"Development, March (10 h)",Consulting:Elena Ruiz,10,90.00,Storefront,A/R,900.00,900.00
04/03/2026,Invoice,1001,Acme Corp,"Design, March (4 h)",Consulting:Sam Lee,4,100.00,Storefront,A/R,400.00,"1,300.00"
Total for Consulting Income,,,,,,,,,,"1,300.00",
Discounts given,,,,,,,,,,,
04/03/2026,Invoice,1001,Acme Corp,Discount 10%,,,,,A/R,-130.00,-130.00
Total for Discounts given,,,,,,,,,,-130.00,
"""

XERO_HEADER = (
    "*ContactName,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,InventoryItemCode,"
    "*Description,*Quantity,*UnitAmount,Discount,LineAmount,*AccountCode,*TaxType,TaxAmount,"
    "TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,Type,Status"
)
XERO_ROWS = [
    (
        "Globex,INV-2001,,03/04/2026,03/05/2026,800.00,,Portal build March,8,100.00,,800.00,"
        "200,NONE,0.00,Project,Portal,Staff,Elena Ruiz,USD,Sales invoice,AUTHORISED"
    ),
    (
        "Globex,CN-2002,,10/04/2026,10/04/2026,50.00,,Goodwill credit,1,50.00,,50.00,"
        "200,NONE,0.00,Project,Portal,,,USD,Sales credit note,AUTHORISED"
    ),
]

MARCH = Filters.month("2026-03")


@pytest.fixture
def firm(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES)
    qbo = tmp_path / "qbo_detail.csv"
    qbo.write_text(QBO_DETAIL, encoding="utf-8")
    xero = tmp_path / "xero_invoices.csv"
    xero.write_text(XERO_HEADER + "\n" + "\n".join(XERO_ROWS) + "\n", encoding="utf-8")
    for kind, path in (("quickbooks-csv", qbo), ("xero-csv", xero)):
        report = import_accounting(con, kind, path)
        assert report.quarantined == 0
    return con


def test_the_exports_land_as_lines_per_person_and_project_without_entry_ids(firm):
    lines = firm.execute(
        "SELECT invoice_id, kind, CAST(amount AS DECIMAL(18, 2)), project_id, person_id, "
        "coalesce(entry_ids, '') FROM invoice_lines ORDER BY invoice_id, line_no"
    ).fetchall()
    kinds = dict(firm.execute("SELECT invoice_id, kind FROM invoices").fetchall())
    assert kinds == {"1001": "invoice", "INV-2001": "invoice", "CN-2002": "credit_memo"}
    by_invoice = {}
    for invoice_id, kind, amount, project, person, ids in lines:
        assert ids == ""
        by_invoice.setdefault(invoice_id, []).append((kind, amount, project, person))
    assert ("time", D("900.00"), "PR-1", "P-1") in by_invoice["1001"]
    assert ("time", D("400.00"), "PR-1", "P-2") in by_invoice["1001"]
    assert next(x for x in by_invoice["1001"] if x[0] == "discount")[1] == D("-130.00")
    assert by_invoice["INV-2001"] == [("time", D("800.00"), "PR-2", "P-1")]
    assert firm.execute(
        "SELECT count(*) FROM time_entries WHERE invoice_id IS NOT NULL"
    ).fetchone() == (0,)


def test_realization_and_effective_rate_read_the_attribution(firm):
    # 1001: Elena's 900.00 over E-1, E-2 pro rata to card 600 : 400 -> 540.00, 360.00; Sam's
    # 400.00 on E-3. The -130.00 discount names no project: it spreads over the work of the
    # invoice's other lines, card 600 : 400 : 400 -> -55.714..., -37.142..., -37.142...;
    # 1001 bills 1,170.00 in all. INV-2001: 800.00 on E-4. E-5 (Ava) is on no invoice: WIP.
    # The credit note is collection's side (a write-off), not a price: realization ignores it.
    # Billed 1,170.00 + 800.00 = 1,970.00 against card 1,400.00 + 800.00 = 2,200.00:
    # realization 1,970 / 2,200 = 0.8955 (4 places), EBR 1,970.00 / 22 h = 89.55 (89.5454..).
    prepare_metrics(firm, date(2026, 5, 31))
    real = k.summarize_realization(k.realization_rows(firm, MARCH))
    assert real.billed_value == D("1970.00")
    assert real.standard_value == D("2200.00")
    assert real.billed_hours == D(22)
    assert real.value.quantize(D("0.0001")) == D("0.8955")
    assert real.effective_rate == D("89.55")
    assert (real.unbilled_hours, real.unbilled_value) == (D(2), D("200.00"))  # E-5


def found(con, kind, as_of):
    prepare(con, as_of)
    return {e.ref: e for e in evaluate(con, kind, as_of, RulesConfig())}


@pytest.mark.clock
def test_write_down_judges_imported_lines_and_leaves_the_discount_out(firm):
    # 1001: Elena billed 900.00 for 10 h worth 1,000.00 -> 100.00; Sam 400.00 = card. The
    # invoice-level discount is a price term (it lowers realization above), not a write-down.
    # INV-2001 bills E-4 at the card. The credit note is no invoice of work.
    by = found(firm, "write_down", date(2026, 5, 15))
    assert sorted(by) == ["1001"]
    assert (by["1001"].value, by["1001"].project_id, by["1001"].period) == (
        D("100.00"),
        "PR-1",
        "2026-04",
    )
    groups = [(g["person_id"], g["card_value"], g["billed"]) for g in by["1001"].evidence["lines"]]
    assert groups == [("P-1", 1000.0, 900.0)]


@pytest.mark.clock
def test_drafting_bills_only_what_the_imported_invoices_did_not(firm):
    # March: E-1..E-4 are billed by time lines of 1001 and INV-2001 (no invoice_id on them);
    # only Ava's E-5 (2 h, 200.00) is left. Period cap 1,000.00 on C-2: INV-2001 already bills
    # 800.00 of March, so 200.00 fits exactly (room 200.00): no cap line.
    march = draft_period(firm, Period.parse("2026-03"))
    lines = [
        (i.contract_id, line.kind, line.sources, line.amount)
        for i in march.invoices
        for line in i.lines
    ]
    assert lines == [("C-2", "time", ["E-5"], D("200.00"))]
    # April: C-1's contract cap 1,200.00; 1001 billed 900 + 400 - 130 = 1,170.00 on PR-1
    # (the discount names no project; the attribution gives all of it to PR-1's work), so 30.00
    # of E-6's 300.00 fits: a cap adjustment of -270.00. C-2: E-7 100.00, nothing billed in
    # April yet: under its period cap.
    april = draft_period(firm, Period.parse("2026-04"))
    by = {(i.contract_id, line.kind): line.amount for i in april.invoices for line in i.lines}
    assert by == {
        ("C-1", "time"): D("300.00"),
        ("C-1", "cap_adjustment"): D("-270.00"),
        ("C-2", "time"): D("100.00"),
    }


@pytest.mark.clock
def test_over_cap_and_unbilled_time_read_the_attribution(firm):
    # Closed through April on 2026-05-15 (after the 5th business day of May).
    over = found(firm, "over_cap", date(2026, 5, 15))
    assert sorted(over) == ["C-1"]
    assert (over["C-1"].value, over["C-1"].period) == (D("270.00"), "2026-04")
    # Unbilled: E-5 (March) and E-6, E-7 (April); never E-1..E-4, which the imported lines bill.
    unbilled = found(firm, "unbilled_time", date(2026, 5, 15))
    assert sorted(unbilled) == ["E-5", "E-6", "E-7"]
    assert unbilled["E-5"].value == D("200.00")
