"""A person changes a saved draft's line (quantity, unit price, with a reason) or adds one by
hand (a fee, an expense, a credit) — issue 17 item 3. Expected totals worked out by hand from
tests/billing/test_store.py's firm: C-2 (Globex, tax 5 %) drafts P-1 5 h x 150 = 750.00,
P-2 3 h x 150 = 450.00 and P-3 3 h x 161.50 = 484.50: subtotal 1684.50."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from billing.store import (
    add_manual_line,
    approve_draft,
    draft_totals,
    edit_line_amount,
    save_drafts,
)
from tests.billing.test_store import ISSUE, MARCH, audit, drafts, firm, line_of, staged_lines


@pytest.fixture
def globex(con, tmp_path) -> int:
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    return drafts(con)["C-2"]["draft_id"]


def test_a_time_lines_price_changes_with_a_reason_and_moves_the_totals(con, globex):
    p1 = line_of(con, globex, "P-1")
    with pytest.raises(ValueError, match="reason"):
        edit_line_amount(con, globex, p1["line_no"], "5", "140.00", "  ", "dana")
    with pytest.raises(ValueError, match="time entries"):  # hours are the entries'
        edit_line_amount(con, globex, p1["line_no"], "4", "150.00", "fewer hours", "dana")
    with pytest.raises(ValueError, match="number"):
        edit_line_amount(con, globex, p1["line_no"], "5", "12,5", "typo", "dana")
    assert draft_totals(con, globex)["subtotal"] == D("1684.50")  # nothing changed yet

    edit_line_amount(con, globex, p1["line_no"], "5", "140.00", "rate agreed with Globex", "dana")
    changed = line_of(con, globex, "P-1")
    assert (changed["quantity"], changed["unit_price"], changed["amount"]) == (
        D("5"),
        D("140"),
        D("700.00"),
    )
    # 700.00 + 450.00 + 484.50 = 1634.50; tax 81.725 -> 81.73 (half-up); total 1716.23
    assert draft_totals(con, globex) == {
        "subtotal": D("1634.50"),
        "tax": D("81.73"),
        "total": D("1716.23"),
    }
    (row,) = [r for r in audit(con) if r[1] == "line_amount_changed"]
    assert row[0] == "dana" and row[3] == f"{globex}:{p1['line_no']}"
    before, after = row[4], row[5]  # as JSON text; compared as exact decimals
    assert (D(before["unit_price"]), D(after["unit_price"])) == (D("150"), D("140"))
    assert (D(before["amount"]), D(after["amount"])) == (D("750.00"), D("700.00"))
    assert row[6] == "rate agreed with Globex"


def test_manual_lines_round_half_up_per_line_and_reach_the_approved_invoice(con, globex):
    with pytest.raises(ValueError, match="reason"):
        add_manual_line(con, globex, "fixed_fee", "Workshop", "1", "10", "", "dana")
    with pytest.raises(ValueError, match="one of"):
        add_manual_line(con, globex, "time", "Extra hours", "1", "10", "why", "dana")
    # 3 x 19.995 = 59.985 -> 59.99 (half-up, once per line)
    fee = add_manual_line(
        con, globex, "fixed_fee", "Workshop materials", "3", "19.995", "printed kits", "dana"
    )
    # a credit is typed with a positive price and taken off: 1 x 100.00 -> -100.00
    credit = add_manual_line(
        con, globex, "credit", "Goodwill credit", "1", "100", "late delivery", "dana"
    )
    assert (fee, credit) == (4, 5)  # after the three time lines
    # 1684.50 + 59.99 - 100.00 = 1644.49; tax 82.2245 -> 82.22; total 1726.71
    assert draft_totals(con, globex) == {
        "subtotal": D("1644.49"),
        "tax": D("82.22"),
        "total": D("1726.71"),
    }
    # the credit's price changes, it stays a credit: 1 x 80.00 -> -80.00
    edit_line_amount(con, globex, credit, "1", "80", "agreed on 80", "dana")
    assert draft_totals(con, globex)["subtotal"] == D("1664.49")
    number = approve_draft(con, globex, "lee", issue_date=ISSUE)
    lines = staged_lines(con, number)
    assert [(no, kind, amount, entries) for no, kind, amount, _, entries, _ in lines[3:]] == [
        (4, "fixed_fee", D("59.99"), ""),
        (5, "credit", D("-80.00"), ""),
    ]
    with pytest.raises(ValueError, match="already approved"):
        add_manual_line(con, globex, "fixed_fee", "Late", "1", "5", "too late", "dana")
    with pytest.raises(ValueError, match="already approved"):
        edit_line_amount(con, globex, fee, "1", "5", "too late", "dana")
