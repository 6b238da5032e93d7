"""Rules 1-4 and 8: eligibility, rate precedence, rounding, T&M lines, tiers, caps, tax.
Every expected amount is worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

from billing.draft import draft_period
from billing.period import Period
from tests.billing.firm import build, entry

MARCH = Period(2026, 3)

TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
"""


def invoice(draft, contract_id):
    return next(i for i in draft.invoices if i.contract_id == contract_id)


def amounts(inv, kind=None):
    return [
        (line.quantity, line.unit_price, line.amount)
        for line in inv.lines
        if kind is None or line.kind == kind
    ]


def kinds(draft):
    return sorted((e.kind, e.ref) for e in draft.exceptions)


def test_rate_precedence_lines_and_tax(con, tmp_path):
    rates = (
        "C-1,150.00,2026-01-01,,,,\n"  # contract default
        "C-1,180.00,2026-01-01,,Engineer,,\n"  # role
        "C-1,200.00,2026-01-01,,,P-1,PR-1\n"  # person + project (most specific)
    )
    entries = (
        entry("T-1", "P-1", "2026-03-02", "2", "PR-1")  # person+project: 2 h x 200
        + entry("T-2", "P-1", "2026-03-03", "1.5", "PR-1")  # same line: 3.5 h x 200 = 700.00
        + entry("T-3", "P-2", "2026-03-02", "3", "PR-1")  # Designer, no role row: 3 x 150 = 450.00
        + entry("T-4", "P-3", "2026-03-04", "1.25", "PR-1")  # Engineer role: 1.25 x 180 = 225.00
    )
    build(con, tmp_path, TM, rates, entries)
    inv = invoice(draft_period(con, MARCH), "C-1")
    assert sorted(amounts(inv)) == sorted(
        [
            (D("3.5"), D("200.00"), D("700.00")),
            (D(3), D("150.00"), D("450.00")),
            (D("1.25"), D("180.00"), D("225.00")),
        ]
    )
    by_person = {line.person_id: line.sources for line in inv.lines}
    assert by_person["P-1"] == ["T-1", "T-2"]
    # subtotal 1375.00; Acme's tax 8% = 110.00; total 1485.00
    assert (inv.subtotal, inv.tax, inv.total) == (D("1375.00"), D("110.00"), D("1485.00"))


def test_person_row_beats_role_and_an_ambiguous_level_never_falls_through(con, tmp_path):
    rates = (
        "C-1,150.00,2026-01-01,,,,\n"
        "C-1,170.00,2026-01-01,,,P-3,\n"  # person level for P-3
        "C-1,180.00,2026-01-01,,Engineer,,\n"
        "C-1,181.00,2026-02-01,,Engineer,,\n"  # overlapping role rows: ambiguous for P-1
    )
    entries = entry("T-1", "P-3", "2026-03-02", "1", "PR-1") + entry(
        "T-2", "P-1", "2026-03-02", "2", "PR-1"
    )
    build(con, tmp_path, TM, rates, entries)
    draft = draft_period(con, MARCH)
    # P-3: person row 170 wins over the (ambiguous) role rows; P-1 is ambiguous at role level
    # and must not fall through to the contract default
    assert amounts(invoice(draft, "C-1")) == [(D(1), D("170.00"), D("170.00"))]
    assert kinds(draft) == [("ambiguous_rate", "T-2")]
    assert "contract C-1" in draft.exceptions[0].detail


def test_mid_month_rate_change_splits_the_month(con, tmp_path):
    rates = "C-1,150.00,2026-01-01,2026-03-15,,,\nC-1,160.00,2026-03-16,,,,\n"
    entries = (
        entry("T-1", "P-2", "2026-03-15", "2", "PR-1")  # effective_to is inclusive: 2 x 150 = 300
        + entry("T-2", "P-2", "2026-03-16", "3", "PR-1")  # 3 x 160 = 480
    )
    build(con, tmp_path, TM, rates, entries)
    assert sorted(amounts(invoice(draft_period(con, MARCH), "C-1"))) == [
        (D(2), D("150.00"), D("300.00")),
        (D(3), D("160.00"), D("480.00")),
    ]


def test_rounding_per_entry_before_pricing(con, tmp_path):
    contracts = TM.replace(
        "    currency: USD\n", "    currency: USD\n    rounding: {increment_minutes: 6, mode: up}\n"
    )
    entries = (
        entry("T-1", "P-2", "2026-03-02", "1.01", "PR-1")  # 60.6 min -> 11 x 6 min = 1.1 h
        + entry("T-2", "P-2", "2026-03-03", "0.5", "PR-1")  # exact: 0.5 h
    )
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries)
    # (1.1 + 0.5) x 100 = 160.00, not 151.00
    inv = invoice(draft_period(con, MARCH), "C-1")
    assert amounts(inv) == [(D("1.6"), D("100.00"), D("160.00"))]
    # raw and rounded hours both shown: 1.01 + 0.5 = 1.51 logged
    assert inv.lines[0].description == "Sam Lee: 1.6 h at 100.00 (1.51 h logged, rounded per entry)"


