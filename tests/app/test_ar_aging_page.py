"""The AR aging & DSO page in AppTest: empty warehouse, the demo firm's figures (the same as
metrics.receivables gives), and a review edit (promise to pay) saved with who and when."""

from __future__ import annotations

from datetime import timedelta

from metrics.filters import Filters
from metrics.receivables import collection_kpis
from tests.support.app_pages import button, open_ar_review, open_page, query
from tests.support.demo import DEMO_AS_OF
from ui.app_state import last_complete_period
from warehouse.sessions import read_only

PAGE = "pages/ar_aging.py"
USER = "Dana Ortiz"


def test_an_empty_warehouse_explains_itself(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path / "warehouse.duckdb", PAGE)
    assert at.title[0].value == "AR aging & DSO"
    assert "No receivables yet" in at.info[0].value


def test_the_demo_firm_shows_the_metrics_layers_figures(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, PAGE, user=USER)
    with read_only(demo_db) as con:
        k = collection_kpis(con, Filters.month(last_complete_period()))
    shown = {m.label: m.value for m in at.metric}
    assert shown["Open AR (USD)"] == f"{k.open_ar:,.0f}"
    assert shown["DSO (90 days)"] == f"{k.dso_simple:,} d"
    assert [t.label for t in at.tabs] == ["Aging & DSO", "Weekly AR review"]
    assert any("days_past_due" in df.value.columns for df in at.dataframe)


def test_only_the_open_tab_runs(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, PAGE, user=USER)
    keys = {w.key for w in at.selectbox}
    assert "review_invoice" not in keys  # the review tab is closed: nothing of it was built
    assert any("days_past_due" in df.value.columns for df in at.dataframe)
    open_ar_review(at)
    assert not at.exception, [e.value for e in at.exception]
    assert "review_invoice" in {w.key for w in at.selectbox}
    assert "Open AR (USD)" not in {m.label for m in at.metric}  # the aging tab is closed now


def test_a_promise_to_pay_is_saved_with_who_and_when(monkeypatch, demo_db):
    at = open_ar_review(open_page(monkeypatch, demo_db, PAGE, user=USER))
    invoice_id = at.selectbox(key="review_invoice").options[0]
    # options show labels; pick the first invoice by its id through the widget's value
    first = query(
        demo_db, "select invoice_id from invoices where number = ?", [invoice_id.split(" · ")[0]]
    )[0][0]
    at.selectbox(key="review_invoice").set_value(first).run()
    promised = DEMO_AS_OF + timedelta(days=10)
    at.date_input(key="review_promised").set_value(promised)
    at.text_input[0].input("Sam Lee")
    button(at, "Save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(
        demo_db,
        "select owner, promised_date, updated_by from ar_invoice_notes where invoice_id = ?",
        [first],
    ) == [("Sam Lee", promised, USER)]
    assert query(demo_db, "select invoice_id, promised_date from ar_promises") == [
        (first, promised)
    ]
    assert query(demo_db, "select actor, action from audit_log where object_id = ?", [first]) == [
        (USER, "ar_review_edit")
    ]


def test_a_client_section_builds_its_table_only_when_opened(monkeypatch, demo_db):
    at = open_ar_review(open_page(monkeypatch, demo_db, PAGE, user=USER))
    sections = [e for e in at.expander if e.key and e.key.startswith("ar_client_")]
    assert sections, "the demo firm has clients with open invoices"
    assert all(len(e.dataframe) == 0 for e in sections)  # collapsed: no table sent
    client_id = sections[0].key.removeprefix("ar_client_")
    at.session_state[sections[0].key] = True  # what opening it in the browser sets
    at.run()
    opened = next(e for e in at.expander if e.key == sections[0].key)
    assert len(opened.dataframe) == 1
    numbers = {
        r[0] for r in query(demo_db, "select number from invoices where client_id = ?", [client_id])
    }
    assert set(opened.dataframe[0].value["number"]) <= numbers
