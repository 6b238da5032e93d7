"""Rules engine, milestone and policy kinds: milestone_burn_ahead, milestone_not_invoiced,
budget_alert, po_alert, po_exceeded. Each fires on hand-worked numbers and has a near miss."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from rules.config import RulesConfig
from rules.engine import evaluate
from rules.prepare import prepare
from tests.billing.firm import build, entry

AS_OF = date(2026, 4, 15)  # March is closed, April is open

CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    po: {number: PO-1, limit: "10000.00", alert_at: 0.8}
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
      - project_id: PR-3
        billing: fixed_fee
        fee: "20000.00"
      - project_id: PR-4
        billing: milestone
        bill_on: accepted
      - project_id: PR-6
        billing: fixed_fee
        fee: "5000.00"
      - project_id: PR-8
        billing: fixed_fee
        fee: "5000.00"
  - contract_id: C-2
    client_id: CL-3
    currency: EUR
    po: {number: PO-2, limit: "5000.00", alert_at: 0.9}
    workstreams:
      - project_id: PR-5
        billing: milestone
        bill_on: complete
  - contract_id: C-3
    client_id: CL-2
    currency: USD
    po: {number: PO-3, limit: "1000.00", alert_at: 0.8}
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
"""
RATES = "C-1,150.00,2026-01-01,,,,\nC-2,140.00,2026-01-01,,,,\nC-3,150.00,2026-01-01,,,,\n"
PEOPLE = """
    person_id,name,role,team,cost_rate
    P-1,Elena Ruiz,Engineer,Engineering,100.00
    P-2,Sam Lee,Designer,Design,80.00
    P-3,Ava Chen,Engineer,Engineering,
"""
PROJECTS = """
    project_id,name,client_id,status,budget_hours,budget_amount,start_date,end_date
    PR-1,Storefront,CL-1,active,40,,2026-01-01,
    PR-2,Portal,CL-2,active,,10000.00,2026-01-01,
    PR-3,Discovery,CL-1,active,,10000.00,2026-01-01,
    PR-4,Build,CL-1,active,,10000.00,2026-01-01,
    PR-5,Rollout,CL-3,active,,,2026-01-01,
    PR-6,Audit,CL-1,active,100,,2026-01-01,2026-12-31
    PR-7,Internal tools,CL-2,active,40,,2026-01-01,
    PR-8,Review,CL-1,active,,1000.00,2026-01-01,2026-01-31
"""


def work(entry_id, person, first_day, hours, project):
    """`hours` as entries of at most 8 h on consecutive days from `first_day` (ids T-n.1, …)."""
    rows, left, day, n = "", D(hours), date.fromisoformat(first_day), 1
    while left > 0:
        chunk = min(left, D(8))
        rows += entry(f"{entry_id}.{n}", person, day.isoformat(), str(chunk), project)
        left, day, n = left - chunk, day + timedelta(days=1), n + 1
    return rows


ENTRIES = (
    # budget_alert PR-1: 30 of 40 budget hours = exactly 75.0% -> crosses 75, not 90
    work("T-1", "P-2", "2026-03-02", "30", "PR-1")
    # PR-2: 91 h x 100.00 cost = 9100.00 of 10000.00 = 91% -> crosses 75 and 90, not 100
    + work("T-2", "P-1", "2026-03-03", "91", "PR-2")
    # PR-3 fixed fee: 70 h x 100.00 = 7000.00 = 70% burn; 2 of 3 equal milestones done = 66.67%
    # progress -> 3.33 points ahead: on track, no burn-ahead (and below 75: no budget alert)
    + work("T-3", "P-1", "2026-03-04", "70", "PR-3")
    # PR-4 milestone: 95 h x 100.00 = 9500.00 = 95% burn; 1 of 3 equal milestones = 33.33%
    # -> 61.67 points ahead: fires; budget alerts at 75 and 90
    + work("T-4", "P-1", "2026-03-05", "95", "PR-4")
    # PR-6 fixed fee, no milestones: 45 of 100 h = 45% burn; elapsed 2026-01-01 -> 04-15 is
    # 104 of 364 days = 28.5714% -> 16.43 points ahead: fires (hours basis, no money value)
    + work("T-5", "P-3", "2026-03-06", "45", "PR-6")
    # PR-7: 29.99 of 40 h = 74.975%: no budget alert
    + work("T-6", "P-2", "2026-03-09", "29.99", "PR-7")
    # PR-8: budget in money, but P-3 has no cost rate: the cost cannot be judged
    + work("T-7", "P-3", "2026-03-10", "50", "PR-8")
    # after the as-of date: not counted (would put PR-1 at 100%)
    + work("T-8", "P-2", "2026-04-20", "10", "PR-1")
)
MILESTONES = """
    milestone_id,project_id,name,amount,due_date,status,completed_on,accepted_on,invoice_id
    M-1,PR-4,Design sign-off,1000.00,2026-03-15,accepted,2026-03-10,2026-03-18,
    M-2,PR-4,Beta,1000.00,2026-04-30,planned,,,
    M-3,PR-4,Launch,1000.00,2026-05-31,planned,,,
    M-4,PR-5,Pilot,2000.00,2026-03-31,complete,2026-03-31,,
    M-5,PR-5,Wave 1,1500.00,2026-04-10,complete,2026-04-02,,
    M-6,PR-5,Kickoff,500.00,2026-02-10,accepted,2026-02-10,2026-02-12,I-9
    M-7,PR-5,Wave 2,700.00,2026-03-10,complete,2026-03-10,,
    M-8,PR-5,Wave 3,800.00,2026-03-12,complete,2026-03-12,,
    M-10,PR-3,Phase 1,1000.00,2026-02-15,accepted,2026-02-10,2026-02-12,
    M-11,PR-3,Phase 2,1000.00,2026-03-15,complete,2026-03-14,,
    M-12,PR-3,Phase 3,1000.00,2026-04-30,planned,,,
"""
INVOICES = """
    invoice_id,client_id,issue_date,due_date,currency,total,status,po_number
    I-1,CL-1,2026-02-28,2026-03-30,USD,8000.00,sent,PO-1
    I-2,CL-1,2026-03-31,2026-04-30,USD,500.00,void,PO-1
    I-3,CL-2,2026-02-28,2026-03-30,USD,600.00,paid,PO-3
    I-4,CL-2,2026-03-31,2026-04-30,USD,500.00,sent,PO-3
    I-5,CL-3,2026-04-20,2026-05-20,EUR,4600.00,sent,PO-2
    I-9,CL-3,2026-02-28,2026-03-30,EUR,500.00,paid,
"""


