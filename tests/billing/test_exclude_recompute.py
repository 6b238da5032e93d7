"""Excluding a time line re-derives the draft's volume discounts and cap without it (and
including it back restores them). Every amount is worked out by hand in the comments."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest

from billing.period import Period
from billing.store import (
    approve_draft,
    draft_lines,
    exclude_line,
    include_line,
    list_drafts,
    save_drafts,
)
from tests.billing.firm import build, entry

MARCH = Period(2026, 3)

CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
        tiers:
          - {from_hours: 0, discount: "0"}
          - {from_hours: 10, discount: "0.10"}
          - {from_hours: 12, discount: "0.20"}
        cap: {amount: "1500.00", scope: period}
"""
RATES = "C-1,100.00,2026-01-01,,,,\nC-1,150.00,2026-01-01,,,P-3,\n"

# Acme (tax 8%). Hours count towards the tiers in date order:
#   T-1 P-1 2 Mar 6 h x 100 = 600.00  -> hours 0-6    (band 0)
#   T-2 P-3 3 Mar 5 h x 150 = 750.00  -> hours 6-11   (6-10 band 0, 10-11 band 1)
#   T-3 P-2 4 Mar 3 h x 100 = 300.00  -> hours 11-14  (11-12 band 1, 12-14 band 2)
# band 1: 1 h x 150 + 1 h x 100 = 250.00 x 10% = 25.00; band 2: 2 h x 100 = 200.00 x 20% = 40.00
# time value 1650.00 - 65.00 = 1585.00, over the 1500.00 cap by 85.00 -> subtotal 1500.00
ENTRIES = (
    entry("T-1", "P-1", "2026-03-02", "6", "PR-1")
    + entry("T-2", "P-3", "2026-03-03", "5", "PR-1")
    + entry("T-3", "P-2", "2026-03-04", "3", "PR-1")
)


@pytest.fixture
def draft_id(con, tmp_path) -> int:
    build(con, tmp_path, CONTRACTS, RATES, ENTRIES)
    (saved,) = save_drafts(con, MARCH, "ops")
    return saved


def lines(con, draft_id):
    return draft_lines(con, draft_id).to_dicts()


def derived(con, draft_id):
    return [
        (r["kind"], r["amount"], sorted(r["sources"]))
        for r in lines(con, draft_id)
        if r["kind"] in ("discount", "cap_adjustment")
    ]


def totals(con):
    (row,) = list_drafts(con, MARCH).to_dicts()
    return row["subtotal"], row["tax"], row["total"]


def line_no(con, draft_id, person):
    return next(r["line_no"] for r in lines(con, draft_id) if r["person_id"] == person)


def test_the_saved_draft_has_both_discount_bands_and_the_cap(con, draft_id):
    assert derived(con, draft_id) == [
        ("discount", D("-25.00"), ["T-2", "T-3"]),
        ("discount", D("-40.00"), ["T-3"]),
        ("cap_adjustment", D("-85.00"), ["T-1", "T-2", "T-3"]),
    ]
    # 1500.00 + 8% 120.00 = 1620.00
    assert totals(con) == (D("1500.00"), D("120.00"), D("1620.00"))


def test_excluding_a_time_line_recomputes_tiers_and_cap_without_it(con, draft_id):
    exclude_line(con, draft_id, line_no(con, draft_id, "P-2"), "written off", "dana")
    # Without T-3: T-1 hours 0-6, T-2 hours 6-11; band 1 holds T-2's hour 10-11:
    # 1 h x 150 x 10% = 15.00; no band 2. 600 + 750 - 15 = 1335.00, under the cap: no cap line.
    assert derived(con, draft_id) == [("discount", D("-15.00"), ["T-2"])]
    # tax 8% of 1335.00 = 106.80; total 1441.80
    assert totals(con) == (D("1335.00"), D("106.80"), D("1441.80"))
    excluded = next(r for r in lines(con, draft_id) if r["person_id"] == "P-2")
    assert (excluded["excluded"], excluded["exclude_reason"], excluded["amount"]) == (
        True,
        "written off",
        D("300.00"),
    )


def test_including_it_again_restores_the_discounts_and_the_cap(con, draft_id):
    no = line_no(con, draft_id, "P-2")
    exclude_line(con, draft_id, no, "written off", "dana")
    include_line(con, draft_id, no, "dana")
    assert sorted(derived(con, draft_id)) == sorted(
        [
            ("discount", D("-25.00"), ["T-2", "T-3"]),
            ("discount", D("-40.00"), ["T-3"]),
            ("cap_adjustment", D("-85.00"), ["T-1", "T-2", "T-3"]),
        ]
    )
    assert totals(con) == (D("1500.00"), D("120.00"), D("1620.00"))


def test_excluding_the_first_hours_moves_the_others_down_the_tiers(con, draft_id):
    exclude_line(con, draft_id, line_no(con, draft_id, "P-1"), "not ours", "dana")
    # Without T-1: T-2 hours 0-5, T-3 hours 5-8: no hour reaches 10, no discount;
    # 750 + 300 = 1050.00 under the cap. Tax 84.00, total 1134.00.
    assert derived(con, draft_id) == []
    assert totals(con) == (D("1050.00"), D("84.00"), D("1134.00"))


def test_the_audit_records_the_derived_lines_before_and_after(con, draft_id):
    exclude_line(con, draft_id, line_no(con, draft_id, "P-2"), "written off", "dana")
    before, after = con.execute(
        "SELECT before, after FROM audit_log WHERE action = 'line_excluded'"
    ).fetchall()[0]
    assert json.loads(before)["derived"] == [
        "discount -25.00",
        "discount -40.00",
        "cap_adjustment -85.00",
    ]
    assert json.loads(after)["derived"] == ["discount -15.00"]


def test_the_approved_invoice_carries_the_recomputed_lines(con, draft_id):
    exclude_line(con, draft_id, line_no(con, draft_id, "P-2"), "written off", "dana")
    number = approve_draft(con, draft_id, "lee", issue_date=date(2026, 4, 2))
    staged = con.execute(
        "SELECT kind, amount FROM invoice_lines WHERE invoice_id = ? ORDER BY line_no", [number]
    ).fetchall()
    assert sorted(staged) == sorted(
        [("time", D("600.00")), ("time", D("750.00")), ("discount", D("-15.00"))]
    )
    total = con.execute("SELECT total FROM invoices WHERE invoice_id = ?", [number]).fetchall()
    assert total == [(D("1441.80"),)]


def test_a_draft_whose_hours_changed_is_refused_not_repriced(con, draft_id):
    con.execute("UPDATE time_entries SET hours = 4 WHERE entry_id = 'T-1'").fetchall()
    with pytest.raises(ValueError, match="changed since the draft was saved"):
        exclude_line(con, draft_id, line_no(con, draft_id, "P-2"), "written off", "dana")
    assert totals(con) == (D("1500.00"), D("120.00"), D("1620.00"))  # nothing written
