"""The Invoices page in AppTest: the empty state, saving the month's drafts on the demo firm,
line edits, approval (through its dialog) and void, each checked in the warehouse."""

from __future__ import annotations

import re

from billing import exception_sync
from tests.support.app_pages import button, open_page, query, select_rows
from ui.app_state import last_complete_period, period_label
from warehouse import attribution_snapshot, snapshot_refresher
from warehouse.db import connect

PAGE = "pages/invoices.py"
USER = "Dana Ortiz"


def drafts_table(at):
    return next(df.value for df in at.dataframe if df.key and df.key.startswith("draft_table"))


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def saved(monkeypatch, db):
    at = open_page(monkeypatch, db, PAGE, user=USER)
    button(at, "Save drafts for").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def first_draft_id(db) -> int:
    """The draft the page selects first: the list's first row (client name, contract order)."""
    return query(
        db,
        "select d.draft_id from invoice_drafts d left join clients c using (client_id) "
        "order by c.name, d.contract_id, d.project_id nulls first, d.draft_id limit 1",
    )[0][0]


def test_a_missing_warehouse_shows_the_empty_state(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path / "warehouse.duckdb", PAGE)
    month = period_label(last_complete_period())
    assert at.title[0].value == f"Draft invoices for {month}"
    assert f"No drafts saved for {month}" in at.info[0].value
    assert metrics(at)["Drafts"] == "0"


def test_saving_drafts_writes_the_months_invoices(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    rows = query(demo_db, "select period, status, created_by from invoice_drafts")
    assert rows and set(rows) == {(str(last_complete_period()), "draft", USER)}
    assert metrics(at)["Drafts"] == str(len(rows))
    assert len(drafts_table(at)) == len(rows)
    assert at.toast[0].value == f"Saved {len(rows)} draft invoice(s)."
    # The first draft is selected: its lines are shown, and the button now says "again".
    assert any(s.value.startswith("Draft #") for s in at.subheader)
    assert button(at, "Draft again for")


def test_approving_through_the_dialog_numbers_the_invoice(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    draft_id = first_draft_id(demo_db)
    button(at, "Approve…").click().run()
    button(at, "Approve and number").click().run()

    [(status, number, approved_by)] = query(
        demo_db,
        "select status, invoice_number, approved_by from invoice_drafts where draft_id = ?",
        [draft_id],
    )
    assert (status, approved_by) == ("approved", USER)
    assert re.fullmatch(r"INV-\d{4}-\d{4}", number)
    assert query(demo_db, "select status from invoices where invoice_id = ?", [number]) == [
        ("draft",)  # approved, not yet sent
    ]
    assert at.toast[0].value == f"Approved as {number}"
    assert metrics(at)["Approved"] == "1"
    assert at.subheader[1].value.startswith(number)
    assert [b.label for b in at.download_button] == ["Download PDF", "Download CSV"]
    # The approval added an invoice the attribution snapshot was not priced with; the app
    # refreshes it in the background, so the pages read the snapshot again, not the live mart.
    assert snapshot_refresher.wait_idle()
    con = connect(demo_db)
    try:
        assert attribution_snapshot.is_current(con)
    finally:
        con.close()


def test_a_line_is_excluded_with_a_reason_and_included_again(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    draft_id = first_draft_id(demo_db)
    lines_before = metrics(at)["Lines"]
    select_rows(at, "line_table", [0])
    next(t for t in at.text_input if t.label == "Exclude line 1 because").input("goodwill")
    button(at, "Exclude the line").click().run()

    line = "select excluded, exclude_reason from invoice_draft_lines where draft_id = ? and line_no = 1"
    assert query(demo_db, line, [draft_id]) == [(True, "goodwill")]
    assert int(metrics(at)["Lines"]) == int(lines_before) - 1

    button(at, "Include the line again").click().run()
    assert query(demo_db, line, [draft_id]) == [(False, None)]
    assert metrics(at)["Lines"] == lines_before


def test_a_line_description_is_edited(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    draft_id = first_draft_id(demo_db)
    select_rows(at, "line_table", [1])
    next(t for t in at.text_input if t.label == "Description of line 2").input("Design sprint")
    button(at, "Save description").click().run()
    assert query(
        demo_db,
        "select description from invoice_draft_lines where draft_id = ? and line_no = 2",
        [draft_id],
    ) == [("Design sprint",)]
    assert query(demo_db, "select actor from audit_log where object_id = ?", [f"{draft_id}:2"]) == [
        (USER,)
    ]


def test_voiding_needs_a_reason(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    draft_id = first_draft_id(demo_db)
    button(at, "Void the invoice").click().run()
    assert "Give a reason to void." in [e.value for e in at.error]
    assert query(demo_db, "select status from invoice_drafts where draft_id = ?", [draft_id]) == [
        ("draft",)
    ]

    next(t for t in at.text_input if t.label == "Reason to void").input("client cancelled")
    button(at, "Void the invoice").click().run()
    assert query(
        demo_db, "select status, void_reason from invoice_drafts where draft_id = ?", [draft_id]
    ) == [("void", "client cancelled")]
    assert metrics(at)["Void"] == "1"


def test_the_runs_exceptions_show_beside_the_drafts(monkeypatch, demo_db):
    con = connect(demo_db)
    exception_sync.sync_billing_exceptions(con, last_complete_period(), "test")
    con.close()
    at = open_page(monkeypatch, demo_db, PAGE, user=USER)
    badges = " ".join(m.value for m in at.markdown)
    assert "over_cap · 1 open" in badges and "po_alert · 1 open" in badges


def test_the_months_billing_is_kept_and_a_cold_open_draws_the_kept_one(monkeypatch, demo_db):
    """Drafting the month to see what is left (~1 s at 600 people) is kept after a live read
    (read_models/stored_reads.py): it equals a live draft, and a cold open draws the kept one
    (invoice numbers planted in it show as the month's invoices)."""
    from metrics.filters import Filters
    from read_models import invoice_review, stored_reads
    from warehouse.sessions import read_only

    month = Filters.month(last_complete_period())
    open_page(monkeypatch, demo_db, PAGE, user=USER)
    assert snapshot_refresher.wait_idle()
    con = connect(demo_db)
    try:
        kept = stored_reads.load(con, invoice_review.month_billing, month)
        con.execute(
            "UPDATE stored_reads SET scalars = ? WHERE reader LIKE '%month_billing'",
            ['{"invoices": ["INV-PLANTED-1"], "left_to_draft": 0}'],
        )
    finally:
        con.close()
    with read_only(demo_db) as reader:
        live = invoice_review.month_billing(reader, month)
    assert kept == live and live.left_to_draft > 0  # the demo's last month is not billed yet
    at = open_page(monkeypatch, demo_db, PAGE, user=USER)
    assert "INV-PLANTED-1" in at.success[0].value
