"""Rules 6, 8 and 9: fixed fee on completion, milestones on acceptance, one hybrid invoice,
PO alert and limit. Expected amounts worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

from billing.draft import draft_period
from billing.period import Period
from tests.billing.firm import build, entry

MARCH = Period(2026, 3)

HYBRID = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    po: {number: PO-4471, limit: "60000.00", alert_at: 0.8}
    workstreams:
      - project_id: PR-3
        billing: fixed_fee
        fee: "25000.00"
      - project_id: PR-4
        billing: milestone
        bill_on: accepted
      - project_id: PR-1
        billing: time_and_materials
"""

MILESTONES = """
    milestone_id,project_id,name,amount,due_date,status,completed_on,accepted_on
    M-1,PR-4,Design sign-off,10000.00,2026-03-15,accepted,2026-03-10,2026-03-18
    M-2,PR-4,Beta,12000.00,2026-03-31,complete,2026-03-28,
    M-3,PR-4,Launch,8000.00,2026-02-28,accepted,2026-02-20,2026-02-25
"""


def lines(draft, contract_id="C-1"):
    inv = next(i for i in draft.invoices if i.contract_id == contract_id)
    return [(line.kind, line.amount, line.sources) for line in inv.lines], inv


def test_hybrid_contract_is_one_invoice_with_fixed_fee_milestone_and_time(con, tmp_path):
    entries = (
        entry("T-1", "P-2", "2026-03-02", "3", "PR-1")  # T&M: 3 x 150 = 450.00
        + entry("T-2", "P-2", "2026-03-03", "8", "PR-3")  # fixed fee work: never billed by the hour
        + entry("T-3", "P-2", "2026-03-04", "5", "PR-4")  # milestone work: never billed by the hour
    )
    build(con, tmp_path, HYBRID, "C-1,150.00,2026-01-01,,,,\n", entries, milestones__csv=MILESTONES)
    draft = draft_period(con, MARCH)
    got, inv = lines(draft)
    # PR-3 completed 2026-03-20 -> fee 25000.00; M-1 accepted 2026-03-18 -> 10000.00; M-2 only
    # complete (bill_on accepted) and M-3 accepted in February: not billed now
    assert got == [
        ("fixed_fee", D("25000.00"), ["PR-3"]),
        ("milestone", D("10000.00"), ["M-1"]),
        ("time", D("450.00"), ["T-1"]),
    ]
    # subtotal 35450.00, tax 8% = 2836.00, total 38286.00
    assert (inv.subtotal, inv.tax, inv.total) == (D("35450.00"), D("2836.00"), D("38286.00"))
    assert len(draft.invoices) == 1 and inv.po_number == "PO-4471"
    # 38286.00 <= 0.8 x 60000 = 48000: no PO exception
    assert draft.exceptions == []


def test_bill_on_complete_bills_a_completed_milestone(con, tmp_path):
    contracts = HYBRID.replace("bill_on: accepted", "bill_on: complete")
    build(con, tmp_path, contracts, "C-1,150.00,2026-01-01,,,,\n", milestones__csv=MILESTONES)
    got, _ = lines(draft_period(con, MARCH))
    # M-1 completed 2026-03-10 and M-2 completed 2026-03-28 are both in March
    assert [g for g in got if g[0] == "milestone"] == [
        ("milestone", D("10000.00"), ["M-1"]),
        ("milestone", D("12000.00"), ["M-2"]),
    ]


def test_fixed_fee_already_billed_is_not_billed_again(con, tmp_path):
    files = {
        "invoices__csv": """
            invoice_id,client_id,issue_date,due_date,currency,total,status,po_number
            I-1,CL-1,2026-02-28,2026-03-30,USD,27000.00,sent,PO-4471
        """,
        "invoice_lines__csv": "invoice_id,line_no,amount,kind,project_id\nI-1,1,25000.00,fixed_fee,PR-3\n",
    }
    build(con, tmp_path, HYBRID, "C-1,150.00,2026-01-01,,,,\n", milestones__csv=MILESTONES, **files)
    got, _ = lines(draft_period(con, MARCH))
    assert [g[0] for g in got] == ["milestone"]


