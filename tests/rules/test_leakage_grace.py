"""unbilled_time waits for the firm's billing day (the 5th business day of the next month by
default, `billing_business_day`): before it, last month's work is being invoiced, not leaking.
Hand-worked calendars; the firm is loaded through the canonical importer (tests/billing/firm).

November 2026: Mon 11-02 (1st business day), 11-03 (2nd), 11-04 (3rd), Thu 11-05 (4th),
Fri 11-06 (5th: October's billing day).
January 2027: Fri 01-01 is New Year's Day (US), so Mon 01-04 (1st), 01-05, 01-06, 01-07 (4th),
Fri 01-08 (5th: December's billing day; without the holiday it would be Thu 01-07)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

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
      - {project_id: PR-1, billing: time_and_materials}
"""
RATES = "C-1,100.00,2026-01-01,,,,\n"
APPROVED = "2027-01-02T10:00:00+00:00"
ENTRIES = (
    entry("S-1", "P-1", "2026-09-30", "1", "PR-1", approved=APPROVED)  # 1 x 100 = 100.00
    + entry("O-1", "P-1", "2026-10-30", "3", "PR-1", approved=APPROVED)  # 3 x 100 = 300.00
    + entry("D-1", "P-1", "2026-12-31", "2", "PR-1", approved=APPROVED)  # 2 x 100 = 200.00
)
US_FIRM = "name: Kestrel Partners\nbase_currency: USD\nholidays_country: US\n"


def unbilled(con, as_of, config=None):
    prepare(con, as_of)
    found = evaluate(con, "unbilled_time", as_of, config or RulesConfig())
    return {e.ref: (e.value, e.period) for e in found}


def test_last_month_waits_for_the_billing_day(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, firm__yaml=US_FIRM)
    # four business days into November: October is work in progress, September is leakage
    assert unbilled(con, date(2026, 11, 5)) == {"S-1": (D("100.00"), "2026-09")}
    # Fri 11-06 is the billing day itself: the invoice may still go out today
    assert "O-1" not in unbilled(con, date(2026, 11, 6))
    # Sat 11-07: October's billing day has passed without an invoice
    assert unbilled(con, date(2026, 11, 7))["O-1"] == (D("300.00"), "2026-10")


def test_public_holidays_are_not_business_days(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, firm__yaml=US_FIRM)
    assert "D-1" not in unbilled(con, date(2027, 1, 8))  # 5th business day, New Year skipped
    assert unbilled(con, date(2027, 1, 9))["D-1"] == (D("200.00"), "2026-12")


def test_billing_day_is_configurable(con, tmp_path):
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES, firm__yaml=US_FIRM)
    first = RulesConfig.with_thresholds(billing_business_day=1)  # Mon 01-04
    assert "D-1" not in unbilled(con, date(2027, 1, 4), first)
    assert "D-1" in unbilled(con, date(2027, 1, 5), first)
