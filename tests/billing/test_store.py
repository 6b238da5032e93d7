"""Saved drafts: save, review (edit, exclude), approve into staging, void, re-draft; every
action audited. Expected amounts worked out by hand in the comments."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest

from billing import store
from billing.draft import draft_period
from billing.period import Period
from billing.store import (
    approve_draft,
    draft_lines,
    draft_totals,
    edit_line_description,
    exclude_line,
    include_line,
    list_drafts,
    save_drafts,
    void_draft,
)
from etl.loader import import_canonical
from tests.billing.firm import build, entry
from tests.conftest import write_folder
from tests.support.demo import DEMO_AS_OF

MARCH, APRIL = Period(2026, 3), Period(2026, 4)
ISSUE = date(2026, 4, 2)

CLIENTS = """
    client_id,name,currency,payment_terms_days,tax_rate,status,billing_email
    CL-1,Acme Corp,USD,30,0.08,active,ap@acme.example
    CL-2,Globex,USD,30,0.05,active,billing@globex.example
    CL-3,Initech,EUR,30,0,active,
    CL-0,Kestrel Partners,USD,,,internal,
"""

CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    po: {number: PO-4471, limit: "60000.00", alert_at: 0.8}
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    payment_terms_days: 45
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
"""

RATES = "C-1,100.00,2026-01-01,,,,\nC-2,150.00,2026-01-01,,,,\nC-2,161.50,2026-01-01,,,P-3,\n"

ENTRIES = (
    # C-1 (Acme, tax 8%): P-1 2 h x 100 = 200.00, P-2 3 h x 100 = 300.00
    # subtotal 500.00, tax 40.00, total 540.00
    entry("T-1", "P-1", "2026-03-02", "2", "PR-1")
    + entry("T-2", "P-2", "2026-03-03", "3", "PR-1")
    # C-2 (Globex, tax 5%): P-1 5 h x 150 = 750.00, P-2 3 h x 150 = 450.00,
    # P-3 3 h x 161.50 = 484.50; subtotal 1684.50, tax 84.225 -> 84.23 (half-up), total 1768.73
    + entry("G-1", "P-1", "2026-03-05", "5", "PR-2")
    + entry("G-2", "P-2", "2026-03-06", "3", "PR-2")
    + entry("G-3", "P-3", "2026-03-09", "3", "PR-2")
)


def firm(con, tmp_path, entries=ENTRIES, contracts=CONTRACTS, rates=RATES, **files):
    build(con, tmp_path, contracts, rates, entries, clients__csv=CLIENTS, **files)


def drafts(con, period=MARCH):
    return {r["contract_id"]: r for r in list_drafts(con, period).to_dicts()}


def line_of(con, draft_id, person_id):
    lines = draft_lines(con, draft_id).to_dicts()
    return next(line for line in lines if line["person_id"] == person_id)


def audit(con):
    rows = con.execute(
        "SELECT actor, action, object_type, object_id, before, after, reason "
        "FROM audit_log ORDER BY audit_id"
    ).fetchall()
    return [
        (actor, action, kind, oid, json.loads(b) if b else None, json.loads(a) if a else None, r)
        for actor, action, kind, oid, b, a, r in rows
    ]


def staged_invoice(con, number):
    cols = "client_id, contract_id, currency, total, status, kind, period_start, period_end, "
    cols += "issue_date, due_date, po_number, number, _source"
    return con.execute(f"SELECT {cols} FROM invoices WHERE invoice_id = ?", [number]).fetchall()


def staged_lines(con, number):
    return con.execute(
        "SELECT line_no, kind, amount, person_id, entry_ids, _source FROM invoice_lines "
        "WHERE invoice_id = ? ORDER BY line_no",
        [number],
    ).fetchall()


