"""Data health names money no base-currency figure can hold: a firm that imported only its Xero
export in NZD, with no firm.yaml (base USD) and no NZD rate (AppTest against a real import)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from etl.accounting_import import import_accounting
from etl.app_writes import app_load, insert_row
from tests.support.app_pages import open_page
from warehouse.db import connect

PAGE = "pages/data_health.py"
# Two NZD invoices, 1,150.00 and 575.00 (tax in), one line each.
XERO = """\
*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,Total,TaxTotal,*Description,*Quantity,*UnitAmount,LineAmount,*AccountCode,TaxAmount,Currency,Type,Status
Bayside Club,INV-0010,01/10/2026,31/10/2026,"1,150.00",150.00,Retainer October,1,"1,000.00","1,000.00",200,150.00,NZD,Sales invoice,Paid
Bayside Club,INV-0011,15/10/2026,14/11/2026,575.00,75.00,Design hours,2.5,200.00,500.00,200,75.00,NZD,Sales invoice,Awaiting Payment
"""


def nzd_firm(tmp_path: Path) -> Path:
    db = tmp_path / "warehouse.duckdb"
    export = tmp_path / "xero_invoices.csv"
    export.write_text(XERO, encoding="utf-8")
    con = connect(db)
    import_accounting(con, "xero-csv", export)
    con.close()
    return db


def test_invoices_without_a_rate_to_the_base_are_named(monkeypatch, tmp_path):
    at = open_page(monkeypatch, nzd_firm(tmp_path), PAGE)
    (warning,) = [w.value for w in at.warning if "no exchange rate" in w.value]
    assert warning.startswith("**Amounts in NZD have no exchange rate to USD, the base currency.")
    (gaps,) = [df.value for df in at.dataframe if "first_day" in df.value.columns]
    # 1,150.00 + 575.00 = 1,725.00, issued 2026-10-01 and 2026-10-15
    assert gaps[["documents", "currency", "count"]].values.tolist() == [["invoices", "NZD", 2]]
    assert Decimal(str(gaps["amount"][0])) == Decimal("1725.00")
    assert [str(d)[:10] for d in (gaps["first_day"][0], gaps["last_day"][0])] == [
        "2026-10-01",
        "2026-10-15",
    ]


def test_a_rate_in_force_clears_it(monkeypatch, tmp_path):
    db = nzd_firm(tmp_path)
    con = connect(db)
    load_id = app_load(con, "test", "fx", "an NZD rate", {"fx_rates": (1, 0)})
    rate = {"date": "2026-09-30", "currency": "NZD", "rate_to_base": "0.59"}
    insert_row(con, "fx_rates", load_id, "test", rate)
    con.close()
    at = open_page(monkeypatch, db, PAGE)
    assert not [w for w in at.warning if "no exchange rate" in w.value]


def test_the_demo_firm_has_no_currency_warning(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, PAGE)
    assert not [w for w in at.warning if "no exchange rate" in w.value]
