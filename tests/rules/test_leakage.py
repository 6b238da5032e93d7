"""Leakage rules: unbilled_time, unapproved_time, write_down, over_cap, expired_rollover,
nonbillable_suspect. Each fires once and has a near miss; amounts worked out in comments."""

from __future__ import annotations

from datetime import date
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
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
      - project_id: PR-4
        billing: fixed_fee
        fee: "5000.00"
        bill_on: complete
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
        cap: {amount: "100.00", scope: period}
"""
RATES = "C-1,100.00,2026-01-01,,,,\nC-2,100.00,2026-01-01,,,,\n"
ENTRIES = (
    entry("T-1", "P-1", "2026-03-02", "2", "PR-1")  # unbilled: 2 x 100 = 200.00
    + entry("T-2", "P-1", "2026-04-01", "3", "PR-1")  # open month: not unbilled
    + entry("T-3", "P-1", "2026-03-03", "4", "PR-4")  # fixed fee: never unbilled
    + entry("T-4", "P-2", "2026-02-02", "2", "PR-1", invoice="I-1")  # card 200.00, billed 150
    + entry("T-5", "P-2", "2026-02-03", "1", "PR-1", invoice="I-2")  # card 100.00, billed 100
    + entry("U-1", "P-3", "2026-03-04", "1.5", "PR-1", approved="")  # unapproved: 150.00
    + entry("U-2", "P-3", "2026-03-04", "1", "PR-1", approved="", billable="false")  # not billable
    + entry("U-3", "P-3", "2026-04-02", "1", "PR-1", approved="")  # open month: not flagged
    + entry("N-1", "P-1", "2026-03-05", "1", "PR-1", billable="false")  # notes: client work
    + entry("N-2", "P-1", "2026-03-05", "1", "PR-1", billable="false")  # internal: timesheets
    + entry("N-3", "P-1", "2026-03-05", "1", "PR-9", billable="false")  # internal project
    + entry("K-1", "P-2", "2026-03-06", "2", "PR-2")  # C-2: 200.00 vs cap 100.00: 100.00 over
)
NOTES = {
    "N-1": "Fix checkout bug ACME-142 for client",
    "N-2": "internal: timesheets",
    "N-3": "deliver ACME-9 feature",
}
FILES = {
    "invoices__csv": """
        invoice_id,client_id,issue_date,due_date,currency,total,status,period_start,period_end
        I-1,CL-1,2026-02-28,2026-03-30,USD,150.00,sent,2026-02-01,2026-02-28
        I-2,CL-1,2026-02-28,2026-03-30,USD,100.00,sent,2026-02-01,2026-02-28
    """,
    "invoice_lines__csv": """
        invoice_id,line_no,amount,kind,project_id,quantity,unit_price,entry_ids
        I-1,1,150.00,time,PR-1,2,75.00,T-4
        I-2,1,100.00,time,PR-1,1,100.00,T-5
    """,
}


def firm(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, **FILES)
    for entry_id, notes in NOTES.items():
        con.execute("UPDATE time_entries SET notes = ? WHERE entry_id = ?", [notes, entry_id])
    prepare(con, AS_OF)


def found(con, kind, as_of=AS_OF):
    return {e.ref: e for e in evaluate(con, kind, as_of, RulesConfig())}


def test_unbilled_time_flags_closed_tm_time_only(con, tmp_path):
    firm(con, tmp_path)
    by = found(con, "unbilled_time")
    assert sorted(by) == ["K-1", "T-1"]  # not T-2 (open month), T-3 (fixed fee), T-4/T-5, U-*
    assert (by["T-1"].value, by["T-1"].currency, by["T-1"].period) == (
        D("200.00"),
        "USD",
        "2026-03",
    )
    assert by["T-1"].severity == "high"
    # April's billing day is its next month's 5th business day: Fri 05-01, Mon 05-04, 05-05,
    # 05-06, Thu 05-07. On it April is still being invoiced; the day after it is leakage.
    assert "T-2" not in found(con, "unbilled_time", date(2026, 5, 7))
    assert "T-2" in found(con, "unbilled_time", date(2026, 5, 8))


def test_unapproved_time_in_closed_periods(con, tmp_path):
    firm(con, tmp_path)
    by = found(con, "unapproved_time")
    assert sorted(by) == ["U-1"]  # not U-2 (non-billable), U-3 (open month)
    assert by["U-1"].value == D("150.00") and by["U-1"].project_id == "PR-1"


def test_write_down_below_card_rate(con, tmp_path):
    firm(con, tmp_path)
    by = found(con, "write_down")
    assert sorted(by) == ["I-1"]  # I-2 bills at the card rate
    assert by["I-1"].value == D("50.00")  # card 2 h x 100 = 200.00, billed 150.00
    assert by["I-1"].evidence["lines"][0]["card_value"] == 200.0


def test_nonbillable_suspect_notes(con, tmp_path):
    firm(con, tmp_path)
    by = found(con, "nonbillable_suspect")
    assert sorted(by) == ["N-1"]  # not N-2 (internal words), N-3 (internal client)


def test_over_cap_from_closed_month_drafts(con, tmp_path):
    firm(con, tmp_path)
    by = found(con, "over_cap")
    assert sorted(by) == ["C-2"]  # C-1 has no cap
    assert (by["C-2"].value, by["C-2"].currency, by["C-2"].period) == (
        D("100.00"),
        "USD",
        "2026-03",
    )
    assert by["C-2"].project_id == "PR-2"
    assert found(con, "over_cap", date(2026, 3, 31)) == {}  # March not closed yet


RETAINER = """
contracts:
  - contract_id: C-9
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: retainer
        monthly_fee: "8000.00"
        included_hours: 40
        overage_rate: "185.00"
        rollover: {max_hours: 20, expires_after_months: 2}