def test_save_drafts_lists_each_contract_with_hand_worked_totals(con, tmp_path):
    firm(con, tmp_path)
    ids = save_drafts(con, MARCH, "ops")
    assert len(ids) == 2
    got = drafts(con)
    c1, c2 = got["C-1"], got["C-2"]
    assert (c1["client_name"], c1["status"], c1["po_number"], c1["invoice_number"]) == (
        "Acme Corp",
        "draft",
        "PO-4471",
        None,
    )
    assert (c1["subtotal"], c1["tax"], c1["total"], c1["line_count"]) == (
        D("500.00"),
        D("40.00"),
        D("540.00"),
        2,
    )
    assert (c2["subtotal"], c2["tax"], c2["total"], c2["line_count"]) == (
        D("1684.50"),
        D("84.23"),
        D("1768.73"),
        3,
    )
    assert draft_totals(con, c2["draft_id"]) == {
        "subtotal": D("1684.50"),
        "tax": D("84.23"),
        "total": D("1768.73"),
    }
    lines = draft_lines(con, c2["draft_id"]).to_dicts()
    assert [line["line_no"] for line in lines] == [1, 2, 3]
    assert {line["person_id"]: (line["amount"], line["sources"]) for line in lines} == {
        "P-1": (D("750.00"), ["G-1"]),
        "P-2": (D("450.00"), ["G-2"]),
        "P-3": (D("484.50"), ["G-3"]),
    }
    assert not any(line["excluded"] for line in lines)
    saved = [row for row in audit(con) if row[1] == "draft_saved"]
    assert [(r[0], r[2], r[3]) for r in saved] == [("ops", "invoice_draft", str(i)) for i in ids]
    assert {r[5]["contract_id"]: r[5]["total"] for r in saved} == {
        "C-1": "540.00",
        "C-2": "1768.73",
    }
    # saving is the only write: drafting is still pure and sees the entries as held
    assert draft_period(con, MARCH).invoices == []


def test_edit_exclude_and_include_lines_are_audited_and_move_the_totals(con, tmp_path):
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    draft_id = drafts(con)["C-2"]["draft_id"]
    p1, p2 = line_of(con, draft_id, "P-1"), line_of(con, draft_id, "P-2")

    edit_line_description(con, draft_id, p1["line_no"], "Architecture review, 5 h", "dana")
    assert line_of(con, draft_id, "P-1")["description"] == "Architecture review, 5 h"
    with pytest.raises(ValueError, match="description is required"):
        edit_line_description(con, draft_id, p1["line_no"], "  ", "dana")
    with pytest.raises(ValueError, match="no line 9"):
        edit_line_description(con, draft_id, 9, "x", "dana")

    for blank in ("", "   ", None):
        with pytest.raises(ValueError, match="reason"):
            exclude_line(con, draft_id, p2["line_no"], blank, "dana")
    assert draft_totals(con, draft_id)["subtotal"] == D("1684.50")

    # without P-2's 450.00: subtotal 1234.50; tax 5% = 61.725 -> 61.73 half-up; total 1296.23
    exclude_line(con, draft_id, p2["line_no"], "duplicate of February work", "dana")
    assert draft_totals(con, draft_id) == {
        "subtotal": D("1234.50"),
        "tax": D("61.73"),
        "total": D("1296.23"),
    }
    row = drafts(con)["C-2"]
    assert (row["total"], row["line_count"], row["excluded_count"]) == (D("1296.23"), 2, 1)
    excluded = line_of(con, draft_id, "P-2")
    assert (excluded["excluded"], excluded["exclude_reason"]) == (
        True,
        "duplicate of February work",
    )
    with pytest.raises(ValueError, match="already excluded|is excluded"):
        exclude_line(con, draft_id, p2["line_no"], "again", "dana")

    include_line(con, draft_id, p2["line_no"], "sam")
    assert draft_totals(con, draft_id)["total"] == D("1768.73")
    assert line_of(con, draft_id, "P-2")["exclude_reason"] is None

    object_id = f"{draft_id}:{p2['line_no']}"
    assert [r for r in audit(con) if r[2] == "draft_line"] == [
        (
            "dana",
            "line_edited",
            "draft_line",
            f"{draft_id}:{p1['line_no']}",
            {"description": p1["description"]},
            {"description": "Architecture review, 5 h"},
            None,
        ),
        (
            "dana",
            "line_excluded",
            "draft_line",
            object_id,
            {"excluded": False, "exclude_reason": None},
            {"excluded": True, "exclude_reason": "duplicate of February work"},
            "duplicate of February work",
        ),
        (
            "sam",
            "line_included",
            "draft_line",
            object_id,
            {"excluded": True, "exclude_reason": "duplicate of February work"},
            {"excluded": False, "exclude_reason": None},
            None,
        ),
    ]


