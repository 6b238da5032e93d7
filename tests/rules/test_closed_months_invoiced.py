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