"""


def test_expired_rollover_and_retainer_overage(con, tmp_path):
    # Jan: 30 h -> 10 h banked (expires end of March); Mar: 2 h drawn from it -> 8 h expire.
    entries = "".join(
        entry(f"J-{i}", "P-2", f"2026-01-{5 + i:02d}", "7.5", "PR-2", invoice="I-9")
        for i in range(4)
    )
    entries += entry("M-1", "P-2", "2026-03-02", "2", "PR-2")
    # Feb: 45 h -> 40 allowance + bank 10 (Jan) ... drawn oldest first; 45 < 50: no overage
    build(
        con,
        tmp_path,
        RETAINER,
        "C-9,150.00,2026-01-01,,,,\n",
        entries,
        invoices__csv="invoice_id,client_id,issue_date,due_date,currency,total\n"
        "I-9,CL-2,2026-01-31,2026-03-02,USD,8000.00\n",
    )
    prepare(con, AS_OF)
    by = found(con, "expired_rollover")
    assert sorted(by) == ["C-9"]
    assert (by["C-9"].value, by["C-9"].period, by["C-9"].project_id) == (D(8), "2026-03", "PR-2")
    assert found(con, "expired_rollover", date(2026, 3, 31)) == {}  # March not closed yet
    # M-1 is within the allowance: not unbilled (the fee covers it)
    assert found(con, "unbilled_time") == {}


def test_retainer_overage_is_unbilled(con, tmp_path):
    # March: 44 h (Jan, Feb banked 20 h max): 20 bank + 40 allowance = 60 > 44: none over;
    # so use a retainer starting in March: no bank, 44 h = 40 allowance + 4 overage
    contracts = RETAINER
    projects = (
        "project_id,name,client_id,status,start_date,end_date\n"
        "PR-2,Portal,CL-2,active,2026-03-01,\n"
    )
    days = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    entries = "".join(entry(f"T-{i}", "P-2", d, "11", "PR-2") for i, d in enumerate(days))
    build(con, tmp_path, contracts, "C-9,150.00,2026-01-01,,,,\n", entries, projects__csv=projects)
    prepare(con, AS_OF)
    by = found(con, "unbilled_time")
    # overage 4 h x 185.00 = 740.00, shared by hours among the line's sources
    assert by and sum(e.value for e in by.values()) == D("740.00")