def test_approve_numbers_dates_and_writes_the_invoice_into_staging(con, tmp_path):
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    c1, c2 = drafts(con)["C-1"]["draft_id"], drafts(con)["C-2"]["draft_id"]
    exclude_line(con, c2, line_of(con, c2, "P-2")["line_no"], "written off", "dana")

    assert approve_draft(con, c2, "lee", issue_date=ISSUE) == "INV-2026-0001"
    row = drafts(con)["C-2"]
    # C-2's own terms: 45 days -> 2026-04-02 + 45 = 2026-05-17
    assert (row["status"], row["invoice_number"], row["issue_date"], row["due_date"]) == (
        "approved",
        "INV-2026-0001",
        ISSUE,
        date(2026, 5, 17),
    )
    assert row["approved_by"] == "lee" and row["total"] == D("1296.23")
    assert staged_invoice(con, "INV-2026-0001") == [
        (
            "CL-2",
            "C-2",
            "USD",
            D("1296.23"),
            "draft",
            "invoice",
            date(2026, 3, 1),
            date(2026, 3, 31),
            ISSUE,
            date(2026, 5, 17),
            None,
            "INV-2026-0001",
            "billing",
        )
    ]
    # the excluded line (G-2) is not on the invoice; lines renumbered from 1
    assert staged_lines(con, "INV-2026-0001") == [
        (1, "time", D("750.00"), "P-1", "G-1", "billing"),
        (2, "time", D("484.50"), "P-3", "G-3", "billing"),
    ]

    # C-1 has no terms of its own: the client's 30 days; the next free number
    assert approve_draft(con, c1, "lee", issue_date=ISSUE) == "INV-2026-0002"
    assert drafts(con)["C-1"]["due_date"] == date(2026, 5, 2)
    assert staged_invoice(con, "INV-2026-0002")[0][10] == "PO-4471"
    assert [r[4] for r in staged_lines(con, "INV-2026-0002")] == ["T-1", "T-2"]

    for action in (
        lambda: approve_draft(con, c2, "lee"),
        lambda: edit_line_description(con, c2, 1, "changed", "lee"),
        lambda: exclude_line(con, c2, 1, "late", "lee"),
        lambda: include_line(con, c2, line_of(con, c2, "P-2")["line_no"], "lee"),
    ):
        with pytest.raises(ValueError, match="approved"):
            action()
    approved = [r for r in audit(con) if r[1] == "draft_approved"]
    assert [
        (r[0], r[3], r[4]["status"], r[5]["invoice_number"], r[5]["due_date"]) for r in approved
    ] == [
        ("lee", str(c2), "draft", "INV-2026-0001", "2026-05-17"),
        ("lee", str(c1), "draft", "INV-2026-0002", "2026-05-02"),
    ]


@pytest.mark.clock
def test_approve_refuses_an_empty_draft_and_defaults_to_today(con, tmp_path):
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    c1 = drafts(con)["C-1"]["draft_id"]
    for line in draft_lines(con, c1).to_dicts():
        exclude_line(con, c1, line["line_no"], "client dispute", "dana")
    with pytest.raises(ValueError, match="every line is excluded"):
        approve_draft(con, c1, "lee")
    assert drafts(con)["C-1"]["status"] == "draft"
    assert con.execute("SELECT count(*) FROM invoices").fetchall() == [(0,)]
    with pytest.raises(ValueError, match="no saved draft"):
        approve_draft(con, 999, "lee")

    c2 = drafts(con)["C-2"]["draft_id"]
    number = approve_draft(con, c2, "lee")
    today = DEMO_AS_OF  # approval issues on the suite's today (tests/conftest.py)
    assert number == f"INV-{today.year}-0001"
    assert (drafts(con)["C-2"]["issue_date"], drafts(con)["C-2"]["due_date"]) == (
        today,
        date.fromordinal(today.toordinal() + 45),
    )


def test_invoice_numbers_continue_after_imported_ones(con, tmp_path):
    invoices = """
        invoice_id,client_id,issue_date,due_date,currency,total,number,status
        I-1,CL-3,2025-12-01,2025-12-31,EUR,10.00,INV-2025-0100,paid
        I-2,CL-3,2026-02-01,2026-03-03,EUR,10.00,INV-2026-0041,paid
        I-3,CL-3,2026-02-02,2026-03-04,EUR,10.00,QB-77,paid
    """
    firm(con, tmp_path, invoices__csv=invoices)
    save_drafts(con, MARCH, "ops")
    assert approve_draft(con, drafts(con)["C-1"]["draft_id"], "lee", issue_date=ISSUE) == (
        "INV-2026-0042"
    )
    jan_2027 = date(2027, 1, 4)
    assert approve_draft(con, drafts(con)["C-2"]["draft_id"], "lee", issue_date=jan_2027) == (
        "INV-2027-0001"
    )


