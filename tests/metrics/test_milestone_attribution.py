"""Milestone and fixed-fee fees find the work that earned them, not the month they were billed
in (warehouse/sql/marts/030_mart_invoice_attribution.sql). Every number is worked out by hand.

One client, USD, cards 100/h (PR-M milestones, PR-F fixed fee) and 200/h (PR-T, T&M).
PR-M work: E-1 02-10 10 h (card 1000), E-2 03-10 10 h (1000), E-3 03-25 8 h (800),
  E-4 05-05 8 h (800), E-5 05-25 6 h (after M-2: not billed yet).
  M-1 3000.00 completed 03-20, accepted 03-25, linked by milestones.invoice_id = I-1, billed
  on INV-1 (issued 04-02, service period March) by a line naming no ids (an import).
  M-2 2400.00 completed 05-15, billed on INV-2 (issued 06-02, service period May) by a line
  naming "M-2" in entry_ids, as our own drafts do; milestones.invoice_id is empty.
PR-T: T-1 05-04 5 h (card 1000), named by INV-2's second line (1000.00) and carrying
  time_entries.invoice_id = I-2, so INV-2 has work by id, all of it on PR-T.
PR-F: X-1 05-10 2 h (card 200), X-2 06-10 4 h (card 400); fixed fee 900.00 on INV-3 (issued
  07-01, service period June) by a line naming the project in entry_ids, as our drafts do.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from etl.loader import import_canonical
from metrics import kpis as k
from metrics.filters import Filters
from metrics.session import prepare
from tests.conftest import write_folder
from warehouse.db import connect

APPROVED = "2026-07-01T09:00:00-04:00"

FILES = {
    "firm.yaml": "name: Milestone & Co\nbase_currency: USD\n",
    "clients.csv": "client_id,name,currency\nCL-1,Acme,USD\n",
    "people.csv": "person_id,name,role\nP-1,Elena Ruiz,Engineer\n",
    "projects.csv": """
        project_id,name,client_id,status,start_date,end_date
        PR-M,Platform,CL-1,active,2026-02-01,
        PR-T,Support,CL-1,active,2026-02-01,
        PR-F,Audit,CL-1,completed,2026-05-01,2026-06-30
    """,
    "contracts.yaml": """
        contracts:
          - contract_id: C-M
            client_id: CL-1
            currency: USD
            workstreams:
              - {project_id: PR-M, billing: milestone}
          - contract_id: C-T
            client_id: CL-1
            currency: USD
            workstreams:
              - {project_id: PR-T, billing: time_and_materials}
          - contract_id: C-F
            client_id: CL-1
            currency: USD
            workstreams:
              - {project_id: PR-F, billing: fixed_fee, fee: "900.00"}
    """,
    "rates.csv": """
        contract_id,rate,effective_from
        C-M,100.00,2026-01-01
        C-T,200.00,2026-01-01
        C-F,100.00,2026-01-01
    """,
    "milestones.csv": """
        milestone_id,project_id,name,amount,due_date,status,completed_on,accepted_on,invoice_id
        M-1,PR-M,Alpha,3000.00,2026-03-20,accepted,2026-03-20,2026-03-25,I-1
        M-2,PR-M,Beta,2400.00,2026-05-15,accepted,2026-05-15,2026-05-20,
        M-3,PR-M,GA,1800.00,2026-08-31,planned,,,
    """,
    "time_entries.csv": f"""
        entry_id,person_id,date,hours,project_id,billable,approved_at,invoice_id
        E-1,P-1,2026-02-10,10,PR-M,true,{APPROVED},
        E-2,P-1,2026-03-10,10,PR-M,true,{APPROVED},
        E-3,P-1,2026-03-25,8,PR-M,true,{APPROVED},
        E-4,P-1,2026-05-05,8,PR-M,true,{APPROVED},
        E-5,P-1,2026-05-25,6,PR-M,true,{APPROVED},
        T-1,P-1,2026-05-04,5,PR-T,true,{APPROVED},I-2
        X-1,P-1,2026-05-10,2,PR-F,true,{APPROVED},
        X-2,P-1,2026-06-10,4,PR-F,true,{APPROVED},
    """,
    "invoices.csv": """
        invoice_id,number,client_id,issue_date,due_date,currency,total,status,kind,period_start,period_end
        I-1,INV-1,CL-1,2026-04-02,2026-05-02,USD,3000.00,sent,invoice,2026-03-01,2026-03-31
        I-2,INV-2,CL-1,2026-06-02,2026-07-02,USD,3400.00,sent,invoice,2026-05-01,2026-05-31
        I-3,INV-3,CL-1,2026-07-01,2026-07-31,USD,900.00,sent,invoice,2026-06-01,2026-06-30
    """,
    "invoice_lines.csv": """
        invoice_id,line_no,amount,kind,project_id,entry_ids
        I-1,1,3000.00,milestone,PR-M,
        I-2,1,2400.00,milestone,PR-M,M-2
        I-2,2,1000.00,time,PR-T,T-1
        I-3,1,900.00,fixed_fee,PR-F,PR-F
    """,
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("milestones")
    connection = connect(tmp / "warehouse.duckdb")
    report = import_canonical(connection, write_folder(tmp / "firm", FILES))
    assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]
    prepare(connection, date(2026, 12, 31))
    yield connection
    connection.close()


def _billed(con) -> dict[tuple[str, str], D]:
    rows = con.execute(
        "SELECT entry_id, invoice_id, round(billed_value, 2) FROM mart_invoice_attribution"
    ).fetchall()
    return {(e, i): v for e, i, v in rows}


def test_each_milestone_takes_the_work_since_the_previous_one(con):
    billed = _billed(con)
    # M-1 (work to its completion on 03-20, none before): E-1 and E-2, card 1000 : 1000
    assert billed[("E-1", "I-1")] == D("1500.00")
    assert billed[("E-2", "I-1")] == D("1500.00")
    # M-2 (after 03-20 to 05-15): E-3 and E-4, card 800 : 800 -> 2400 / 2
    assert billed[("E-3", "I-2")] == D("1200.00")
    assert billed[("E-4", "I-2")] == D("1200.00")
    # E-5 is M-3's work, not billed yet; no entry lands on two milestones
    assert not [key for key in billed if key[0] == "E-5"]
    assert len([key for key in billed if key[0].startswith("E-")]) == 4


def test_a_milestone_beside_another_projects_time_keeps_to_its_project(con):
    billed = _billed(con)
    # INV-2's by-id work is all on PR-T: the PR-M milestone does not spread over it
    assert billed[("T-1", "I-2")] == D("1000.00")


def test_a_fixed_fee_line_naming_its_project_finds_the_projects_work(con):
    billed = _billed(con)
    # 900 over, card 200 : 400 -> 300 and 600
    assert (billed[("X-1", "I-3")], billed[("X-2", "I-3")]) == (D("300.00"), D("600.00"))
    totals = dict(
        con.execute(
            "SELECT invoice_id, sum(billed_value) FROM mart_invoice_attribution GROUP BY ALL"
        ).fetchall()
    )
    assert totals == {"I-1": D(3000), "I-2": D(3400), "I-3": D(900)}


@pytest.mark.parametrize(
    ("month", "billed", "standard"),
    [
        ("2026-02", "1500.00", "1000.00"),  # E-1
        ("2026-03", "2700.00", "1800.00"),  # E-2 1500 + E-3 1200 over 1000 + 800
        ("2026-05", "2500.00", "2000.00"),  # E-4 1200 + T-1 1000 + X-1 300 over 800+1000+200
        ("2026-06", "600.00", "400.00"),
    ],
)
def test_monthly_realization_follows_the_work(con, month, billed, standard):
    real = k.summarize_realization(k.realization_rows(con, Filters.month(month)))
    assert (real.billed_value, real.standard_value) == (D(billed), D(standard))
