"""The Utilization and Timesheet compliance pages in AppTest: they render on the demo firm and
on an empty warehouse, and their drill-downs show the rows behind a pick (on the four-person
firm of tests/support/leadership_firm.py, whose figures are worked out by hand there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.app_pages import APP, select_rows
from tests.support.leadership_firm import build_firm

PAGES = ("pages/utilization.py", "pages/compliance.py")


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("firm")
    return build_firm(folder / "warehouse.duckdb", folder / "canonical")


def open_at(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, period: str | None) -> AppTest:
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=180).run()
    if period:
        at.session_state["period"] = period
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pick(at: AppTest, prefix: str, rows: list[int], period: str = "2026-02") -> AppTest:
    """Selects rows of a table and reruns. AppTest loses the sidebar (and with it the period
    widget) after a page switch, so the period is given again on every run."""
    at.session_state["period"] = period
    at = select_rows(at, prefix, rows)
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest, prefix: str):
    return next(df for df in at.dataframe if df.key and df.key.startswith(prefix))


def tables_without_key(at: AppTest):
    return [df for df in at.dataframe if not df.key]


@pytest.mark.parametrize("page", PAGES)
def test_renders_on_the_demo_firm(monkeypatch, demo_template, page):
    at = open_at(monkeypatch, demo_template, page, None)
    assert at.metric, "headline figures"
    assert len(at.dataframe) >= 2


@pytest.mark.parametrize("page", PAGES)
def test_empty_warehouse_explains_itself(monkeypatch, tmp_path, page):
    at = open_at(monkeypatch, tmp_path / "none.duckdb", page, None)
    assert any("No data yet" in i.value for i in at.info)


def test_utilization_headline_and_person_drill_down(monkeypatch, small_db):
    at = open_at(monkeypatch, small_db, "pages/utilization.py", "2026-02")
    figures = {m.label: m.value for m in at.metric}
    assert figures["Employees utilization"] == "52.1%"  # 148 / 284
    assert figures["Contractors utilization"] == "47.4%"  # 72 / 152
    assert figures["All people utilization"] == "50.5%"  # 220 / 436
    # the first person row is Di (furthest below target): her weeks and her 3 entries
    at = pick(at, "ut_people", [0])
    assert "Di · Design · employee" in [s.value for s in at.subheader]
    weeks = table(at, "ut_weeks_P-4").value
    assert len(weeks) == 2  # W3 (from 02-18) and W4
    entries = tables_without_key(at)[-1].value
    assert list(entries["hours"]) == [10, 10, 4]
    # narrowing to her W3: no entries that week
    at = pick(at, "ut_weeks_P-4", [0])
    assert "week of 2026-02-16" in " ".join(m.value for m in at.markdown)
    assert len(tables_without_key(at)[-1].value) == 0


def test_utilization_team_pick_shows_its_people(monkeypatch, small_db):
    at = open_at(monkeypatch, small_db, "pages/utilization.py", "2026-02")
    # teams: Design employees, Eng employees, Design contractors
    at = pick(at, "ut_teams", [1])
    assert "People · Eng (employees)" in [s.value for s in at.subheader]
    assert sorted(table(at, "ut_people").value["person_name"]) == ["Ada", "Bo"]


def test_compliance_headline_and_week_drill_down(monkeypatch, small_db):
    at = open_at(monkeypatch, small_db, "pages/compliance.py", "2026-02")
    figures = {m.label: m.value for m in at.metric}
    assert figures["On time & complete"] == "21.4%"  # 3 of 14 person-weeks
    assert figures["Submitted on time"] == "57.1%"  # 8 of 14
    assert figures["Employees only"] == "10.0%"  # 1 of 10
    # offenders: Bo (4 weeks), Ada (3), Cy (2, 80 h short), Di (2, 40 h short)
    assert list(table(at, "tc_offenders").value["person_name"]) == ["Bo", "Ada", "Cy", "Di"]
    at = pick(at, "tc_offenders", [1])
    assert "Ada · Eng · employee" in [s.value for s in at.subheader]
    assert list(table(at, "tc_weeks_P-1").value["status"]) == ["short", "late", "short", "on_time"]
    at = pick(at, "tc_weeks_P-1", [1])
    text = " ".join(m.value for m in at.markdown)
    assert "Week of 2026-02-09: Late" in text
    assert "24.00 h logged of 32.00 h expected" in text
    assert "0 h 30 min after the deadline" in text
    assert list(tables_without_key(at)[-1].value["hours"]) == [8, 8, 8]


def test_compliance_team_pick_narrows_offenders(monkeypatch, small_db):
    at = open_at(monkeypatch, small_db, "pages/compliance.py", "2026-02")
    at = pick(at, "tc_teams", [2])  # Design contractors: Cy alone
    assert "Worst offenders · Design (contractors)" in [s.value for s in at.subheader]
    assert list(table(at, "tc_offenders").value["person_name"]) == ["Cy"]


def test_utilization_keeps_its_read_for_the_next_cold_open(monkeypatch, demo_db):
    """After its live read the page asks the background pass to store its weeks
    (read_models/stored_reads.py): they equal a live read, and a cold open draws them."""
    from metrics.filters import Filters
    from metrics.session import kpi_connection
    from read_models import stored_reads, utilization_view
    from ui.app_state import last_complete_period
    from warehouse import snapshot_refresher
    from warehouse.db import connect

    month = Filters.month(last_complete_period())
    open_at(monkeypatch, demo_db, "pages/utilization.py", None)
    assert snapshot_refresher.wait_idle()
    con = connect(demo_db)
    try:
        kept = stored_reads.load(con, utilization_view.utilization_weeks, month)
    finally:
        con.close()
    with kpi_connection(demo_db, last_day=month.end) as reader:
        live = utilization_view.utilization_weeks(reader, month)
    assert kept is not None and live.height > 0
    assert kept.schema == live.schema and kept.equals(live)
