"""The Realization & margin page's numbers on a small firm built through the real importer.
Every expected figure is worked out by hand in the comments from the rows below.

The range is March 2026. Rate cards: C-1 (Acme, USD) 100.00/h, C-3 (Initech, EUR) 100.00/h.
EUR is 1.10 until 2026-03-15 and 1.20 from 2026-03-16 (a mid-period rate change)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import polars as pl
import pytest

from metrics.filters import Filters
from metrics.kpis import summarize_realization
from metrics.session import prepare
from read_models import realization_view as rv
from tests.billing.firm import build, entry

MARCH = Filters.month("2026-03")
LATER = date(2026, 5, 31)  # "today" for the collected-to-date variant

CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
      - project_id: PR-4
        billing: fixed_fee
        fee: "5000.00"
        bill_on: complete
  - contract_id: C-3
    client_id: CL-3
    currency: EUR
    workstreams:
      - project_id: PR-6
        billing: time_and_materials
"""
RATES = "C-1,100.00,2026-01-01,,,,\nC-3,100.00,2026-01-01,,,,\n"
ENTRIES = (
    entry("A-1", "P-1", "2026-03-02", "4", "PR-1")  # card 4 x 100 = 400.00
    + entry("A-2", "P-2", "2026-03-03", "2", "PR-1")  # card 2 x 100 = 200.00
    + entry("A-3", "P-1", "2026-03-20", "1", "PR-1")  # never invoiced: WIP 100.00
    + entry("E-1", "P-3", "2026-03-10", "3", "PR-6")  # EUR 300 x 1.10 = 330.00
    + entry("E-2", "P-3", "2026-03-17", "2", "PR-6")  # EUR 200 x 1.20 = 240.00
    + entry("F-1", "P-1", "2026-03-05", "15", "PR-4")  # fixed fee: card 15 x 100 = 1500.00
    + entry("N-1", "P-2", "2026-03-06", "1", "PR-1", billable="false")  # cost only
)
FILES = {
    "people__csv": """
        person_id,name,role,team,cost_rate
        P-1,Elena Ruiz,Engineer,Engineering,60.00
        P-2,Sam Lee,Designer,Design,50.00
        P-3,Ava Chen,Engineer,Engineering,40.00
    """,
    "projects__csv": """
        project_id,name,client_id,status,start_date,end_date,budget_hours
        PR-1,Storefront,CL-1,active,2026-01-01,,
        PR-4,Build,CL-1,active,2026-01-01,,20
        PR-6,Migration,CL-3,active,2026-01-01,,
        PR-9,Admin,CL-0,active,,,
    """,
    "fx_rates__csv": """
        date,currency,rate_to_base
        2026-01-01,EUR,1.10
        2026-03-16,EUR,1.20
    """,
    "milestones__csv": """
        milestone_id,project_id,name,amount,due_date,status
        M-1,PR-4,Design,2500.00,2026-03-15,complete
        M-2,PR-4,Launch,2500.00,2026-04-30,planned
    """,
    # I-1: 600.00 of time less a 60.00 discount, both naming A-1 (4 h) and A-2 (2 h);
    # I-2: EUR 500.00 for E-1 (3 h) and E-2 (2 h), issued 04-01 at 1.20;
    # I-3: the fixed fee; CM-1 credits 54.00 of I-1 on 04-10 (service period March).
    "invoices__csv": """
        invoice_id,number,client_id,issue_date,due_date,currency,total,status,kind,credits_invoice_id,period_start,period_end
        I-1,INV-1,CL-1,2026-03-31,2026-04-30,USD,540.00,sent,invoice,,2026-03-01,2026-03-31
        I-2,INV-2,CL-3,2026-04-01,2026-05-01,EUR,500.00,sent,invoice,,2026-03-01,2026-03-31
        I-3,INV-3,CL-1,2026-03-31,2026-04-30,USD,2000.00,sent,invoice,,2026-03-01,2026-03-31
        CM-1,CM-1,CL-1,2026-04-10,2026-04-10,USD,-54.00,sent,credit_memo,I-1,2026-03-01,2026-03-31
    """,
    "invoice_lines__csv": """
        invoice_id,line_no,amount,kind,project_id,quantity,unit_price,entry_ids
        I-1,1,600.00,time,PR-1,6,100.00,A-1;A-2
        I-1,2,-60.00,discount,PR-1,,,A-1;A-2
        I-2,1,500.00,time,PR-6,5,100.00,E-1;E-2
        I-3,1,2000.00,fixed_fee,PR-4,,,
        CM-1,1,-54.00,credit,PR-1,,,
    """,
    # PAY-1 pays half of INV-1 on the range's last day; PAY-2 pays EUR 300 of INV-2 in April
    "payments__csv": """
        payment_id,client_id,date,amount,currency,reference,invoice_id
        PAY-1,CL-1,2026-03-31,270.00,USD,INV-1 part,
        PAY-2,CL-3,2026-04-20,300.00,EUR,wire,I-2
    """,
}