def test_the_accounting_systems_copy_of_an_approved_invoice_reimports_unchanged(con, tmp_path):
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    number = approve_draft(con, drafts(con)["C-1"]["draft_id"], "lee", issue_date=ISSUE)
    folder = write_folder(
        tmp_path / "accounting",
        {
            "invoices.csv": f"""
        invoice_id,client_id,issue_date,due_date,currency,total,number,contract_id,status,po_number,period_start,period_end
        {number},CL-1,2026-04-02,2026-05-02,USD,540.00,{number},C-1,draft,PO-4471,2026-03-01,2026-03-31
    """
        },
    )
    report = import_canonical(con, folder)
    stats = next(s for s in report.entities if s.entity == "invoices")
    assert (stats.new, stats.updated, stats.unchanged) == (0, 0, 1)


def test_drafting_again_never_bills_approved_work_twice_and_replaces_unapproved(con, tmp_path):
    firm(con, tmp_path)
    first = save_drafts(con, MARCH, "ops")
    c1, c2 = drafts(con)["C-1"]["draft_id"], drafts(con)["C-2"]["draft_id"]
    approve_draft(con, c1, "lee", issue_date=ISSUE)

    second = save_drafts(con, MARCH, "ops")
    assert len(second) == 1 and not set(second) & set(first)
    rows = list_drafts(con, MARCH).to_dicts()
    assert sorted((r["contract_id"], r["status"], r["draft_id"]) for r in rows) == [
        ("C-1", "approved", c1),
        ("C-2", "draft", second[0]),
    ]
    assert drafts(con)["C-2"]["total"] == D("1768.73")
    assert [inv.contract_id for inv in draft_period(con, MARCH).invoices] == []
    replaced = [r for r in audit(con) if r[1] == "draft_replaced"]
    assert [(r[0], r[3], r[4]["total"], r[5], r[6]) for r in replaced] == [
        ("ops", str(c2), "1768.73", None, "period 2026-03 drafted again"),
    ]

    # a late entry on the approved contract: only it is drafted; T-1 and T-2 stay billed once
    firm(con, tmp_path, ENTRIES + entry("T-9", "P-1", "2026-03-30", "1", "PR-1"))
    assert [
        [line.sources for line in inv.lines]
        for inv in draft_period(con, MARCH).invoices
        if inv.contract_id == "C-1"
    ] == [[["T-9"]]]
    third = save_drafts(con, MARCH, "ops")
    late = [
        r
        for r in list_drafts(con, MARCH).to_dicts()
        if r["contract_id"] == "C-1" and r["status"] == "draft"
    ]
    assert len(late) == 1 and late[0]["draft_id"] in third
    assert late[0]["subtotal"] == D("100.00")
    assert draft_lines(con, late[0]["draft_id"])["sources"].to_list() == [["T-9"]]

    # one client at a time: the other client's unapproved draft is left alone
    c2_now = drafts(con)["C-2"]["draft_id"]
    only = save_drafts(con, MARCH, "ops", client_id="CL-1")
    assert len(only) == 1
    statuses = {
        (r["contract_id"], r["status"]): r["draft_id"] for r in list_drafts(con, MARCH).to_dicts()
    }
    assert statuses[("C-2", "draft")] == c2_now
    assert statuses[("C-1", "draft")] == only[0]
    assert len(list_drafts(con, MARCH)) == 3


def test_saving_is_all_or_nothing(con, tmp_path, monkeypatch):
    firm(con, tmp_path)
    ids = save_drafts(con, MARCH, "ops")

    def broken(*args, **kwargs):
        raise RuntimeError("engine failed")

    monkeypatch.setattr(store, "draft_period", broken)
    with pytest.raises(RuntimeError):
        save_drafts(con, MARCH, "ops")
    assert sorted(r["draft_id"] for r in list_drafts(con, MARCH).to_dicts()) == sorted(ids)
    assert [r[1] for r in audit(con)] == ["draft_saved", "draft_saved"]