def firm(con, tmp_path):
    build(
        con,
        tmp_path,
        CONTRACTS,
        RATES,
        ENTRIES,
        people__csv=PEOPLE,
        projects__csv=PROJECTS,
        milestones__csv=MILESTONES,
        invoices__csv=INVOICES,
    )
    # M-7 sits on a saved draft (locked); M-8 was on a draft that was voided (not locked)
    con.execute(
        "INSERT INTO invoice_drafts (draft_id, period, contract_id, client_id, currency, tax_rate, "
        "status, created_at, created_by) VALUES "
        "(901, '2026-03', 'C-2', 'CL-3', 'EUR', 0, 'draft', now(), 'test'), "
        "(902, '2026-03', 'C-2', 'CL-3', 'EUR', 0, 'void', now(), 'test')"
    ).fetchall()
    con.execute(
        "INSERT INTO invoice_draft_lines (draft_id, line_no, kind, description, amount, sources) "
        "VALUES (901, 1, 'milestone', 'Wave 2', 700.00, ['M-7']), "
        "(902, 1, 'milestone', 'Wave 3', 800.00, ['M-8'])"
    ).fetchall()


def found(con, kind, as_of=AS_OF, config=None):
    prepare(con, as_of)
    return {e.ref: e for e in evaluate(con, kind, as_of, config or RulesConfig())}


def test_milestone_burn_ahead(con, tmp_path):
    firm(con, tmp_path)
    got = found(con, "milestone_burn_ahead")
    # PR-3 (70% burn, 66.67% progress) is on track; PR-8's cost cannot be priced; PR-1, PR-2
    # and PR-7 are not fixed-fee or milestone projects
    assert sorted(got) == ["PR-4", "PR-6"]
    pr4 = got["PR-4"]
    assert pr4.evidence["burn"] == {"percent": 95.0, "basis": "cost"}
    assert pr4.evidence["progress"] == {"percent": 33.3333, "basis": "milestones"}
    assert pr4.evidence["hours"] == 95.0 and pr4.evidence["budget"]["amount"] == 10000.0
    assert pr4.evidence["milestones"]["count"] == 3 and pr4.evidence["milestones"]["done"] == 1
    # money ahead of progress: 9500.00 - 1/3 x 10000.00 = 9500.00 - 3333.33 = 6166.67
    assert (pr4.value, pr4.currency, pr4.severity) == (D("6166.67"), "USD", "high")
    pr6 = got["PR-6"]
    assert pr6.evidence["burn"] == {"percent": 45.0, "basis": "hours"}
    assert pr6.evidence["progress"] == {"percent": 28.5714, "basis": "elapsed_time"}
    assert pr6.value is None and pr6.currency is None
    # a wider allowance: PR-6's 16.43 points are not above 17; PR-4's 61.67 not above 62
    assert sorted(
        found(con, "milestone_burn_ahead", config=RulesConfig.with_thresholds(burn_ahead_points=17))
    ) == ["PR-4"]
    assert (
        found(con, "milestone_burn_ahead", config=RulesConfig.with_thresholds(burn_ahead_points=62))
        == {}
    )


