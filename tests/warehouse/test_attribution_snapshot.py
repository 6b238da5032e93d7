"""The attribution snapshot (warehouse/attribution_snapshot.py) on the demo firm: the same rows
as the live mart after an import and after a billing write, ignored (the KPIs read live) when an
input changed without a refresh, and refreshed safely by two connections at once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from app_auth.guard import acting_as
from app_auth.roles import Identity
from billing.period import Period
from billing.store import approve_draft, save_drafts
from etl.app_writes import app_load, insert_row
from metrics.filters import Filters
from metrics.session import prepare, query, with_attribution_source
from tests.support.app_writes import void_one_invoice
from tests.support.demo import DEMO_AS_OF
from warehouse import attribution_snapshot
from warehouse.db import connect, transaction

SNAPSHOT, LIVE = "attribution_snapshot_between", "mart_invoice_attribution_between"
# The whole history, the demo's last invoiced month, a quarter, and the 12-month trend window.
RANGES = [
    (date(1, 1, 1), date(9999, 12, 31)),
    (date(2026, 9, 1), date(2026, 9, 30)),
    (date(2026, 4, 1), date(2026, 6, 30)),
    (date(2025, 11, 1), date(2026, 10, 31)),
]
BILLER = Identity("Dana", ("billing_approver", "operations"), "local", "dana")
APPROVER = Identity("Lee", ("billing_approver", "operations"), "local", "lee")


@pytest.fixture
def demo(demo_db):
    """A copy of the demo warehouse (`python -m etl demo`, which refreshes the snapshot at its
    end; tests/conftest.py) for one test (they write to it), opened."""
    con = connect(demo_db)
    yield con
    con.close()


def rows(con, macro: str, first: date, last: date) -> str:
    return f"SELECT * FROM {macro}(DATE '{first}', DATE '{last}')"


def totals(con, macro: str, first: date, last: date) -> tuple:
    """Row count and the exact Decimal sums of the money and hours columns."""
    return con.execute(
        f"SELECT count(*), sum(billed_value), sum(standard_value), sum(hours) "
        f"FROM ({rows(con, macro, first, last)})"
    ).fetchall()[0]


def assert_same_as_live(con) -> None:
    for first, last in RANGES:
        snapshot, live = rows(con, SNAPSHOT, first, last), rows(con, LIVE, first, last)
        only_snapshot = f"SELECT count(*) FROM (({snapshot}) EXCEPT ALL ({live}))"
        only_live = f"SELECT count(*) FROM (({live}) EXCEPT ALL ({snapshot}))"
        assert con.execute(only_snapshot).fetchall() == [(0,)], (first, last)
        assert con.execute(only_live).fetchall() == [(0,)], (first, last)
        assert totals(con, SNAPSHOT, first, last) == totals(con, LIVE, first, last)
    count, billed, standard, _ = totals(con, LIVE, *RANGES[0])
    assert count > 0 and isinstance(billed, Decimal) and standard > 0  # the demo bills work


def test_after_the_import_the_snapshot_is_current_and_equals_the_live_mart(demo):
    assert attribution_snapshot.is_current(demo)
    assert demo.execute("SELECT count(*) FROM attribution_snapshot").fetchall()[0][0] > 0
    assert_same_as_live(demo)


def test_after_a_billing_write_a_refresh_brings_it_back_to_the_live_mart(demo):
    october = Period.parse("2026-10")
    invoices_before = demo.execute("SELECT count(*) FROM invoices").fetchall()[0][0]
    with acting_as(BILLER):
        draft_ids = save_drafts(demo, october, "Dana")
    assert draft_ids, "October is drafted, not invoiced, in the demo"
    with acting_as(APPROVER):
        for draft_id in draft_ids:
            approve_draft(demo, draft_id, "Lee", issue_date=date(2026, 11, 5))
    assert demo.execute("SELECT count(*) FROM invoices").fetchall()[0][0] > invoices_before
    assert not attribution_snapshot.is_current(demo)  # new invoices and their lines
    assert attribution_snapshot.refresh(demo) is True
    assert attribution_snapshot.is_current(demo)
    assert attribution_snapshot.refresh(demo) is False  # nothing changed since
    assert_same_as_live(demo)


def test_a_changed_input_without_refresh_is_read_live(demo):
    september = Filters(date(2026, 9, 1), date(2026, 9, 30))
    prepare(demo, DEMO_AS_OF)
    before = query(demo, "realization", september.params())
    void_one_invoice(demo)
    assert not attribution_snapshot.is_current(demo)
    text = "SELECT * FROM invoice_attribution_between($start, $end)"
    assert with_attribution_source(demo, text) == text  # the live mart, not the snapshot
    after = query(demo, "realization", september.params())
    # The stale snapshot still holds the voided invoice's rows; the KPI does not.
    stale = totals(demo, SNAPSHOT, september.start, september.end)
    live = totals(demo, LIVE, september.start, september.end)
    assert stale != live
    assert after["billed_value"].sum() < before["billed_value"].sum()
    assert attribution_snapshot.refresh(demo)
    assert "attribution_snapshot_between(" in with_attribution_source(demo, text)
    assert query(demo, "realization", september.params()).equals(after)  # same numbers


def test_two_connections_refreshing_at_once(demo):
    void_one_invoice(demo)
    first, second = demo.cursor(), demo.cursor()
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def refresh(name: str, con) -> None:
        start.wait()
        try:
            outcomes[name] = attribution_snapshot.refresh(con)
        except Exception as err:  # noqa: BLE001 - the test reports it
            outcomes[name] = err

    threads = [
        threading.Thread(target=refresh, args=(name, con))
        for name, con in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(outcomes.values(), key=str) == [False, True], outcomes  # one did the work
    first.close()
    second.close()
    assert attribution_snapshot.is_current(demo)
    state = demo.execute("SELECT entry_rows FROM attribution_snapshot_state").fetchall()
    assert state == demo.execute("SELECT count(*) FROM attribution_snapshot").fetchall()
    assert_same_as_live(demo)


def stale_by_hand(con) -> None:
    """The snapshot's fingerprint made wrong, its rows and every input left as they are: the
    readers must fall back to the live mart, which gives what the snapshot would."""
    con.execute("UPDATE attribution_snapshot_state SET fingerprint = 'stale' WHERE id = 1")


def test_drafts_and_the_rules_read_the_snapshot_while_it_is_current(demo):
    """Billing's month reads and the rules that re-draft closed months (over_cap,
    unbilled_time) and price write-downs read the snapshot, not the live mart, and get the same
    drafts and findings; after an input changes without a refresh they read live."""
    from billing.draft import draft_period
    from billing.entries import PERIOD_ENTRIES_SQL
    from rules.config import load_config
    from rules.engine import evaluate

    assert attribution_snapshot.is_current(demo)
    assert LIVE in PERIOD_ENTRIES_SQL
    assert f"{SNAPSHOT}(" in attribution_snapshot.reading_snapshot(demo, PERIOD_ENTRIES_SQL)
    config = load_config()
    months = [Period.parse("2026-10"), Period.parse("2026-09"), Period.parse("2026-03")]

    def outcome() -> tuple:
        drafts = [draft_period(demo, month).to_json() for month in months]
        found = {
            kind: sorted(
                (f.ref, f.detail, str(f.value)) for f in evaluate(demo, kind, DEMO_AS_OF, config)
            )
            for kind in ("write_down", "unbilled_time", "over_cap")
        }
        return drafts, found

    from_snapshot = outcome()
    stale_by_hand(demo)
    assert attribution_snapshot.reading_snapshot(demo, PERIOD_ENTRIES_SQL) == PERIOD_ENTRIES_SQL
    live = outcome()
    assert from_snapshot == live
    assert any(draft["invoices"] for draft in live[0])  # October is drafted in the demo
    assert live[1]["write_down"] and live[1]["unbilled_time"]  # the demo has both


def test_billing_ar_sync_refreshes_it_after_its_commit(demo_db):
    """`billing ar-sync` leaves the snapshot current, as the import, sync and rules commands
    do: the pages then read the snapshot, not the live mart."""
    from billing.__main__ import main as billing_main

    con = connect(demo_db)
    try:
        void_one_invoice(con)  # an input changed by hand, without a refresh
        assert not attribution_snapshot.is_current(con)
    finally:
        con.close()
    assert billing_main(["--db", str(demo_db), "ar-sync"]) == 0
    con = connect(demo_db)
    try:
        assert attribution_snapshot.is_current(con)
        assert_same_as_live(con)
    finally:
        con.close()


def bill_twice(con) -> tuple[list[str], str]:
    """Two September entries billed a second time, by an invoice dated before their work (a
    prepayment invoice naming them, as imported books sometimes do): each then has two invoice
    rows, and which is its first depends on the range read."""
    entries = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT entry_id FROM mart_invoice_attribution_between("
            "DATE '2026-09-01', DATE '2026-09-30') ORDER BY entry_id LIMIT 2"
        ).fetchall()
    ]
    client, contract, project, person = con.execute(
        "SELECT p.client_id, e.contract_id, e.project_id, e.person_id FROM mart_time_entries e "
        "JOIN projects p USING (project_id) WHERE e.entry_id = ?",
        [entries[0]],
    ).fetchall()[0]
    with transaction(con):
        load_id = app_load(con, "test", "prepay", "billed twice", {"invoices": (1, 0)})
        insert_row(
            con,
            "invoices",
            load_id,
            "test",
            {
                "invoice_id": "I-PREPAY",
                "client_id": client,
                "issue_date": "2026-08-20",
                "due_date": "2026-09-19",
                "currency": "USD",
                "total": "300.00",
                "number": "PRE-1",
                "contract_id": contract,
                "status": "sent",
                "kind": "invoice",
            },
        )
        insert_row(
            con,
            "invoice_lines",
            load_id,
            "test",
            {
                "invoice_id": "I-PREPAY",
                "line_no": 1,
                "amount": "300.00",
                "kind": "time",
                "description": "prepaid work",
                "project_id": project,
                "person_id": person,
                "entry_ids": ";".join(entries),
            },
        )
    return entries, "I-PREPAY"


def test_entries_billed_twice_read_the_same_as_live_in_every_range(demo):
    """The snapshot ranks an entry's invoice rows only when it has more than one
    (entry_invoice_rows): in August–September the prepayment is the entries' first row, in
    September alone (it reaches only August) the September invoice is."""
    entries, prepay = bill_twice(demo)
    assert attribution_snapshot.refresh(demo)
    counts = demo.execute(
        "SELECT DISTINCT entry_invoice_rows FROM attribution_snapshot WHERE entry_id IN (?, ?)",
        entries,
    ).fetchall()
    assert counts == [(2,)]
    assert_same_as_live(demo)
    for first in (date(2026, 8, 1), date(2026, 9, 1)):
        snapshot, live = (
            f"SELECT entry_id, invoice_id, hours, standard_value, is_first "
            f"FROM {macro}(DATE '{first}', DATE '2026-09-30') WHERE entry_id IN (?, ?)"
            for macro in (SNAPSHOT, LIVE)
        )
        got = sorted(demo.execute(snapshot, entries).fetchall())
        assert got == sorted(demo.execute(live, entries).fetchall())
        firsts = {row[1] for row in got if row[4]}
        assert (prepay in firsts) is (first.month == 8), (first, got)
        assert len([row for row in got if row[4]]) == 2  # one first row per entry
