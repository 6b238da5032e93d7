"""Collections KPIs on a hand-computed firm (every expected number is worked out below)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from metrics.filters import Filters
from metrics.receivables import aging_by_client, collection_kpis, dso_trend
from tests.billing.ar_firm import build_ar_firm

# CL-1 (USD, 30 days): A 3000 (01-10), B 6000 (02-10), C 9000 (03-10); memo M -600 on B
# (03-20). CL-3 (EUR): D EUR 1000 (03-01), EUR at 1.10 until 03-14, 1.20 from 03-15.
# P1 pays A in full on 02-20; P2 pays 2400 of B on 03-25 (B: 6000 - 600 - 2400 = 3000 open).
INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,kind,credits_invoice_id
A,INV-A,CL-1,C-1,2026-01-10,2026-02-09,USD,3000.00,invoice,
B,INV-B,CL-1,C-1,2026-02-10,2026-03-12,USD,6000.00,invoice,
C,INV-C,CL-1,C-1,2026-03-10,2026-04-09,USD,9000.00,invoice,
D,INV-D,CL-3,C-3,2026-03-01,2026-03-31,EUR,1000.00,invoice,
M,CM-M,CL-1,C-1,2026-03-20,2026-03-20,USD,-600.00,credit_memo,B
"""
PAYMENTS = """
payment_id,client_id,date,amount,currency,reference,invoice_id
P1,CL-1,2026-02-20,3000.00,USD,INV-A,
P2,CL-1,2026-03-25,2400.00,USD,INV-B,
"""
FX = """
date,currency,rate_to_base
2026-01-01,EUR,1.10
2026-03-15,EUR,1.20
"""
Q1 = Filters.quarter_to("2026-03")


@pytest.fixture
def firm(con, tmp_path):
    build_ar_firm(con, tmp_path, INVOICES, PAYMENTS, fx_rates__csv=FX)
    # B was promised for 03-28 and was still open then: broken; C's promise is in April
    con.execute(
        "INSERT INTO ar_promises VALUES (1, 'B', '2026-03-28', now(), 'Dana'), "
        "(2, 'C', '2026-04-20', now(), 'Dana')"
    ).fetchall()
    return con


def test_collection_kpis_by_hand(firm):
    k = collection_kpis(firm, Q1)
    # open at 03-31: B 3000 (19 days late), C 9000 (current), D EUR 1000 x 1.10 (its issue
    # date's rate) = 1100 (due today: current) -> AR 13100, current 10100, overdue 3000
    assert (k.open_ar, k.overdue_ar) == (D("13100.00"), D("3000.00"))
    # invoiced 01-01..03-31 (90 days) net of the memo: 3000 + 6000 + 9000 + 1100 - 600 = 18500
    assert k.dso_simple == D("63.7")  # 13100 / 18500 x 90 = 63.73
    assert k.best_possible_dso == D("49.1")  # 10100 / 18500 x 90 = 49.14
    assert k.average_days_delinquent == D("14.6")
    # countback: March 9000 + 1100 - 600 = 9500 (31 days), 3600 left of February's 6000:
    # 31 + 3600 / 6000 x 28 = 47.8
    assert k.dso_countback == D("47.8")
    assert k.dso_target == D("35.0")  # every invoice on 30-day terms, + 5
    # CEI: (0 + 18500 - 13100) / (0 + 18500 - 10100) = 5400 / 8400
    assert k.cei == D("0.6429")
    # cohort Q1 billed 3000 + 6000 + 9000 + 1100 = 19100, paid on it 3000 + 2400 = 5400
    assert k.collection_realization == D("0.2827")
    assert k.collection_rate == D("0.2919")  # received 5400 / net invoiced 18500
    assert k.invoice_to_cash_days == D("41.0")  # A: 01-10 -> 02-20
    assert k.broken_promises == 1


def test_march_cei_and_a_client_filter(firm):
    march = Filters.month("2026-03")
    # beginning AR (02-28): B 6000; (6000 + 9500 - 13100) / (6000 + 9500 - 10100) = 2400 / 5400
    assert collection_kpis(firm, march).cei == D("0.4444")
    only_eur = collection_kpis(firm, Filters.month("2026-03", clients=("CL-3",)))
    assert (only_eur.open_ar, only_eur.overdue_ar, only_eur.broken_promises) == (
        D("1100.00"),
        D("0.00"),
        0,
    )


def test_aging_by_client_and_trend(firm):
    rows = aging_by_client(firm, Q1).to_dicts()
    assert [(r["client_id"], r["current"], r["d1_30"], r["total"]) for r in rows] == [
        ("CL-1", D("9000.00"), D("3000.00"), D("12000.00")),
        ("CL-3", D("1100.00"), D("0.00"), D("1100.00")),
    ]
    trend = dso_trend(firm, Q1, months=3)
    assert trend["month"].to_list() == ["2026-01", "2026-02", "2026-03"]
    # January 31: AR = A 3000; invoiced in the 90 days = 3000 -> 90.0
    assert trend["dso_simple"].to_list()[0] == D("90.0")
    assert trend["dso_simple"].to_list()[2] == D("63.7")


def test_no_receivables_is_not_zero(con):
    k = collection_kpis(con, Filters.month("2026-03"))
    assert (k.dso_simple, k.cei, k.collection_rate, k.open_ar) == (None, None, None, D("0.00"))
    assert aging_by_client(con, Filters.month("2026-03")).is_empty()
    assert date(2026, 3, 31) == k.as_of