def test_nearest_rounding_is_half_up(con, tmp_path):
    contracts = TM.replace(
        "    currency: USD\n",
        "    currency: USD\n    rounding: {increment_minutes: 15, mode: nearest}\n",
    )
    entries = (
        entry("T-1", "P-2", "2026-03-02", "1.12", "PR-1")  # 67.2 min = 4.48 quarters -> 4 -> 1.0 h
        + entry(
            "T-2", "P-2", "2026-03-03", "1.125", "PR-1"
        )  # 67.5 min = 4.5 quarters -> 5 -> 1.25 h
    )
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries)
    assert amounts(invoice(draft_period(con, MARCH), "C-1")) == [
        (D("2.25"), D("100.00"), D("225.00"))
    ]


def test_rush_entries_are_their_own_line_at_the_multiplier(con, tmp_path):
    contracts = TM + '        rush: {multiplier: "1.5"}\n'
    entries = (
        entry("T-1", "P-2", "2026-03-02", "4", "PR-1")  # 4 x 100 = 400.00
        + entry("T-2", "P-2", "2026-03-02", "2", "PR-1", work_type="rush")  # 2 x 150 = 300.00
    )
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries)
    inv = invoice(draft_period(con, MARCH), "C-1")
    assert amounts(inv, "time") == [(D(4), D("100.00"), D("400.00"))]
    assert amounts(inv, "rush") == [(D(2), D("150.000"), D("300.00"))]


def test_graduated_tiers_discount_only_the_hours_in_each_band(con, tmp_path):
    contracts = (
        TM
        + """        tiers:
          - {from_hours: 0, discount: "0"}
          - {from_hours: 10, discount: "0.10"}
          - {from_hours: 12, discount: "0.20"}
"""
    )
    entries = (
        entry("T-1", "P-2", "2026-03-02", "8", "PR-1")  # hours 0-8: band 0
        + entry("T-2", "P-2", "2026-03-03", "3", "PR-1")  # 8-10 band 0, 10-11 band 1
        + entry("T-3", "P-2", "2026-03-04", "2.5", "PR-1")  # 11-12 band 1, 12-13.5 band 2
    )
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries)
    inv = invoice(draft_period(con, MARCH), "C-1")
    assert amounts(inv, "time") == [(D("13.5"), D("100.00"), D("1350.00"))]
    # band 1: 2 h x 100 x 10% = 20.00 (T-2, T-3); band 2: 1.5 h x 100 x 20% = 30.00 (T-3)
    discounts = [
        (line.quantity, line.amount, line.sources) for line in inv.lines if line.kind == "discount"
    ]
    assert discounts == [(D(2), D("-20.00"), ["T-2", "T-3"]), (D("1.5"), D("-30.00"), ["T-3"])]
    assert inv.subtotal == D("1300.00")


CAP_FILES = {
    "invoices__csv": """
        invoice_id,client_id,issue_date,due_date,currency,total,status,period_start,period_end
        I-1,CL-1,2026-02-28,2026-03-30,USD,756.00,sent,2026-02-01,2026-02-28
        I-2,CL-1,2026-02-28,2026-03-30,USD,540.00,void,2026-02-01,2026-02-28
    """,
    "invoice_lines__csv": """
        invoice_id,line_no,amount,kind,project_id
        I-1,1,700.00,time,PR-1
        I-2,1,500.00,time,PR-1
    """,
}


def test_cap_with_contract_scope_counts_earlier_non_void_invoices(con, tmp_path):
    contracts = TM + '        cap: {amount: "1000.00", scope: contract}\n'
    entries = entry("T-1", "P-2", "2026-03-02", "5", "PR-1")  # 5 x 100 = 500.00
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries, **CAP_FILES)
    draft = draft_period(con, MARCH)
    inv = invoice(draft, "C-1")
    # earlier: 700.00 (the void invoice's 500.00 does not count); room 300.00; excess 200.00
    assert [(line.kind, line.amount) for line in inv.lines] == [
        ("time", D("500.00")),
        ("cap_adjustment", D("-200.00")),
    ]
    assert inv.subtotal == D("300.00")
    assert kinds(draft) == [("over_cap", "C-1")]


