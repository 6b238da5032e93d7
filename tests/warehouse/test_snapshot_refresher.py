"""The attribution snapshot refreshed in the app's background after a person's action
(warehouse/snapshot_refresher.py): current again once the thread is done, equal to the live
mart, and no change lost when another action commits while a refresh runs."""

from __future__ import annotations

from pathlib import Path

from tests.support.app_writes import void_one_invoice
from tests.warehouse.test_attribution_snapshot import assert_same_as_live
from warehouse import attribution_snapshot, snapshot_refresher
from warehouse.access import session_connection
from warehouse.db import connect


def void_by_hand(path: Path) -> str:
    """An input changed the way an app action changes it, on the process's shared instance."""
    with session_connection(path) as con:
        return void_one_invoice(con)


def is_current(path: Path) -> bool:
    with session_connection(path) as con:
        return attribution_snapshot.is_current(con)


def test_a_request_brings_a_stale_snapshot_back_in_the_background(demo_db):
    void_by_hand(demo_db)
    assert not is_current(demo_db)
    before = snapshot_refresher.passes(demo_db)
    snapshot_refresher.request(demo_db)
    assert snapshot_refresher.wait_idle()
    assert is_current(demo_db)
    assert snapshot_refresher.passes(demo_db) == before + 1
    con = connect(demo_db)
    try:
        assert_same_as_live(con)
    finally:
        con.close()


def test_a_request_with_nothing_changed_recomputes_nothing(demo_db):
    assert is_current(demo_db)
    before = snapshot_refresher.passes(demo_db)
    snapshot_refresher.request(demo_db)
    assert snapshot_refresher.wait_idle()
    assert snapshot_refresher.passes(demo_db) == before


def test_an_action_committed_while_a_refresh_runs_is_not_lost(demo_db):
    """The second void commits while the first refresh is (most likely) still pricing: its
    request is folded into another pass, so the snapshot ends current with both."""
    void_by_hand(demo_db)
    snapshot_refresher.request(demo_db)
    second = void_by_hand(demo_db)
    snapshot_refresher.request(demo_db)
    assert snapshot_refresher.wait_idle()
    assert is_current(demo_db)
    with session_connection(demo_db) as con:
        voided = con.execute(
            "SELECT count(*) FROM invoices WHERE number = ? AND status = 'void'", [second]
        ).fetchall()
        assert voided == [(1,)]
        # The snapshot no longer holds the second voided invoice's rows.
        rows = con.execute(
            "SELECT count(*) FROM attribution_snapshot WHERE invoice_number = ?", [second]
        ).fetchall()
        assert rows == [(0,)]
