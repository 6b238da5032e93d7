"""The stored Overview (read_models/overview_snapshot.py) on the demo firm with the rules run:
what is stored reads back equal to a live read, frame for frame and Decimal for Decimal; a
change to anything it reads (a finding decided, a payment, time off), to the code, to the
day or to the timesheet deadline passed makes it unused; filtered reads never use it; a job
pass stores the default month's. The page's own use is in tests/app/test_overview_page.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest

from core import clock
from etl.app_writes import app_load, insert_row, update_row
from exception_queue.findings import decide_unchecked
from metrics.filters import Filters
from metrics.session import kpi_connection
from read_models import overview_snapshot
from read_models.overview import overview
from read_models.sql_files import sql
from rules.engine import run_rules
from tests.support.demo import DEMO_AS_OF
from warehouse.db import connect, transaction

OCTOBER = Filters.month("2026-10")


@pytest.fixture
def con(demo_db):
    connection = connect(demo_db)
    run_rules(connection, as_of=DEMO_AS_OF)  # the leakage findings
    yield connection
    connection.close()


def live(db, filters=OCTOBER):
    with kpi_connection(db, last_day=filters.end) as reader:
        return overview(reader, filters)


def stored(con, filters=OCTOBER):
    return overview_snapshot.load(con, filters)


def assert_same(a, b) -> None:
    assert a.kpis == b.kpis
    assert a.previous == b.previous
    assert a.base_currency == b.base_currency
    for name in overview_snapshot.FRAMES:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.schema == y.schema, name
            assert x.equals(y), name


def test_the_stored_overview_is_the_live_one(con, demo_db):
    assert stored(con) is None  # nothing stored by the demo build
    assert overview_snapshot.store(con, OCTOBER) is True
    assert overview_snapshot.store(con, OCTOBER) is False  # stored and current
    kept = stored(con)
    assert kept is not None
    computed = live(demo_db)
    assert_same(kept, computed)
    # Not an empty read that happens to match: the month has figures and findings.
    assert computed.kpis["billable_utilization"].value > 0
    assert computed.leakage.height > 0
    assert computed.trend.height == 12 * 6


def test_a_read_returns_what_was_stored(con):
    """The load reads the table (a tampered currency comes back), not a fresh computation."""
    overview_snapshot.store(con, OCTOBER)
    con.execute(
        "UPDATE overview_snapshot SET scalars = json_merge_patch(scalars, ?)",
        [json.dumps({"base_currency": "XTS"})],
    )
    assert stored(con).base_currency == "XTS"


def test_a_decided_finding_makes_it_stale(con, demo_db):
    overview_snapshot.store(con, OCTOBER)
    before = stored(con)
    finding = before.leakage.sort("exception_id")["exception_id"][0]
    decide_unchecked(con, finding, "reject", "test", "not a leak")
    assert stored(con) is None
    after = live(demo_db)
    assert finding not in after.leakage["exception_id"].to_list()  # rejected: no longer a leak
    assert after.leakage.height == before.leakage.height - 1


def test_a_payment_and_time_off_make_it_stale(con):
    overview_snapshot.store(con, OCTOBER)
    payment = con.execute("SELECT min(payment_id) FROM payments").fetchall()[0][0]
    with transaction(con):
        load_id = app_load(con, "test", "payment", "a payment dated later", {"payments": (0, 1)})
        update_row(con, "payments", payment, load_id, "test", {"date": date(2026, 10, 30)})
    assert stored(con) is None
    assert overview_snapshot.store(con, OCTOBER) is True
    person = con.execute("SELECT min(person_id) FROM people").fetchall()[0][0]
    with transaction(con):
        load_id = app_load(con, "test", "time off", "a day off", {"time_off": (1, 0)})
        insert_row(
            con,
            "time_off",
            load_id,
            "test",
            {"person_id": person, "date": date(2026, 10, 14), "hours": "8", "kind": "pto"},
        )
    assert stored(con) is None


def test_other_code_another_day_and_filtered_reads_read_live(con, monkeypatch):
    overview_snapshot.store(con, OCTOBER)
    assert stored(con) is not None
    client = con.execute("SELECT min(client_id) FROM clients").fetchall()[0][0]
    assert stored(con, Filters.month("2026-10", clients=(client,))) is None
    assert overview_snapshot.store(con, Filters.month("2026-10", clients=(client,))) is False
    monkeypatch.setenv(clock.TODAY_ENV, "2026-11-08")  # the next day
    assert stored(con) is None
    monkeypatch.setenv(clock.TODAY_ENV, DEMO_AS_OF.isoformat())
    assert stored(con) is not None
    monkeypatch.setattr(overview_snapshot, "_code_digest", lambda: "other code")
    assert stored(con) is None


def test_the_last_deadline_moves_when_a_deadline_passes(con):
    """The demo firm's deadline is Monday 12:00 in New York (UTC-5 in November): 17:00 UTC."""
    assert con.execute("SELECT timesheet_deadline, timezone FROM firm").fetchall() == [
        ("mon 12:00", "America/New_York")
    ]

    def last(moment: datetime) -> datetime:
        return con.execute(sql("last_timesheet_deadline"), {"now": moment}).fetchall()[0][0]

    monday = date(2026, 11, 9)
    before_noon = datetime.combine(monday, time(16, 59), UTC)
    after_noon = datetime.combine(monday, time(17, 1), UTC)
    assert last(datetime(2026, 11, 7, 10, tzinfo=UTC)) == datetime(2026, 11, 2, 12)
    assert last(before_noon) == datetime(2026, 11, 2, 12)
    assert last(after_noon) == datetime(2026, 11, 9, 12)
    assert overview_snapshot.fingerprint(con, OCTOBER, before_noon) != (
        overview_snapshot.fingerprint(con, OCTOBER, after_noon)
    )
    earlier = datetime.combine(monday, time(9), UTC)
    assert overview_snapshot.fingerprint(con, OCTOBER, earlier) == (
        overview_snapshot.fingerprint(con, OCTOBER, before_noon)
    )


def test_only_the_newest_ranges_are_kept(con, monkeypatch):
    monkeypatch.setattr(overview_snapshot, "KEPT", 2)
    for month in ("2026-08", "2026-09", "2026-10"):
        assert overview_snapshot.store(con, Filters.month(month)) is True
    kept = con.execute(
        "SELECT strftime(range_end, '%Y-%m') FROM overview_snapshot ORDER BY range_end"
    ).fetchall()
    assert kept == [("2026-09",), ("2026-10",)]


def test_a_job_pass_stores_the_default_months_overview(con):
    from jobs.runner import run_pass
    from jobs.schedule import Schedule

    now = datetime(2026, 11, 9, 7, 5, tzinfo=UTC)  # a Monday of November 2026
    results = run_pass(con, now, {"drafts": Schedule("drafts", at=time(7, 0))}, force=True)
    assert [r.status for r in results] == ["ok"]
    assert stored(con) is not None  # October: the last complete month on that day
