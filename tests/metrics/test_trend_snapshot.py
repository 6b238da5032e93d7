"""The trend snapshot (metrics/trend_snapshot.py) on the demo firm: stored sums equal the live
ones to the last decimal and give the same Overview; any change to their inputs (time off, a
voided invoice) or to the code makes a read compute live again; filtered reads never use it;
a job pass stores the default month's (the Overview page's own request is in
tests/app/test_overview_page.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from metrics import trend_snapshot
from metrics.filters import Filters, trend_range
from metrics.kpis import store_trend, stored_trend, trend_parts
from metrics.session import kpi_connection, prepare
from read_models.overview import overview
from tests.support.app_writes import insert_one, void_one_invoice
from tests.support.demo import DEMO_AS_OF
from tests.support.job_pass import run_drafts_pass
from warehouse.db import connect

OCTOBER = Filters.month("2026-10")
WINDOW, WHOLE = trend_range(OCTOBER)
WEDNESDAY = date(2026, 10, 14)  # a weekday of October 2026 that is no US public holiday


@pytest.fixture
def con(demo_db):
    connection = connect(demo_db)
    yield connection
    connection.close()


def live(con) -> dict:
    prepare(con, DEMO_AS_OF)
    return trend_parts(con, WHOLE, WINDOW)


def test_stored_sums_are_the_live_sums_and_give_the_same_overview(con, demo_db):
    assert stored_trend(con, WHOLE) is None  # nothing stored by the demo build
    with kpi_connection(demo_db, last_day=OCTOBER.end) as reader:
        computed_live = overview(reader, OCTOBER)
    assert store_trend(con, OCTOBER) is True
    assert store_trend(con, OCTOBER) is False  # stored and current: nothing to do
    stored = stored_trend(con, WHOLE)
    assert stored == live(con)  # every Decimal as it was
    assert list(stored) == [str(month.last_month) for month in WINDOW]
    assert any(real.billed_value > 0 for _, real in stored.values())
    with kpi_connection(demo_db, last_day=OCTOBER.end) as reader:
        assert stored_trend(reader, WHOLE) is not None  # the page's read-only reader sees it
        from_snapshot = overview(reader, OCTOBER)
    assert from_snapshot.kpis == computed_live.kpis
    assert from_snapshot.previous == computed_live.previous
    assert from_snapshot.trend.equals(computed_live.trend)


def test_time_off_taken_makes_the_stored_sums_stale(con):
    store_trend(con, OCTOBER)
    person = con.execute(
        "SELECT person_id FROM people WHERE coalesce(weekly_capacity_hours, 40) = 40 "
        "AND (start_date IS NULL OR start_date <= DATE '2026-10-01') AND end_date IS NULL "
        "AND person_id NOT IN (SELECT person_id FROM time_off WHERE date = ?) "
        "ORDER BY person_id LIMIT 1",
        [WEDNESDAY],
    ).fetchall()[0][0]
    before = stored_trend(con, WHOLE)["2026-10"][0].available_hours
    insert_one(
        con, "time_off", {"person_id": person, "date": WEDNESDAY, "hours": "4", "kind": "pto"}
    )
    assert stored_trend(con, WHOLE) is None
    # 8 h of capacity that day, 4 h of it off: October's available hours are 4 fewer.
    assert live(con)["2026-10"][0].available_hours == before - Decimal(4)
    assert store_trend(con, OCTOBER) is True
    assert stored_trend(con, WHOLE)["2026-10"][0].available_hours == before - Decimal(4)


def test_a_voided_invoice_makes_the_stored_sums_stale(con):
    store_trend(con, OCTOBER)
    september = stored_trend(con, WHOLE)["2026-09"][1]
    void_one_invoice(con)  # a September invoice
    assert stored_trend(con, WHOLE) is None
    assert live(con)["2026-09"][1].billed_value < september.billed_value


def test_other_code_and_filtered_reads_compute_live(con, monkeypatch):
    store_trend(con, OCTOBER)
    client = con.execute("SELECT min(client_id) FROM clients").fetchall()[0][0]
    assert stored_trend(con, WHOLE) is not None
    filtered = Filters(WHOLE.start, WHOLE.end, grain="custom", clients=(client,))
    assert stored_trend(con, filtered) is None
    monkeypatch.setattr(trend_snapshot, "_code_digest", lambda: "other code")
    assert stored_trend(con, WHOLE) is None


def test_only_the_newest_windows_are_kept(con, monkeypatch):
    monkeypatch.setattr(trend_snapshot, "KEPT_WINDOWS", 2)
    months = ["2026-08", "2026-09", "2026-10"]
    for month in months:
        assert store_trend(con, Filters.month(month)) is True
    kept = con.execute(
        "SELECT strftime(window_end, '%Y-%m') FROM trend_snapshot ORDER BY window_end"
    ).fetchall()
    assert kept == [("2026-09",), ("2026-10",)]


def test_a_job_pass_stores_the_default_months_trend(con):
    assert run_drafts_pass(con) == ["ok"]
    _, whole = trend_range(Filters.month("2026-10"))  # the last complete month on that day
    assert stored_trend(con, whole) is not None
