"""Never bill twice on the demo firm: a month its accounting system already invoiced proposes no
fee again, and the Invoices page says "already invoiced" (with the numbers) instead of offering
to save drafts; saving and approving the open month twice bills each retainer fee once."""

from __future__ import annotations

from pathlib import Path

from billing import store
from billing.draft import draft_period
from billing.period import Period
from tests.support.app_pages import open_page, query
from ui.app_state import period_label
from warehouse.db import connect

PAGE = "pages/invoices.py"
FEES = ("retainer_fee", "fixed_fee", "milestone")
# The demo's two retainers (seed 7): Platform Support (C-102, P-6) and Design (C-110, P-16).
RETAINER_PROJECTS = {"P-6", "P-16"}


def last_invoiced_month(db: Path) -> Period:
    """The demo's newest month on its imported invoices (it follows the build date)."""
    [(start,)] = query(db, "SELECT max(period_start) FROM invoices WHERE _source = 'canonical'")
    return Period.of(start)


def retainer_fees_on_invoices(db: Path, period: Period) -> dict[str, int]:
    rows = query(
        db,
        "SELECT l.project_id, count(*) FROM invoice_lines l JOIN invoices i USING (invoice_id) "
        "WHERE l.kind = 'retainer_fee' AND i.status <> 'void' AND i.period_start = ? GROUP BY ALL",
        [period.start],
    )
    return dict(rows)


def test_an_invoiced_demo_month_proposes_no_fee_again(demo_db):
    month = last_invoiced_month(demo_db)
    # the month's imported invoices bill both retainers' fees once
    assert retainer_fees_on_invoices(demo_db, month) == {"P-6": 1, "P-16": 1}
    con = connect(demo_db)
    try:
        draft = draft_period(con, month)
    finally:
        con.close()
    assert [line.kind for inv in draft.invoices for line in inv.lines if line.kind in FEES] == []
    assert {f.project_id for f in draft.fees_already_billed} == RETAINER_PROJECTS
    assert draft.already_invoiced  # the numbers the page shows


def test_the_page_says_already_invoiced_instead_of_save(monkeypatch, demo_db):
    month = last_invoiced_month(demo_db)
    numbers = [
        n
        for (n,) in query(
            demo_db,
            "SELECT number FROM invoices WHERE period_start = ? AND status <> 'void' "
            "ORDER BY number",
            [month.start],
        )
    ]
    at = open_page(monkeypatch, demo_db, PAGE, user="Dana Ortiz")
    at.session_state["period"] = str(month)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [box] = at.success
    assert box.value.startswith(f"**{period_label(month)} is already invoiced**")
    assert all(number in box.value for number in numbers[:12])
    assert not [b for b in at.button if b.label.startswith(("Save drafts", "Draft again"))]
    # the month after it is open: the save button is there
    at.session_state["period"] = str(month.shift(1))
    at.run()
    assert not at.success
    assert [b.label for b in at.button if b.label.startswith("Save drafts")] == [
        f"Save drafts for {period_label(month.shift(1))}"
    ]


def test_saving_and_approving_the_open_demo_month_twice_bills_each_fee_once(demo_db):
    month = last_invoiced_month(demo_db).shift(1)
    con = connect(demo_db)
    try:
        for _ in range(2):
            store.save_drafts(con, month, "ops")
            for draft_id in store.list_drafts(con, month).filter(store.pl.col("status") == "draft")[
                "draft_id"
            ]:
                store.approve_draft(con, draft_id, "lee", issue_date=month.end)
    finally:
        con.close()
    assert retainer_fees_on_invoices(demo_db, month) == {"P-6": 1, "P-16": 1}
