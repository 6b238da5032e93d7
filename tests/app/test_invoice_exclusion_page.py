"""The Invoices page shows an excluded line struck out with its reason (AppTest, demo firm)."""

from __future__ import annotations

from read_models.invoice_review import STRIKE
from tests.app.test_invoices_page import first_draft_id, saved
from tests.support.app_pages import button, query, select_rows


def line_table(at):
    return next(df.value for df in at.dataframe if df.key and df.key.startswith("line_table"))


def test_an_excluded_line_is_struck_out_with_its_reason(monkeypatch, demo_db):
    at = saved(monkeypatch, demo_db)
    draft_id = first_draft_id(demo_db)
    ((description, amount),) = query(
        demo_db,
        "select description, amount from invoice_draft_lines where draft_id = ? and line_no = 1",
        [draft_id],
    )
    select_rows(at, "line_table", [0])
    next(t for t in at.text_input if t.label == "Exclude line 1 because").input("goodwill")
    button(at, "Exclude the line").click().run()
    assert not at.exception, [e.value for e in at.exception]

    row = line_table(at).iloc[0]
    # every character followed by the combining stroke; the amount likewise, as 1,234.50
    assert row["description"] == "".join(c + STRIKE for c in description)
    assert row["amount_text"] == "".join(c + STRIKE for c in f"{amount:,.2f}")
    assert row["exclude_reason"] == "goodwill"
    assert any("struck out: excluded, not billed" in c.value for c in at.caption)
    other = line_table(at).iloc[1]
    assert STRIKE not in other["description"] and not isinstance(other["exclude_reason"], str)
