"""Retainers drafted from the warehouse: the seed month, and a bank built from earlier months'
time that expires in the month the contract says. Arithmetic by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

from billing.draft import draft_period
from billing.period import Period
from tests.billing.firm import build, entry

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
        rush: {multiplier: "1.5", counts_against_retainer: false}
"""


def lines(draft):
    (inv,) = draft.invoices
    return [(line.kind, line.quantity, line.amount) for line in inv.lines]


def test_seed_month_retainer_with_rush_and_overage(con, tmp_path):
    # March only (the project starts 2026-01-01: Jan and Feb had no work, so their unused 40 h
    # each banked up to 20 h; Jan's lot is usable in Feb and Mar).
    # March: 66 standard h = 20 from the bank + 40 allowance + 6 overage; 6 rush h apart.
    days = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09"]
    entries = "".join(entry(f"T-{i}", "P-2", d, "11", "PR-2") for i, d in enumerate(days))
    entries += entry("R-1", "P-2", "2026-03-10", "6", "PR-2", work_type="rush")
    build(con, tmp_path, RETAINER, "C-9,150.00,2026-01-01,,,,\n", entries)
    draft = draft_period(con, Period(2026, 3))
    # fee 8000.00; overage 6 h x 185.00 = 1110.00; rush 6 h x (185.00 x 1.5 = 277.50) = 1665.00
    assert lines(draft) == [
        ("retainer_fee", D(1), D("8000.00")),
        ("overage", D(6), D("1110.00")),
        ("rush", D(6), D("1665.00")),
    ]
    assert draft.invoices[0].subtotal == D("10775.00")


def test_unused_hours_expire_in_the_month_the_contract_says(con, tmp_path):
    # Jan: 30 h -> 10 h unused, banked (lot Jan, usable Feb-Mar, expires end of March).
    # Feb: no work -> 40 unused; the bank would be 50, capped at 20: Feb's lot keeps 10.
    # Mar: 2 h drawn from the oldest lot (Jan) -> Jan keeps 8, which expire at the end of March.
    entries = "".join(
        entry(f"J-{i}", "P-2", f"2026-01-{5 + i:02d}", "7.5", "PR-2") for i in range(4)
    )
    entries += entry("M-1", "P-2", "2026-03-02", "2", "PR-2")
    build(con, tmp_path, RETAINER, "C-9,150.00,2026-01-01,,,,\n", entries)
    draft = draft_period(con, Period(2026, 3))
    assert lines(draft) == [("retainer_fee", D(1), D("8000.00"))]
    assert [(e.kind, e.ref) for e in draft.exceptions] == [("expired_rollover", "C-9")]
    assert draft.exceptions[0].detail.startswith(
        "PR-2: 8 h of unused retainer hours banked in January"
    )
    # February's draft has nothing expiring yet
    assert draft_period(con, Period(2026, 2)).exceptions == []


def test_no_fee_outside_the_retainer_projects_dates(con, tmp_path):
    projects = """
        project_id,name,client_id,status,start_date,end_date
        PR-1,Storefront,CL-1,active,2026-01-01,
        PR-2,Support,CL-2,completed,2026-01-01,2026-02-28
        PR-5,No contract yet,CL-2,active,2026-01-01,
    """
    build(con, tmp_path, RETAINER, "C-9,150.00,2026-01-01,,,,\n", projects__csv=projects)
    # ended in February: February bills the fee, March does not
    assert lines(draft_period(con, Period(2026, 2))) == [("retainer_fee", D(1), D("8000.00"))]
    assert draft_period(con, Period(2026, 3)).invoices == []
    assert draft_period(con, Period(2025, 12)).invoices == []  # before it started