def test_po_alert_and_po_exceeded(con, tmp_path):
    earlier = """
        invoice_id,client_id,issue_date,due_date,currency,total,status,po_number
        I-1,CL-1,2026-01-31,2026-03-02,USD,11000.00,paid,PO-4471
        I-2,CL-1,2026-02-28,2026-03-30,USD,1000.00,void,PO-4471
    """
    build(
        con,
        tmp_path,
        HYBRID,
        "C-1,150.00,2026-01-01,,,,\n",
        milestones__csv=MILESTONES,
        invoices__csv=earlier,
    )
    draft = draft_period(con, MARCH)
    # 11000.00 (the void one does not count) + this draft 25000 + 10000 = 35000 x 1.08 = 37800.00
    # -> 48800.00 > 48000.00 (0.8 x 60000) and <= 60000: po_alert
    assert [(e.kind, e.ref) for e in draft.exceptions] == [("po_alert", "C-1")]
    assert "48800.00" in draft.exceptions[0].detail

    con.execute("UPDATE invoices SET total = 30000.00 WHERE invoice_id = 'I-1'")
    draft = draft_period(con, MARCH)
    # 30000.00 + 37800.00 = 67800.00 > 60000.00: po_exceeded instead
    assert [(e.kind, e.ref) for e in draft.exceptions] == [("po_exceeded", "C-1")]


def test_invoice_per_project_splits_the_contract(con, tmp_path):
    contracts = HYBRID.replace(
        "    currency: USD\n", "    currency: USD\n    invoice_per: project\n"
    )
    entries = entry("T-1", "P-2", "2026-03-02", "3", "PR-1")
    build(
        con, tmp_path, contracts, "C-1,150.00,2026-01-01,,,,\n", entries, milestones__csv=MILESTONES
    )
    draft = draft_period(con, MARCH)
    assert sorted((i.project_id, i.subtotal) for i in draft.invoices) == [
        ("PR-1", D("450.00")),
        ("PR-3", D("25000.00")),
        ("PR-4", D("10000.00")),
    ]


def test_refused_contracts_are_named_in_the_draft_and_the_others_still_draft(con, tmp_path):
    from etl.loader import import_canonical
    from tests.billing.firm import BASE
    from tests.conftest import write_folder

    bad = (
        HYBRID
        + """  - contract_id: C-7
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-404
        billing: time_and_materials
  - contract_id: C-8
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: retainer
        monthly_fee: "1000.00"
        included_hours: -5
"""
    )
    folder = write_folder(tmp_path / "firm", BASE | {"milestones.csv": MILESTONES})
    (folder / "contracts.yaml").write_text(bad)
    import_canonical(con, folder)
    draft = draft_period(con, MARCH)
    refused = {e.ref: e.detail for e in draft.exceptions if e.kind == "invalid_contract"}
    assert set(refused) == {"C-7", "C-8"}
    assert "unknown project 'PR-404'" in refused["C-7"]
    assert "included_hours -5" in refused["C-8"]
    assert [i.contract_id for i in draft.invoices] == ["C-1"]  # C-1 still drafts


def test_client_draft_ignores_other_clients_expenses(con, tmp_path):
    contracts = (
        HYBRID.replace("    po: {number", "    expenses: {billable: true}\n    po: {number")
        + """  - contract_id: C-2
    client_id: CL-2
    currency: USD
    expenses: {billable: true}
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
"""
    )
    expenses = """
        expense_id,person_id,date,amount,currency,description,project_id,billable,approved_at
        X-1,P-2,2026-03-05,100.00,USD,Taxi,PR-1,true,2026-03-06T09:00:00+00:00
        X-2,P-2,2026-03-05,40.00,USD,Parking,PR-2,true,2026-03-06T09:00:00+00:00
    """
    build(
        con,
        tmp_path,
        contracts,
        "C-1,150.00,2026-01-01,,,,\n",
        expenses__csv=expenses,
        milestones__csv=MILESTONES,
    )
    draft = draft_period(con, MARCH, client_id="CL-1")
    assert draft.exceptions == []
    got, _ = lines(draft)
    assert ("expense", D("100.00"), ["X-1"]) in got
    assert [i.contract_id for i in draft.invoices] == ["C-1"]
