"""The Overview page in AppTest: the KPI cards on the demo firm (with the rules run), the
leakage drill-down, a month picked from a trend, and the empty state."""

from __future__ import annotations

import json

import pytest

from metrics.filters import Filters, trend_range
from metrics.kpis import firm_kpis, stored_trend
from metrics.session import kpi_connection
from read_models import stored_reads
from read_models.overview import overview
from rules.engine import run_rules
from tests.support.app_pages import open_page
from tests.support.demo import DEMO_AS_OF
from ui.app_state import PERIOD_KEY, last_complete_period
from warehouse import snapshot_refresher
from warehouse.db import connect

PAGE = "pages/overview.py"
CARDS = [
    "Billable utilization",
    "Billing realization",
    "DSO (countback)",
    "Timesheet compliance",
    "Days to invoice",
    "Revenue leakage",
]


@pytest.fixture
def demo_with_rules(demo_db):
    con = connect(demo_db)
    run_rules(con, as_of=DEMO_AS_OF)
    con.close()
    return demo_db


def cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_every_card_shows_on_the_demo_firm(monkeypatch, demo_with_rules):
    at = open_page(monkeypatch, demo_with_rules, PAGE)
    assert list(cards(at)) == CARDS
    month = last_complete_period()
    with kpi_connection(demo_with_rules) as con:
        util = firm_kpis(con, Filters.month(month))["billable_utilization"].value
    assert cards(at)["Billable utilization"] == f"{float(util) * 100:.1f}%"
    # The last complete month is not invoiced yet in the demo: realization is n/a, not 0%.
    assert cards(at)["Billing realization"] == "n/a"
    charts = at.get("plotly_chart")
    assert len(charts) == 1  # one figure, one 12-month trend panel per card
    traces = json.loads(charts[0].proto.spec)["data"]
    assert [t["name"] for t in traces] == CARDS
    assert all(len(t["x"]) == 12 for t in traces)
    # Each card with a target has a dotted target line in its own panel (percent for ratios).
    with kpi_connection(demo_with_rules) as con:
        kpis = firm_kpis(con, Filters.month(month))
    expected = set()
    for trace in traces:
        kpi = next(k for k in kpis.values() if k.label == trace["name"])
        if kpi.target is not None:
            scale = 100 if kpi.unit == "ratio" else 1
            expected.add((trace["yaxis"], float(kpi.target) * scale))
    layout = json.loads(charts[0].proto.spec)["layout"]
    lines = {(s["yref"], s["y0"]) for s in layout["shapes"] if s["line"]["dash"] == "dot"}
    assert expected and lines == expected
    labels = [a for a in layout["annotations"] if a["text"] == "target"]
    assert {(a["yref"], a["y"]) for a in labels} == expected


def test_the_month_before_has_every_figure(monkeypatch, demo_with_rules):
    monkeypatch.setenv("WAREHOUSE_DB", str(demo_with_rules))
    at = open_page(monkeypatch, demo_with_rules, PAGE)
    at.session_state[PERIOD_KEY] = str(last_complete_period().shift(-1))
    at.run()
    assert not at.exception
    shown = cards(at)
    assert all(shown[label] != "n/a" for label in CARDS), shown
    assert shown["Billing realization"].endswith("%")


def test_a_leakage_item_drills_down_to_its_findings(monkeypatch, demo_with_rules):
    at = open_page(monkeypatch, demo_with_rules, PAGE)
    top = next(df for df in at.dataframe if df.key == "top_leakage")
    assert 1 <= len(top.value) <= 5
    values = list(top.value["value_base"])
    assert values == sorted(values, reverse=True)
    first = top.value.iloc[0]
    at.session_state["top_leakage"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    findings = next(df.value for df in at.dataframe if "exception_id" in df.value.columns)
    assert len(findings) == first["findings"]
    assert set(findings["period"]) == {first["period"]}
    assert sum(findings["value_base"]) == first["value_base"]


def test_an_empty_warehouse_explains_itself(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path / "none.duckdb", PAGE)
    assert any("No data yet" in info.value for info in at.info)
    assert not at.metric


def test_the_page_keeps_its_trend_and_itself_in_the_background(monkeypatch, demo_db):
    """After its live read the page asks the background pass to store the window's sums
    (metrics/trend_snapshot.py) and the whole Overview (read_models/stored_reads.py): the
    next cold read finds both stored and current."""
    open_page(monkeypatch, demo_db, PAGE)
    assert snapshot_refresher.wait_idle()
    filters = Filters.month(last_complete_period())
    _, whole = trend_range(filters)
    con = connect(demo_db)
    try:
        assert stored_trend(con, whole) is not None
        assert stored_reads.load(con, overview, filters) is not None
    finally:
        con.close()


def test_a_cold_open_draws_the_stored_overview(monkeypatch, demo_with_rules):
    """With the month's Overview stored and current, the page draws it instead of reading
    live: a currency planted in the stored row shows on the leakage card."""
    con = connect(demo_with_rules)
    try:
        assert stored_reads.store(con, overview, Filters.month(last_complete_period())) is True
        con.execute(
            "UPDATE stored_reads SET scalars = json_merge_patch(scalars, ?)",
            ['{"base_currency": "XTS"}'],
        )
    finally:
        con.close()
    at = open_page(monkeypatch, demo_with_rules, PAGE)
    assert cards(at)["Revenue leakage"].startswith("XTS ")
