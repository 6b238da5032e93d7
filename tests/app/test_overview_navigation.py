"""Overview's ways on (AppTest, demo firm): the leakage and days-to-invoice cards link to the
rows behind them on the page, and a clicked trend point's month becomes the period."""

from __future__ import annotations

from tests.support.app_pages import open_page
from ui.app_state import last_complete_period
from warehouse.db import connect

PAGE = "pages/overview.py"


def test_point_month_reads_plotlys_date_x_as_the_drawn_month():
    from pathlib import Path

    # The page module runs on import; only its helper is wanted here.
    source = Path(PAGE).read_text()
    helper = source[source.index("def point_month") : source.index("def go_to_month")]
    scope: dict = {}
    exec(compile(helper, PAGE, "exec"), scope)  # noqa: S102 - our own page's helper
    point_month = scope["point_month"]
    assert point_month({"x": "2026-08-01"}) == "2026-08"  # what plotly sends for a month axis
    assert point_month({"x": "2026-08"}) == "2026-08"
    assert point_month({"x": 3}) is None and point_month({}) is None


def test_the_cards_link_to_the_rows_behind_them(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, PAGE)
    links = [m.value for m in at.markdown]
    assert any("[The leakage findings](#leakage-findings)" in v for v in links), links
    assert any("[The invoices behind it](#invoices-behind-days-to-invoice)" in v for v in links)
    assert "Invoices behind days to invoice" in [s.value for s in at.subheader]
    assert "Top five leakage items" in [s.value for s in at.subheader]


def test_the_days_to_invoice_rows_are_the_months_sent_invoices(monkeypatch, demo_db):
    month = last_complete_period().shift(-1)  # the demo's last month is not invoiced yet
    at = open_page(monkeypatch, demo_db, PAGE)
    at.session_state["period"] = str(month)
    at.run()
    assert not at.exception
    rows = next(df.value for df in at.dataframe if "business_days" in df.value.columns)
    con = connect(demo_db)
    expected = con.execute(
        "SELECT count(*) FROM invoices WHERE coalesce(status, 'sent') NOT IN ('void', 'draft') "
        "AND coalesce(kind, 'invoice') <> 'credit_memo' AND period_end BETWEEN ? AND ?",
        [month.start, month.end],
    ).fetchall()[0][0]
    con.close()
    assert len(rows) == expected > 0
    assert list(rows["business_days"]) == sorted(rows["business_days"], reverse=True)
