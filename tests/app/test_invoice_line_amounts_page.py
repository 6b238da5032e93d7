"""On the Invoices page a person changes a line's unit price with a reason, and adds a line by
hand (AppTest, demo firm): the table and the draft's total show it, the audit log keeps why."""

from __future__ import annotations

from decimal import Decimal

from tests.app.test_invoices_page import first_draft_id, saved
from tests.support.app_pages import button, query, select_rows


def text_input(at, label: str):
    return next(t for t in at.text_input if t.label == label)


def test_a_lines_price_changes_and_a_fee_is_added(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    draft_id = first_draft_id(demo_db)
    ((quantity, total_before),) = query(
        demo_db,
        "select l.quantity, (select sum(amount) from invoice_draft_lines "
        " where draft_id = ? and not excluded) "
        "from invoice_draft_lines l where l.draft_id = ? and l.line_no = 1",
        [draft_id, draft_id],
    )
    select_rows(at, "line_table", [0])
    text_input(at, "Unit price of line 1").set_value("99.995")
    text_input(at, "Why line 1 changes").set_value("rate agreed with the client")
    button(at, "Change quantity and price").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ((amount, price),) = query(
        demo_db,
        "select amount, unit_price from invoice_draft_lines where draft_id = ? and line_no = 1",
        [draft_id],
    )
    # quantity x 99.995, half-up to cents, by hand in Python's Decimal
    expected = (Decimal(quantity) * Decimal("99.995")).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    assert (price, amount) == (Decimal("99.995"), expected)

    text_input(at, "Description").set_value("Workshop materials")
    text_input(at, "Quantity").set_value("2")
    text_input(at, "Unit price").set_value("12.50")
    text_input(at, "Why it is added").set_value("printed kits")
    button(at, "Add the line").click().run()
    assert not at.exception, [e.value for e in at.exception]
    added = query(
        demo_db,
        "select kind, description, amount, sources from invoice_draft_lines "
        "where draft_id = ? and description = 'Workshop materials'",
        [draft_id],
    )
    assert added == [("fixed_fee", "Workshop materials", Decimal("25.00"), [])]
    reasons = query(
        demo_db,
        "select action, reason from audit_log where object_type = 'draft_line' "
        "and action in ('line_amount_changed', 'line_added') order by audit_id",
    )
    assert reasons == [
        ("line_amount_changed", "rate agreed with the client"),
        ("line_added", "printed kits"),
    ]
    ((total_after,),) = query(
        demo_db,
        "select sum(amount) from invoice_draft_lines where draft_id = ? and not excluded",
        [draft_id],
    )
    assert total_after != total_before