def test_milestone_not_invoiced(con, tmp_path):
    firm(con, tmp_path)
    got = found(con, "milestone_not_invoiced")
    # M-1 accepted 03-18 (bill_on accepted); M-4 completed 03-31 (bill_on complete): March is
    # closed. Not: M-2/M-3 planned, M-5 completed in open April, M-6 on invoice I-9, M-7 on a
    # saved draft, PR-3's milestones (a fixed-fee workstream). M-8's draft is void: fires.
    assert sorted(got) == ["M-1", "M-4", "M-8"]
    assert (got["M-1"].value, got["M-1"].currency, got["M-1"].period) == (
        D("1000.00"),
        "USD",
        "2026-03",
    )
    assert (got["M-4"].value, got["M-4"].currency, got["M-4"].project_id) == (
        D("2000.00"),
        "EUR",
        "PR-5",
    )
    assert got["M-4"].evidence["reached_on"] == "2026-03-31"
    # on 03-31 March is not closed yet (as-of is not past its last day)
    assert found(con, "milestone_not_invoiced", date(2026, 3, 31)) == {}
    # once April has closed, M-5 (completed 04-02) fires too
    assert sorted(found(con, "milestone_not_invoiced", date(2026, 5, 1))) == [
        "M-1",
        "M-4",
        "M-5",
        "M-8",
    ]


def test_milestone_accepted_in_open_month_waits(con, tmp_path):
    firm(con, tmp_path)
    con.execute(
        "UPDATE milestones SET accepted_on = DATE '2026-04-03' WHERE milestone_id = 'M-1'"
    ).fetchall()
    assert "M-1" not in found(con, "milestone_not_invoiced")
    # bill_on accepted: a milestone only complete has not reached it
    con.execute(
        "UPDATE milestones SET status = 'complete', accepted_on = NULL, "
        "completed_on = DATE '2026-03-02' WHERE milestone_id = 'M-1'"
    ).fetchall()
    assert "M-1" not in found(con, "milestone_not_invoiced", date(2026, 5, 1))


def test_budget_alert_one_per_threshold_crossed(con, tmp_path):
    firm(con, tmp_path)
    got = found(con, "budget_alert")
    # PR-1 30/40 h = 75.0% (exactly: crosses 75); PR-2 9100/10000 = 91%; PR-4 9500/10000 = 95%.
    # Not: PR-3 70%, PR-6 45%, PR-7 74.975%, PR-8 unpriced cost
    assert sorted(got) == ["PR-1:75", "PR-2:75", "PR-2:90", "PR-4:75", "PR-4:90"]
    pr1 = got["PR-1:75"]
    assert pr1.evidence["hours_percent"] == 75.0 and pr1.evidence["crossed_on_hours"] is True
    assert (pr1.value, pr1.project_id, pr1.severity) == (None, "PR-1", "medium")
    pr2 = got["PR-2:90"]
    assert pr2.evidence["amount_percent"] == 91.0 and pr2.evidence["cost"] == 9100.0
    assert (pr2.value, pr2.currency) == (D("9100.00"), "USD")
    # T-8 (10 h on 04-20) brings PR-1 to 40/40 = 100%: all three levels
    later = found(con, "budget_alert", date(2026, 4, 30))
    assert {"PR-1:75", "PR-1:90", "PR-1:100"} <= set(later)


def test_po_alert_and_exceeded(con, tmp_path):
    firm(con, tmp_path)
    # C-1: 8000.00 (I-2 is void) = exactly 0.8 x 10000.00: not above, no alert
    # C-2: I-5 (4600.00) is issued after the as-of date: nothing yet
    # C-3: 600.00 + 500.00 = 1100.00 > 1000.00: exceeded, and not also an alert
    assert found(con, "po_alert") == {}
    exceeded = found(con, "po_exceeded")
    assert sorted(exceeded) == ["C-3"]
    assert (exceeded["C-3"].value, exceeded["C-3"].currency) == (D("1100.00"), "USD")
    assert exceeded["C-3"].evidence["invoices"] == ["I-3", "I-4"]
    # on 04-30 I-5 counts: 4600.00 > 0.9 x 5000.00 = 4500.00 -> alert in EUR
    alert = found(con, "po_alert", date(2026, 4, 30))
    assert sorted(alert) == ["C-2"] and (alert["C-2"].value, alert["C-2"].currency) == (
        D("4600.00"),
        "EUR",
    )
    # one cent over the alert amount alerts; over the limit is po_exceeded only
    con.execute("UPDATE invoices SET total = 8000.01 WHERE invoice_id = 'I-1'").fetchall()
    assert sorted(found(con, "po_alert")) == ["C-1"]
    con.execute("UPDATE invoices SET total = 10000.01 WHERE invoice_id = 'I-1'").fetchall()
    assert sorted(found(con, "po_alert")) == []
    assert sorted(found(con, "po_exceeded")) == ["C-1", "C-3"]
