"""A draft's tax split over its lines for Xero (billing/accounting_tax.py): half-up per line,
and the cent the rounding leaves on the last line, so the lines add up to the draft's tax."""

from __future__ import annotations

from decimal import Decimal as D

from billing.accounting_tax import line_taxes


def test_the_lines_add_up_to_the_drafts_tax():
    # two lines of 10.05 at 10 %: 1.005 each, half-up 1.01 + 1.01 = 2.02; the draft's tax is
    # 10 % of 20.10 = 2.01, so the last line gives back a cent
    assert line_taxes([D("10.05"), D("10.05")], D("0.1"), D("2.01")) == [D("1.01"), D("1.00")]


def test_no_lines_no_tax():
    assert line_taxes([], D("0.2"), D(0)) == []
