"""Stored page reads (read_models/stored_reads.py) on the demo firm with the rules run: the
Overview and the Realization page read back equal to a live read, frame for frame and Decimal
for Decimal; a change to anything they read (a finding decided, a payment, time off), to the
code, to the day or to the timesheet deadline passed makes them unused; filtered reads never
use them; a job pass stores the default month's. The pages' own use is in
tests/app/test_overview_page.py and tests/app/test_realization_page.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest

from core import clock
from exception_queue.findings import decide_unchecked
from metrics.filters import Filters
from metrics.session import kpi_connection, kpi_sql
from read_models import invoice_review, realization_view, stored_reads
from read_models.overview import overview
from rules.engine import run_rules
from tests.support.app_writes import insert_one, update_one
from tests.support.demo import DEMO_AS_OF
from tests.support.job_pass import run_drafts_pass
from warehouse.db import connect

OCTOBER = Filters.month("2026-10")
FRAMES = ("trend", "top_leakage", "leakage", "days_to_invoice")


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
    return stored_reads.load(con, overview, filters)


def assert_same(a, b) -> None:
    assert a.kpis == b.kpis
    assert a.previous == b.previous
    assert a.base_currency == b.base_currency
    for name in FRAMES:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.schema == y.schema, name
            assert x.equals(y), name


def test_the_stored_overview_is_the_live_one(con, demo_db):
    assert stored(con) is None  # nothing stored by the demo build
    assert stored_reads.store(con, overview, OCTOBER) is True
    assert stored_reads.store(con, overview, OCTOBER) is False  # stored and current
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
    stored_reads.store(con, overview, OCTOBER)
    con.execute(
        "UPDATE stored_reads SET scalars = json_merge_patch(scalars, ?)",
        [json.dumps({"base_currency": "XTS"})],
    )
    assert stored(con).base_currency == "XTS"


def test_a_decided_finding_makes_it_stale(con, demo_db):
    stored_reads.store(con, overview, OCTOBER)
    before = stored(con)
    finding = before.leakage.sort("exception_id")["exception_id"][0]
    decide_unchecked(con, finding, "reject", "test", "not a leak")
    assert stored(con) is None
    after = live(demo_db)
    assert finding not in after.leakage["exception_id"].to_list()  # rejected: no longer a leak
    assert after.leakage.height == before.leakage.height - 1


def test_a_payment_and_time_off_make_it_stale(con):
    stored_reads.store(con, overview, OCTOBER)
    payment = con.execute("SELECT min(payment_id) FROM payments").fetchall()[0][0]
    update_one(con, "payments", payment, {"date": date(2026, 10, 30)})  # paid later
    assert stored(con) is None
    assert stored_reads.store(con, overview, OCTOBER) is True
    person = con.execute("SELECT min(person_id) FROM people").fetchall()[0][0]
    day_off = {"person_id": person, "date": date(2026, 10, 14), "hours": "8", "kind": "pto"}
    insert_one(con, "time_off", day_off)
    assert stored(con) is None


def test_other_code_another_day_and_filtered_reads_read_live(con, monkeypatch):
    stored_reads.store(con, overview, OCTOBER)
    assert stored(con) is not None
    client = con.execute("SELECT min(client_id) FROM clients").fetchall()[0][0]
    assert stored(con, Filters.month("2026-10", clients=(client,))) is None
    assert stored_reads.store(con, overview, Filters.month("2026-10", clients=(client,))) is False
    with pytest.raises(ValueError, match="only firm-wide"):
        stored_reads.save(con, overview, Filters.month("2026-10", clients=(client,)), None, "x")
    monkeypatch.setenv(clock.TODAY_ENV, "2026-11-08")  # the next day
    assert stored(con) is None
    monkeypatch.setenv(clock.TODAY_ENV, DEMO_AS_OF.isoformat())
    assert stored(con) is not None
    monkeypatch.setattr(stored_reads, "_code_digest", lambda: "other code")
    assert stored(con) is None


def test_the_last_deadline_moves_when_a_deadline_passes(con):
    """The demo firm's deadline is Monday 12:00 in New York (UTC-5 in November): 17:00 UTC."""
    assert con.execute("SELECT timesheet_deadline, timezone FROM firm").fetchall() == [
        ("mon 12:00", "America/New_York")
    ]

    def last(moment: datetime) -> datetime:
        return con.execute(kpi_sql("last_timesheet_deadline"), {"now": moment}).fetchall()[0][0]

    monday = date(2026, 11, 9)
    before_noon = datetime.combine(monday, time(16, 59), UTC)
    after_noon = datetime.combine(monday, time(17, 1), UTC)
    assert last(datetime(2026, 11, 7, 10, tzinfo=UTC)) == datetime(2026, 11, 2, 12)
    assert last(before_noon) == datetime(2026, 11, 2, 12)
    assert last(after_noon) == datetime(2026, 11, 9, 12)
    assert stored_reads.fingerprint(con, overview, OCTOBER, before_noon) != (
        stored_reads.fingerprint(con, overview, OCTOBER, after_noon)
    )
    earlier = datetime.combine(monday, time(9), UTC)
    assert stored_reads.fingerprint(con, overview, OCTOBER, earlier) == (
        stored_reads.fingerprint(con, overview, OCTOBER, before_noon)
    )


def test_only_the_newest_ranges_are_kept(con, monkeypatch):
    monkeypatch.setattr(stored_reads, "KEPT", 2)
    for month in ("2026-08", "2026-09", "2026-10"):
        assert stored_reads.store(con, overview, Filters.month(month)) is True
    kept = con.execute(
        "SELECT strftime(range_end, '%Y-%m') FROM stored_reads ORDER BY range_end"
    ).fetchall()
    assert kept == [("2026-09",), ("2026-10",)]


def test_a_job_pass_stores_the_default_months_pages(con):
    assert run_drafts_pass(con) == ["ok"]
    assert stored(con) is not None  # October: the last complete month on that day
    assert stored_reads.load(con, realization_view.read_page, OCTOBER) is not None
    assert stored_reads.load(con, invoice_review.month_billing, OCTOBER) is not None


def test_the_stored_realization_page_is_the_live_one(con, demo_db):
    """A dataclass of frames, dates and a currency: every field back as it was."""
    september = Filters.month("2026-09")  # invoiced: realization has figures
    assert stored_reads.store(con, realization_view.read_page, september) is True
    kept = stored_reads.load(con, realization_view.read_page, september)
    with kpi_connection(demo_db, last_day=september.end) as reader:
        computed = realization_view.read_page(reader, september)
    assert computed.entries.height > 0 and computed.margin.height > 0
    for field in ("entries", "clients", "projects", "margin", "margin_people", "burn"):
        x, y = getattr(kept, field), getattr(computed, field)
        assert x.schema == y.schema, field
        assert x.equals(y), field
    assert (kept.as_of, kept.today, kept.base_currency, kept.has_data) == (
        computed.as_of,
        computed.today,
        computed.base_currency,
        computed.has_data,
    )
    assert stored_reads.load(con, overview, september) is None  # another read, not stored


def test_a_read_that_is_neither_a_frame_nor_a_dataclass_is_refused(con):
    def counts(con, filters) -> int:
        return 1

    with pytest.raises(TypeError, match="not a frame nor a dataclass"):
        stored_reads.store(con, counts, OCTOBER)