def test_void_releases_the_sources_and_voids_the_staged_invoice(con, tmp_path):
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    c1, c2 = drafts(con)["C-1"]["draft_id"], drafts(con)["C-2"]["draft_id"]
    number = approve_draft(con, c1, "lee", issue_date=ISSUE)
    with pytest.raises(ValueError, match="reason"):
        void_draft(con, c1, "lee", " ")
    void_draft(con, c1, "lee", "wrong PO on the invoice")

    row = next(r for r in list_drafts(con, MARCH).to_dicts() if r["draft_id"] == c1)
    assert (row["status"], row["voided_by"], row["void_reason"]) == (
        "void",
        "lee",
        "wrong PO on the invoice",
    )
    assert staged_invoice(con, number)[0][4] == "void"
    history = con.execute(
        "SELECT entity, record_key, row_data->>'status' FROM entity_history"
    ).fetchall()
    assert history == [("invoices", number, "draft")]
    # the entries are free again: the next draft bills T-1 and T-2, at the same 540.00
    assert [[line.sources for line in inv.lines] for inv in draft_period(con, MARCH).invoices] == [
        [["T-1"], ["T-2"]]
    ]
    again = save_drafts(con, MARCH, "ops")
    redrafted = next(
        r
        for r in list_drafts(con, MARCH).to_dicts()
        if r["contract_id"] == "C-1" and r["status"] == "draft"
    )
    assert redrafted["draft_id"] in again and redrafted["total"] == D("540.00")
    # a void number is never reused
    assert approve_draft(con, redrafted["draft_id"], "lee", issue_date=ISSUE) == "INV-2026-0002"
    with pytest.raises(ValueError, match="already void"):
        void_draft(con, c1, "lee", "twice")

    # an unapproved draft can be voided too (c2 was replaced by the save above: use the new one)
    c2_now = drafts(con)["C-2"]["draft_id"]
    assert c2_now != c2
    void_draft(con, c2_now, "dana", "client asked to hold March")
    assert next(inv for inv in draft_period(con, MARCH).invoices).contract_id == "C-2"
    voids = [r for r in audit(con) if r[1] == "draft_voided"]
    assert [(r[0], r[3], r[4]["status"], r[5], r[6]) for r in voids] == [
        ("lee", str(c1), "approved", {"status": "void"}, "wrong PO on the invoice"),
        ("dana", str(c2_now), "draft", {"status": "void"}, "client asked to hold March"),
    ]


def test_a_sent_invoice_is_not_voided_here(con, tmp_path):
    firm(con, tmp_path)
    save_drafts(con, MARCH, "ops")
    c1 = drafts(con)["C-1"]["draft_id"]
    number = approve_draft(con, c1, "lee", issue_date=ISSUE)
    con.execute("UPDATE invoices SET status = 'sent' WHERE invoice_id = ?", [number]).fetchall()
    with pytest.raises(ValueError, match="credit memo"):
        void_draft(con, c1, "lee", "too late")
    assert drafts(con)["C-1"]["status"] == "approved"


CAPPED = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    po: {number: PO-9, limit: "1000.00", alert_at: 0.5}
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
        cap: {amount: "700.00", scope: contract}
"""


def test_an_approved_invoice_counts_for_caps_and_po_to_date(con, tmp_path):
    entries = (
        entry("T-1", "P-1", "2026-03-02", "5", "PR-1")  # March: 5 h x 100 = 500.00
        + entry("T-2", "P-1", "2026-04-06", "4", "PR-1")  # April: 4 h x 100 = 400.00
    )
    firm(con, tmp_path, entries, CAPPED, "C-1,100.00,2026-01-01,,,,\n")
    save_drafts(con, MARCH, "ops")
    # saved but not approved: not yet billed, so April is not capped
    april = draft_period(con, APRIL)
    assert april.invoices[0].subtotal == D("400.00")
    approve_draft(con, drafts(con)["C-1"]["draft_id"], "lee", issue_date=ISSUE)
    # approved March (500.00 of time) leaves 200.00 under the 700.00 cap: April's 400.00 is cut
    # by a -200.00 cap_adjustment. PO-9 to date: 540.00 (500 + 8% tax) + April 216.00 = 756.00,
    # above 0.5 x 1000 -> po_alert
    april = draft_period(con, APRIL)
    inv = april.invoices[0]
    assert [(line.kind, line.amount) for line in inv.lines] == [
        ("time", D("400.00")),
        ("cap_adjustment", D("-200.00")),
    ]
    assert sorted(e.kind for e in april.exceptions) == ["over_cap", "po_alert"]
    assert "756.00" in next(e.detail for e in april.exceptions if e.kind == "po_alert")
