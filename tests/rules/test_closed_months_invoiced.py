"""Rules that replay closed months see the invoices the firm already issued: expired_rollover
does not call banked hours expired when the next month used them (and that month is invoiced),
over_cap counts T&M value already invoiced against a contract-scope cap, and write_down judges
per-person x project lines that carry no entry ids. Firms loaded through the canonical importer
(tests/billing/firm.build); arithmetic in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from rules.config import RulesConfig
from rules.engine import evaluate
from rules.prepare import prepare
from tests.billing.firm import build, entry

AS_OF = date(2026, 4, 15)  # January to March are closed


def found(con, kind, as_of=AS_OF):
    prepare(con, as_of)
    return {e.ref: e for e in evaluate(con, kind, as_of, RulesConfig())}


# Two retainers, 40 h included, unused hours bank for one month (usable in M+1, gone after it).
RETAINERS = """
contracts:
  - contract_id: C-USED
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: retainer
        monthly_fee: "8000.00"
        included_hours: 40
        rollover: {max_hours: 20, expires_after_months: 1}
  - contract_id: C-IDLE
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-4
        billing: retainer
        monthly_fee: "8000.00"
        included_hours: 40
        rollover: {max_hours: 20, expires_after_months: 1}
"""
RETAINER_RATES = "C-USED,150.00,2026-01-01,,,,\nC-IDLE,150.00,2026-01-01,,,,\n"


def _week(prefix, project, days, hours, invoice):
    return "".join(
        entry(f"{prefix}-{d}", "P-2", day, hours, project, invoice=invoice)
        for d, day in enumerate(days)
    )


JAN = ["2026-01-05", "2026-01-06", "2026-01-07"]  # 3 x 10 h = 30 h
FEB = ["2026-02-02", "2026-02-03", "2026-02-04"]  # 3 x 15 h = 45 h
MAR = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]  # 4 x 10 h = 40 h


def test_expired_rollover_sees_hours_used_in_an_invoiced_month(con, tmp_path):
    # C-USED: Jan 30 h of 40 -> 10 h banked, usable in Feb. Feb 45 h: 10 h from the bank,
    # 35 h of the allowance -> 5 h banked; Mar 40 h: 5 h from Feb's lot, 35 h allowance.
    # Nothing ever expires. Jan and Feb are invoiced (their entries carry invoice_id), so a
    # re-draft of February sees no entries and would call January's 10 h expired.
    # C-IDLE (near miss: expiries are still reported): Jan 30 h (invoiced) -> 10 h banked;
    # Feb no work: January's 10 h expire at the end of February, and Feb's unused 40 h bank
    # up to max_hours 20; Mar no work: those 20 h expire at the end of March.
    entries = (
        _week("U-J", "PR-2", JAN, "10", "I-1")
        + _week("U-F", "PR-2", FEB, "15", "I-2")
        + _week("U-M", "PR-2", MAR, "10", "")
        + _week("I-J", "PR-4", JAN, "10", "I-3")
    )
    invoices = (
        "invoice_id,client_id,issue_date,due_date,currency,total,period_start,period_end\n"
        "I-1,CL-2,2026-02-03,2026-03-05,USD,8000.00,2026-01-01,2026-01-31\n"
        "I-2,CL-2,2026-03-03,2026-04-02,USD,8000.00,2026-02-01,2026-02-28\n"
        "I-3,CL-1,2026-02-03,2026-03-05,USD,8000.00,2026-01-01,2026-01-31\n"
    )
    build(con, tmp_path, RETAINERS, RETAINER_RATES, entries, invoices__csv=invoices)
    by = found(con, "expired_rollover")
    assert sorted(by) == ["C-IDLE"]
    assert (by["C-IDLE"].value, by["C-IDLE"].period) == (D(20), "2026-03")  # the latest month
    assert "banked in February 2026" in by["C-IDLE"].detail
    # On 03-15 March is open: the latest closed month with an expiry is February, 10 h
    earlier = found(con, "expired_rollover", date(2026, 3, 15))
    assert sorted(earlier) == ["C-IDLE"]
    assert (earlier["C-IDLE"].value, earlier["C-IDLE"].period) == (D(10), "2026-02")


# A capped T&M contract (PR-1) and a plain one (PR-2), both at 100.00/h.
TM = """
contracts:
  - contract_id: C-CAP
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
        cap: {amount: "1000.00", scope: contract}
  - contract_id: C-WD
    client_id: CL-2
    currency: USD
    workstreams:
      - {project_id: PR-2, billing: time_and_materials}