@pytest.fixture
def firm(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, **FILES)
    prepare(con, LATER)
    return con


def test_realization_and_effective_rate_by_client(firm):
    data = rv.read_page(firm, MARCH)
    # billed: A-1 (600 - 60) x 4/6 = 360.00, A-2 540 x 2/6 = 180.00,
    #         E-1 EUR 500 x 3/5 x 1.20 = 360.00, E-2 EUR 500 x 2/5 x 1.20 = 240.00
    #         F-1 the whole fixed fee of I-3 (its only work on PR-4 in March): 2000.00
    # standard over the billed entries: 400 + 200 + 330 + 240 + F-1 15 x 100 = 2670.00;
    # billed 1140.00 + 2000.00 = 3140.00
    total = summarize_realization(data.entries)
    assert (total.standard_value, total.billed_value) == (D("2670.00"), D("3140.00"))
    assert total.value == D("1.1760")  # 3140 / 2670 = 1.176029...
    assert total.effective_rate == D("120.77")  # 3140 / 26 h = 120.769...
    assert (total.unbilled_value, total.unbilled_hours) == (D("100.00"), D(1))
    rows = {r["client_id"]: r for r in data.clients.iter_rows(named=True)}
    assert list(rows) == ["CL-1", "CL-3"]  # by standard value: 2100.00, then 570.00
    acme, initech = rows["CL-1"], rows["CL-3"]
    # Acme: (540 + 2000) / (600 + 1500) = 1.2095, 2540 / 21 h = 120.95 against the card's
    # 100.00; the fee writes up 500.00 and the discount writes down 60.00: -440.00
    assert (acme["realization"], acme["effective_rate"], acme["standard_rate"]) == (
        1.2095,
        D("120.95"),
        D("100.00"),
    )
    assert (acme["write_down"], acme["wip_hours"], acme["wip_value"]) == (
        D("-440.00"),
        1.0,
        D("100.00"),
    )
    projects = {
        r["project_id"]: r for r in rv.by_project(data.entries, "CL-1").iter_rows(named=True)
    }
    assert projects["PR-1"]["realization"] == 0.9  # 540 / 600: the T&M work alone
    assert projects["PR-4"]["realization"] == 1.3333  # the fee 2000 / card 1500
    # Initech: 600 / 570 = 1.0526 (a write-up from the rate moving between work and invoice),
    # 600 / 5 h = 120.00 against 570 / 5 = 114.00
    assert initech["realization"] == 1.0526
    assert (initech["effective_rate"], initech["standard_rate"]) == (D("120.00"), D("114.00"))
    assert initech["write_down"] == D("-30.00")


def test_drill_down_client_projects_and_project_entries(firm):
    data = rv.read_page(firm, MARCH)
    projects = rv.by_project(data.entries, "CL-1")
    # PR-4 is fixed fee: its fee is spread over its work (card 1500.00), before PR-1's 600.00
    assert projects["project_id"].to_list() == ["PR-4", "PR-1"]
    entries = rv.project_entries(data.entries, "PR-6")
    shown = ("person_name", "hours", "rate", "standard_value", "billed_value", "invoices")
    assert entries.select(shown).rows() == [
        ("Ava Chen", 3.0, D("110.00"), D("330.00"), D("360.00"), "INV-2"),  # 330 / 3 h
        ("Ava Chen", 2.0, D("120.00"), D("240.00"), D("240.00"), "INV-2"),
    ]
    wip = rv.project_entries(data.entries, "PR-1").filter(pl.col("billed_value").is_null())
    assert wip.select("date", "hours", "invoices").rows() == [(date(2026, 3, 20), 1.0, None)]


