"""The demo's as-of date is its "now" (docs/demo_firm.md, "The as-of date"): a demo built on any
day, in particular days 1-7 of a month, records nothing that happened after it, and the same seed
and as-of give the same warehouse whatever the wall clock says.

Each build goes through the real CLI (`python -m etl demo --as-of ...`) into a warehouse and the
checks query every date and timestamp column of the canonical tables that records an event."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from etl.contract import ENTITIES
from tests.support.demo import build_demo
from warehouse.db import connect

DAY_3 = dt.date(2026, 12, 3)  # a Thursday: November's last week (Mon 11-30) is submitted 12-04+
LEAP_DAY = dt.date(2028, 2, 29)
FIRM_ZONE = ZoneInfo("America/New_York")  # the demo firm's timezone (firm.yaml)
# Dates that plan rather than record: due dates, contract and employment windows, rate-card
# validity, an invoice's billed period start, and time off (leave may be booked ahead).
SCHEDULE = {
    ("invoices", "due_date"),
    ("invoices", "period_start"),
    ("milestones", "due_date"),
    ("people", "start_date"),
    ("people", "end_date"),
    ("projects", "start_date"),
    ("projects", "end_date"),
    ("rates", "effective_from"),
    ("rates", "effective_to"),
    ("time_off", "date"),
}
# The columns the brief names: the check must look at these at least.
MUST_CHECK = {
    ("payments", "date"),
    ("invoices", "issue_date"),
    ("invoices", "sent_at"),
    ("time_entries", "submitted_at"),
    ("time_entries", "approved_at"),
    ("expenses", "approved_at"),
    ("milestones", "completed_on"),
    ("milestones", "accepted_on"),
}
EVENT_COLUMNS_SQL = """
SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_schema = 'main' AND list_contains(?, table_name)
  AND (data_type = 'DATE' OR data_type LIKE 'TIMESTAMP%') AND NOT starts_with(column_name, '_')
ORDER BY ALL
"""
# Row digests: the canonical tables without the load's own bookkeeping (_load_id, _updated_at).
DIGEST_TABLES = ("time_entries", "invoices", "invoice_lines", "payments", "milestones", "expenses")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dt.date], Path]:
    """Warehouses built on an as-of date, once per module (a build takes ~15 s)."""
    cache: dict[dt.date, Path] = {}

    def build(as_of: dt.date) -> Path:
        if as_of not in cache:
            folder = tmp_path_factory.mktemp(f"demo-{as_of}")
            cache[as_of] = build_demo(folder / "warehouse.duckdb", as_of=as_of)
        return cache[as_of]

    return build


def events_after(db: Path, as_of: dt.date) -> tuple[set, dict[str, tuple]]:
    """(columns checked, {table.column: (rows after the as-of, latest value)})."""
    # A timestamp is after the as-of when it falls on a later day in the firm's timezone.
    cutoff = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), FIRM_ZONE)
    con = connect(db)
    try:
        columns = con.execute(EVENT_COLUMNS_SQL, [list(ENTITIES)]).fetchall()
        checked, late = set(), {}
        for table, column, data_type in columns:
            if (table, column) in SCHEDULE:
                continue
            checked.add((table, column))
            bound = as_of if data_type == "DATE" else cutoff
            count, latest = con.execute(
                f'SELECT count(*), max("{column}") FROM {table} WHERE "{column}" '
                + (">" if data_type == "DATE" else ">=")
                + " ?",
                [bound],
            ).fetchall()[0]
            if count:
                late[f"{table}.{column}"] = (count, latest)
        return checked, late
    finally:
        con.close()


def digests(db: Path) -> dict[str, str]:
    con = connect(db)
    try:
        out = {}
        for table in DIGEST_TABLES:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "AND NOT starts_with(column_name, '_') ORDER BY ordinal_position",
                    [table],
                ).fetchall()
            ]
            quoted = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f"SELECT {quoted} FROM {table} ORDER BY ALL").fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def last_activity(db: Path) -> tuple[dt.date, int, int]:
    """(latest time entry date, entries of the last week not submitted, of all entries)."""
    con = connect(db)
    try:
        return con.execute(
            "SELECT max(date), count(*) FILTER (WHERE submitted_at IS NULL "
            "AND date >= (SELECT max(date) FROM time_entries) - 6), count(*) FROM time_entries"
        ).fetchall()[0]
    finally:
        con.close()


@pytest.mark.clock
def test_a_demo_built_on_the_third_of_a_month_has_nothing_after_it(built):
    db = built(DAY_3)
    checked, late = events_after(db, DAY_3)
    assert MUST_CHECK <= checked, MUST_CHECK - checked
    assert late == {}
    # Its history ends with November, the last complete month; the last week of November
    # (Mon 11-30) is not submitted yet on Thursday 12-03 (Friday 12-04 or Monday 12-07).
    last_day, unsubmitted, _ = last_activity(db)
    assert last_day == dt.date(2026, 11, 30)
    assert unsubmitted > 0


def test_a_demo_built_on_a_leap_day_has_nothing_after_it(built):
    db = built(LEAP_DAY)
    checked, late = events_after(db, LEAP_DAY)
    assert MUST_CHECK <= checked
    assert late == {}
    assert last_activity(db)[0] == dt.date(2028, 1, 31)  # January is the last complete month


def test_same_seed_and_as_of_give_the_same_warehouse_on_any_wall_clock(built, tmp_path):
    first = built(DAY_3)
    # The second build runs on another wall-clock day (a month end): the as-of alone decides.
    with time_machine.travel(dt.datetime(2027, 1, 31, 23, 0, tzinfo=dt.UTC), tick=True):
        again = build_demo(tmp_path / "warehouse.duckdb", as_of=DAY_3)
    assert digests(again) == digests(first)
