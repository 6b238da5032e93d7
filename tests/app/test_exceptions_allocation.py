"""The Exceptions page allocates an unmatched payment (AppTest on the demo firm): the planted
PAY-00100 (Greenleaf, 2750.00 ON ACCOUNT) names no invoice and Greenleaf has nothing open then,
so applying the (empty) allocation keeps it as Greenleaf's credit and resolves the exception."""

from __future__ import annotations

from billing.ar.sync import sync_receivables
from tests.support.app_pages import button, open_page, query, select_rows
from warehouse.db import connect

PAGE = "pages/exceptions.py"


def test_apply_an_allocation_from_the_queue(monkeypatch, demo_db):
    con = connect(demo_db)
    try:
        sync_receivables(con, "system")
    finally:
        con.close()
    at = open_page(monkeypatch, demo_db, PAGE, user="Dana Ortiz")
    at = select_rows(at, "exception_table", [0])
    assert "Allocate the payment" in [s.value for s in at.subheader]
    button(at, "Apply allocation").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(demo_db, "select payment_id, invoice_id, decided_by from payment_allocations") == [
        ("PAY-00100", "(client credit)", "Dana Ortiz")
    ]
    assert query(
        demo_db,
        "select status, resolved_at is not null from exceptions "
        "where exception_id = 'unmatched_payment:PAY-00100'",
    ) == [("approved", True)]