def test_waterfall_at_the_range_end_and_today(firm):
    entries = rv.read_entries(firm, MARCH, today=LATER)
    # by 03-31 only PAY-1 has come in: 270 / 540 = half of INV-1, so half of A-1 (360) and
    # A-2 (180) = 270.00 collected; INV-2 is issued on 04-01, INV-3 (the fee) is unpaid;
    # nothing credited yet. Standard 1170 + 1500 (F-1) = 2670, billed 1140 + 2000 = 3140
    assert [(s, v) for s, _, v in rv.waterfall(entries).rows()] == [
        ("Standard value", D("2670.00")),
        ("Write-downs & discounts", D("470.00")),  # 3140 - 2670: the fee writes up
        ("Billed", D("3140.00")),
        ("Written off (credit memos)", D("0.00")),
        ("Not yet collected", D("-2870.00")),  # 3140 - 270
        ("Collected", D("270.00")),
    ]
    # by 05-31: CM-1 credits 54 / 540 = 10% of INV-1 (540 x 0.1 = 54.00 written off);
    # PAY-2 pays EUR 300 / 500 = 60% of INV-2: 600 x 0.6 = 360.00; collected 270 + 360 = 630
    assert [v for _, _, v in rv.waterfall(entries, now=True).rows()] == [
        D("2670.00"),
        D("470.00"),
        D("3140.00"),
        D("-54.00"),
        D("-2456.00"),  # 3140 - 630 - 54
        D("630.00"),
    ]
    by_project = rv.waterfall_step_by_project(entries, "Write-downs & discounts")
    assert by_project.select("project_id", "amount").rows() == [
        ("PR-1", D("60.00")),
        ("PR-6", D("-30.00")),
        ("PR-4", D("-500.00")),
    ]
    not_yet = rv.waterfall_step_by_project(entries, "Not yet collected", now=True)
    # PR-4: 2000 unpaid; PR-1: 540 - 270 - 54 = 216.00; PR-6: 600 - 360 = 240.00
    assert not_yet.select("project_id", "amount").rows() == [
        ("PR-4", D("2000.00")),
        ("PR-6", D("240.00")),
        ("PR-1", D("216.00")),
    ]


def test_margin_by_project_and_cost_by_person(firm):
    data = rv.read_page(firm, MARCH)
    margin = rv.margin_table(data.margin)
    # PR-4: 2000.00 - 15 h x 60 = 900.00 -> 1100.00, 55%
    # PR-6: EUR 500 x 1.20 = 600.00 - 5 h x 40 = 200.00 -> 400.00, 66.67%
    # PR-1: 600 - 60 - 54 (credit memo of a March service period) = 486.00 revenue;
    #       cost A-1 4 x 60 + A-2 2 x 50 + A-3 1 x 60 + N-1 1 x 50 = 450.00 -> 36.00, 7.41%
    assert margin.select("project_id", "revenue", "cost", "margin", "margin_pct").rows() == [
        ("PR-4", D("2000.00"), D("900.00"), D("1100.00"), 0.55),
        ("PR-6", D("600.00"), D("200.00"), D("400.00"), 0.6667),
        ("PR-1", D("486.00"), D("450.00"), D("36.00"), 0.0741),
    ]
    cost = rv.project_cost(data.margin_people, "PR-1")
    assert cost.select("person_name", "hours", "billable_hours", "cost").rows() == [
        ("Elena Ruiz", 5.0, 5.0, D("300.00")),  # A-1 4 h + A-3 1 h at 60
        ("Sam Lee", 3.0, 2.0, D("150.00")),  # A-2 2 h + N-1 1 h (non-billable) at 50
    ]


def test_budget_burn_flags_hours_ahead_of_milestones(firm):
    burn = rv.burn_table(rv.read_page(firm, MARCH).burn)
    # PR-4: 15 h of 20 budgeted = 75% burnt, 1 of 2 milestones done = 50%: 25 points ahead
    (row,) = burn.rows(named=True)
    assert (row["project_id"], row["burn"], row["milestones_done"]) == ("PR-4", 0.75, 0.5)
    assert row["burn_ahead_by"] == pytest.approx(0.25) and row["burn_ahead"] is True
    assert row["fee"] == D("5000.00")


def test_a_warehouse_without_the_receivables_tables_still_collects(firm):
    # a warehouse built before migration 004 (read-only pages cannot migrate it)
    firm.execute("DROP TABLE payment_allocations").fetchall()
    firm.execute("DROP TABLE late_fee_charges").fetchall()
    entries = rv.read_entries(firm, MARCH, today=LATER)
    assert rv.waterfall(entries)["value"][-1] == D("270.00")  # as above: half of INV-1


def test_a_range_with_no_work(firm):
    data = rv.read_page(firm, Filters.month("2026-07"))
    assert data.entries.is_empty() and data.clients.is_empty() and data.margin.is_empty()
    assert data.has_data
    assert rv.waterfall(data.entries)["value"].to_list() == [D("0.00")] * 6


def test_the_page_reads_the_same_realization_as_the_kpi(firm):
    # entries.sql shares realization.sql's CTEs (realization_parts.sql) and splits the billed
    # value by invoice: the two must agree row for row
    from metrics.kpis import realization_rows

    kpi = realization_rows(firm, MARCH).select(
        "entry_id", "hours", "standard_value", "billed_value"
    )
    page = rv.read_entries(firm, MARCH).select(kpi.columns)
    assert page.rows() == kpi.rows()
    assert page.height == 6  # E-1, E-2, F-1
