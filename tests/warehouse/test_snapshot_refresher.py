"""The attribution snapshot refreshed in the app's background after a person's action
(warehouse/snapshot_refresher.py): current again once the thread is done, equal to the live
mart, and no change lost when another action commits while a refresh runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.demo import build_demo
from tests.warehouse.test_attribution_snapshot import assert_same_as_live, void_one_invoice
from warehouse import attribution_snapshot, snapshot_refresher
from warehouse.access import session_connection
from warehouse.db import connect


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    return build_demo(tmp_path_factory.mktemp("refresher") / "warehouse.duckdb")


@pytest.fixture
def path(demo_file, tmp_path) -> Path:
    return Path(shutil.copy(demo_file, tmp_path / "warehouse.duckdb"))


def void_by_hand(path: Path) -> str:
    """An input changed the way an app action changes it, on the process's shared instance."""
    with session_connection(path) as con:
        return void_one_invoice(con)


def is_current(path: Path) -> bool:
    with session_connection(path) as con:
        return attribution_snapshot.is_current(con)


def test_a_request_brings_a_stale_snapshot_back_in_the_background(path):
    void_by_hand(path)
    assert not is_current(path)
    before = snapshot_refresher.passes(path)
    snapshot_refresher.request(path)
    assert snapshot_refresher.wait_idle()
    assert is_current(path)
    assert snapshot_refresher.passes(path) == before + 1
    con = connect(path)
    try:
        assert_same_as_live(con)
    finally:
        con.close()


def test_a_request_with_nothing_changed_recomputes_nothing(path):
    assert is_current(path)
    before = snapshot_refresher.passes(path)
    snapshot_refresher.request(path)
    assert snapshot_refresher.wait_idle()
    assert snapshot_refresher.passes(path) == before


def test_an_action_committed_while_a_refresh_runs_is_not_lost(path):
    """The second void commits while the first refresh is (most likely) still pricing: its
    request is folded into another pass, so the snapshot ends current with both."""
    void_by_hand(path)
    snapshot_refresher.request(path)
    second = void_by_hand(path)
    snapshot_refresher.request(path)
    assert snapshot_refresher.wait_idle()
    assert is_current(path)
    with session_connection(path) as con:
        voided = con.execute(
            "SELECT count(*) FROM invoices WHERE number = ? AND status = 'void'", [second]
        ).fetchall()
        assert voided == [(1,)]
        # The snapshot no longer holds the second voided invoice's rows.
        rows = con.execute(
            "SELECT count(*) FROM attribution_snapshot WHERE invoice_number = ?", [second]
        ).fetchall()
        assert rows == [(0,)]
