"""The Realization & margin page renders on the demo firm (default period and its last invoiced
month, with drill-downs picked) and explains itself on an empty warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo.dates import add_months
from tests.support.demo import DEMO_LAST_MONTH, month_text

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# The demo's last month is not invoiced yet (docs/demo_firm.md); the month before it is.
NOT_INVOICED = month_text(DEMO_LAST_MONTH)
INVOICED = month_text(add_months(DEMO_LAST_MONTH, -1))


def _page(monkeypatch: pytest.MonkeyPatch, db: Path, period: str | None = None) -> AppTest:
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    if period:
        at.session_state["period"] = period
    at.run()
    at.switch_page("pages/realization.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_empty_warehouse_explains_itself(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path / "missing.duckdb")
    assert at.title[0].value == "Realization & margin"
    assert any("No data yet for realization and margin" in i.value for i in at.info)
    assert not at.tabs


def test_demo_firm_last_invoiced_month_draws_every_part(monkeypatch, demo_db):
    at = _page(monkeypatch, demo_db, INVOICED)
    assert [t.label for t in at.tabs] == [
        "Realization by client",
        "Standard → billed → collected",
        "Project margin",
        "Budget burn",
    ]
    assert [m.label for m in at.metric] == [
        "Billing realization",
        "Bill rate (USD)",
        "Billed (USD)",
        "Unbilled WIP (USD)",
        "Project margin",
    ]
    assert at.metric[0].value.endswith("%")
    keys = {d.key for d in at.dataframe}
    # the selectable tables carry their keys; the waterfall step's rows are one more table
    assert {"re_clients", "re_margin", "re_burn"} <= keys
    assert len(at.dataframe) == 4
    assert at.selectbox(key="re_step_None").value == "Write-downs & discounts"
    assert at.toggle(key="re_asof_today").value is False
    buttons = {b.key for b in at.get("download_button")}
    assert {"re_clients_csv", "re_step_csv", "re_margin_csv", "re_burn_csv"} <= buttons


def test_demo_last_month_is_not_invoiced_yet_and_says_so(monkeypatch, demo_db):
    # the demo's last month is invoiced only after its as-of, by design: WIP, not an empty page
    at = _page(monkeypatch, demo_db, NOT_INVOICED)
    assert any("has been invoiced yet" in i.value for i in at.info)
    assert at.metric[0].value == "n/a"
    assert "re_wip" in {d.key for d in at.dataframe}


def test_collected_by_today_switch(monkeypatch, demo_db):
    at = _page(monkeypatch, demo_db, INVOICED)
    at.toggle(key="re_asof_today").set_value(True).run()
    assert not at.exception
    assert any("collection realization" in c.value for c in at.caption)


def test_the_page_keeps_its_read_and_draws_the_kept_one(monkeypatch, demo_db):
    """After a live read the page asks the background pass to store it
    (read_models/stored_reads.py); a cold open then draws the stored read: a currency planted
    in it shows in the headline."""
    from metrics.filters import Filters
    from read_models import realization_view, stored_reads
    from warehouse import snapshot_refresher
    from warehouse.db import connect

    month = Filters.month(INVOICED)
    _page(monkeypatch, demo_db, INVOICED)
    assert snapshot_refresher.wait_idle()
    con = connect(demo_db)
    try:
        assert stored_reads.load(con, realization_view.read_page, month) is not None
        con.execute(
            "UPDATE stored_reads SET scalars = json_merge_patch(scalars, ?)",
            ['{"base_currency": "XTS"}'],
        )
    finally:
        con.close()
    at = _page(monkeypatch, demo_db, INVOICED)
    assert "Bill rate (XTS)" in [m.label for m in at.metric]
