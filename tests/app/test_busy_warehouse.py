"""A page action on a busy warehouse shows "The warehouse is busy; try again in a moment." (and
no traceback), whether another process is writing or another session's action holds the turn;
once free, the same click goes through."""

from __future__ import annotations

import threading

import pytest
from streamlit.testing.v1 import AppTest

import warehouse.access
from billing.ar.late_fees import accrue_late_fees
from tests.billing.race_firm import FEES_AS_OF, build_race_db
from tests.support.app_pages import signed_in
from tests.support.warehouse import held_by_writer
from ui.app_state import BUSY_TEXT
from warehouse.sessions import read_write


def accrue_page(as_of):
    """The AR page's late-fee button, as thin as the page: app_state.act on the billing call."""
    import streamlit as st

    from billing.ar import late_fees
    from ui import app_state

    app_state.show_flash()
    if st.button("Accrue late fees"):
        app_state.act(
            late_fees.accrue_late_fees,
            as_of,
            done=lambda c: f"{len(c)} late-fee charge(s) recorded",
        )


@pytest.fixture
def page(tmp_path, monkeypatch):
    db = build_race_db(tmp_path)
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    monkeypatch.setattr(warehouse.access, "FILE_WAIT_SECONDS", 0.3)
    monkeypatch.setattr(warehouse.access, "WRITER_WAIT_SECONDS", 0.3)
    at = AppTest.from_function(accrue_page, args=(FEES_AS_OF,), default_timeout=30)
    signed_in(at, "Dana")
    return db, at.run()


def _click(at: AppTest) -> AppTest:
    return at.button[0].click().run()


def test_another_process_writing_shows_the_busy_message(page):
    db, at = page
    with held_by_writer(db):
        _click(at)
    assert not at.exception
    assert [e.value for e in at.error] == [BUSY_TEXT]
    _click(at)  # the load is done: the same click goes through
    assert not at.error
    assert [t.value for t in at.toast] == ["2 late-fee charge(s) recorded"]


def test_another_sessions_long_action_shows_the_busy_message(page):
    db, at = page
    inside, release = threading.Event(), threading.Event()

    def other_session() -> None:
        with read_write(db) as con:
            accrue_late_fees(con, FEES_AS_OF, "Lee", pause=lambda: (inside.set(), release.wait(30)))

    other = threading.Thread(target=other_session)
    other.start()
    try:
        assert inside.wait(30)
        _click(at)
    finally:
        release.set()
        other.join()
    assert not at.exception
    assert [e.value for e in at.error] == [BUSY_TEXT]
    _click(at)  # Lee's action charged everything: nothing left, and no error
    assert not at.error
    assert [t.value for t in at.toast] == ["0 late-fee charge(s) recorded"]