"""
TM_RATES = "C-CAP,100.00,2026-01-01,,,,\nC-WD,100.00,2026-01-01,,,,\n"
TM_ENTRIES = (
    entry("J-1", "P-1", "2026-01-05", "6", "PR-1", invoice="I-1")  # 6 x 100 = 600.00
    + entry("J-2", "P-2", "2026-01-06", "4", "PR-1", invoice="I-1")  # 4 x 100 = 400.00
    + entry("F-1", "P-1", "2026-02-02", "3", "PR-1")  # February, unbilled: 300.00
    + entry("W-1", "P-1", "2026-03-02", "5", "PR-2", invoice="I-5")
    + entry("W-2", "P-1", "2026-03-03", "5", "PR-2", invoice="I-5")  # P-1: 10 h = 1,000.00
    + entry("W-3", "P-2", "2026-03-04", "4", "PR-2", invoice="I-5")  # P-2: 4 h = 400.00
    + entry("W-4", "P-3", "2026-03-05", "2", "PR-2", invoice="I-5")  # P-3: 2 h = 200.00
)
# Imported from the accounting system: no entry_ids, no service period on I-1 (issued in
# February, so it bills January), I-1's second line names a person but no project and no kind.
TM_INVOICES = {
    "invoices__csv": """
        invoice_id,client_id,issue_date,due_date,currency,total,period_start,period_end
        I-1,CL-1,2026-02-05,2026-03-07,USD,1080.00,,
        I-5,CL-2,2026-04-03,2026-05-03,USD,1360.00,2026-03-01,2026-03-31
    """,
    "invoice_lines__csv": """
        invoice_id,line_no,amount,kind,project_id,person_id,quantity,unit_price
        I-1,1,600.00,time,PR-1,P-1,6,100.00
        I-1,2,400.00,,,P-2,4,100.00
        I-5,1,800.00,time,PR-2,P-1,8,100.00
        I-5,2,360.00,time,PR-2,P-2,4,90.00
        I-5,3,200.00,time,PR-2,P-3,2,100.00
    """,
}


def test_over_cap_counts_time_invoiced_by_an_imported_invoice(con, tmp_path):
    build(con, tmp_path, TM, TM_RATES, TM_ENTRIES, **TM_INVOICES)
    # Already invoiced on PR-1: line 1 names PR-1 (600.00); line 2 names no project, and the
    # entries with invoice_id I-1 of its person... all of I-1's work is on PR-1, so 400.00.
    # 1,000.00 of the 1,000.00 cap is used: February's 300.00 cannot be billed -> over by 300.
    by = found(con, "over_cap")
    assert sorted(by) == ["C-CAP"]
    assert (by["C-CAP"].value, by["C-CAP"].period) == (D("300.00"), "2026-02")
    assert by["C-CAP"].project_id == "PR-1"


def test_write_down_on_per_person_lines_without_entry_ids(con, tmp_path):
    build(con, tmp_path, TM, TM_RATES, TM_ENTRIES, **TM_INVOICES)
    # I-5 bills PR-2 per person; the entries behind each line are I-5's entries of that person:
    #   P-1: 8 h billed of 10 h worked: 1,000.00 card - 800.00 = 200.00 (fewer hours)
    #   P-2: 4 h at 90.00 = 360.00 vs 4 x 100.00 = 400.00: 40.00 (lower rate)
    #   P-3: 2 h at 100.00 = 200.00 = card: nothing (near miss)
    # I-1 bills its entries at the card (600.00 = 6 h, 400.00 = 4 h): no finding.
    by = found(con, "write_down")
    assert sorted(by) == ["I-5"]
    assert (by["I-5"].value, by["I-5"].period, by["I-5"].project_id) == (
        D("240.00"),
        "2026-03",
        "PR-2",
    )
    lines = {(x["line_no"], x["shortfall"]) for x in by["I-5"].evidence["lines"]}
    assert lines == {(1, 200.0), (2, 40.0)}