def test_cap_with_period_scope_ignores_earlier_invoices(con, tmp_path):
    contracts = TM + '        cap: {amount: "1000.00", scope: period}\n'
    entries = entry("T-1", "P-2", "2026-03-02", "5", "PR-1")
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries, **CAP_FILES)
    draft = draft_period(con, MARCH)
    assert invoice(draft, "C-1").subtotal == D("500.00") and draft.exceptions == []


def test_eligibility_skips_and_exceptions(con, tmp_path):
    contracts = (
        TM.replace("      - project_id: PR-1\n", "      - project_id: PR-1\n").rstrip() + "\n"
    )
    entries = (
        entry("T-1", "P-2", "2026-03-02", "1", "PR-1")  # billed
        + entry("T-2", "P-2", "2026-03-02", "2", "PR-1", approved="")  # unapproved_time
        + entry("T-3", "P-2", "2026-03-02", "3", "PR-5")  # no_contract
        + entry("T-4", "P-2", "2026-03-02", "4", "PR-1", billable="false")  # skipped
        + entry("T-5", "P-2", "2026-02-27", "5", "PR-1")  # outside the period: skipped
        + entry("T-6", "P-2", "2026-03-03", "6", "PR-1", invoice="I-9")  # already invoiced
        + entry("T-7", "P-2", "2026-03-03", "7", "PR-9")  # internal: never billed
    )
    build(con, tmp_path, contracts, "C-1,100.00,2026-01-01,,,,\n", entries)
    draft = draft_period(con, MARCH)
    assert amounts(invoice(draft, "C-1")) == [(D(1), D("100.00"), D("100.00"))]
    assert kinds(draft) == [("no_contract", "T-3"), ("unapproved_time", "T-2")]


def test_missing_rate_is_an_exception_and_other_contracts_still_draft(con, tmp_path):
    contracts = (
        TM
        + """  - contract_id: C-2
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
"""
    )
    rates = "C-2,120.00,2026-01-01,,,,\n"  # nothing for C-1
    entries = entry("T-1", "P-2", "2026-03-02", "1", "PR-1") + entry(
        "T-2", "P-2", "2026-03-02", "2", "PR-2"
    )
    build(con, tmp_path, contracts, rates, entries)
    draft = draft_period(con, MARCH)
    assert [i.contract_id for i in draft.invoices] == ["C-2"]
    assert amounts(invoice(draft, "C-2")) == [(D(2), D("120.00"), D("240.00"))]
    assert kinds(draft) == [("missing_rate", "T-1")]
    assert "contract C-1" in draft.exceptions[0].detail


def test_an_entry_on_an_invoice_is_never_billed_twice(con, tmp_path):
    entries = entry("T-1", "P-2", "2026-03-02", "1", "PR-1") + entry(
        "T-2", "P-2", "2026-03-03", "2", "PR-1"
    )
    build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", entries)
    first = draft_period(con, MARCH)
    assert first.to_json() == draft_period(con, MARCH).to_json()  # re-drafting is stable
    con.execute("UPDATE time_entries SET invoice_id = 'I-50' WHERE entry_id = 'T-1'")
    again = invoice(draft_period(con, MARCH), "C-1")
    assert [line.sources for line in again.lines] == [["T-2"]]


def test_decisions_on_entries_and_saved_drafts_are_respected(con, tmp_path):
    entries = entry("T-1", "P-2", "2026-03-02", "1", "PR-5") + entry(
        "T-2", "P-2", "2026-03-03", "2", "PR-1"
    )
    build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", entries)
    assert kinds(draft_period(con, MARCH)) == [("no_contract", "T-1")]
    # operations reassign T-1 to PR-1: it now bills (1 + 2) x 100
    con.execute(
        "INSERT INTO entry_overrides VALUES ('T-1', 'project_id', 'PR-1', now(), 'ops', NULL)"
    )
    assert amounts(invoice(draft_period(con, MARCH), "C-1")) == [(D(3), D("100.00"), D("300.00"))]
    # a saved, non-void draft holding T-2 locks it: drafting again bills only T-1
    con.execute(
        "INSERT INTO invoice_drafts (draft_id, period, contract_id, client_id, currency, tax_rate, "
        "status, created_at, created_by) VALUES (1, '2026-03', 'C-1', 'CL-1', 'USD', 0, 'approved', now(), 'ops')"
    )
    con.execute(
        "INSERT INTO invoice_draft_lines (draft_id, line_no, kind, description, amount, sources) "
        "VALUES (1, 1, 'time', 'x', 200, ['T-2'])"
    )
    assert [line.sources for line in invoice(draft_period(con, MARCH), "C-1").lines] == [["T-1"]]
    # voiding the draft releases T-2
    con.execute("UPDATE invoice_drafts SET status = 'void' WHERE draft_id = 1")
    assert amounts(invoice(draft_period(con, MARCH), "C-1")) == [(D(3), D("100.00"), D("300.00"))]
