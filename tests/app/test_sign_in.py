"""Signing in (AppTest): a local account's password, failed sign-ins audited and locking the
account, demo mode when nothing is set up, signing out.

The gate runs in a small function app, as app.py runs it: AppTest runs app.py's page directly
from its second run on (not the entry script), so app.py itself is only run once here, to see
that nothing but the sign-in page shows."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_auth import accounts
from tests.support.app_pages import APP, query
from tests.support.warehouse import fill_small_warehouse
from warehouse.db import connect

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = fill_small_warehouse(tmp_path / "warehouse.duckdb")
    con = connect(path)
    try:
        accounts.add_user(
            con, "dana", "operations", "test-admin", display_name="Dana Ortiz", password=PASSWORD
        )
    finally:
        con.close()
    monkeypatch.setenv("WAREHOUSE_DB", str(path))
    monkeypatch.setenv("AUTH_DEMO_MODE", "auto")
    return path


def gate_app():
    import streamlit as st

    from ui import app_state

    if not app_state.sign_in_gate():
        st.stop()
    st.write(f"page for {app_state.current_user()}")


def gate() -> AppTest:
    return AppTest.from_function(gate_app, default_timeout=60).run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    next(t for t in at.text_input if t.label == "User name").input(username)
    next(t for t in at.text_input if t.label == "Password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_nothing_but_the_sign_in_page_until_the_password_is_right(db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.sidebar.selectbox and not at.metric  # no period picker, no page of data
    at = gate()
    assert [t.value for t in at.title] == ["Sign in"] and not at.markdown
    sign_in(at, "dana", "wrong password!!")
    assert [e.value for e in at.error] == [accounts.FAILED_TEXT]
    assert [t.value for t in at.title] == ["Sign in"]

    sign_in(at, " Dana ", PASSWORD)  # the user name is not case- or space-sensitive
    assert not at.exception, [e.value for e in at.exception]
    assert "Signed in as **Dana Ortiz** · Operations" in captions(at)
    assert at.markdown[0].value == "page for Dana Ortiz"
    assert query(
        db,
        "select actor, action, object_id, reason from audit_log "
        "where object_type = 'session' order by audit_id",
    ) == [
        ("dana", "login_failed", "dana", "wrong password"),
        ("Dana Ortiz", "login", "dana", None),
    ]


def test_an_unknown_user_is_refused_with_the_same_words_and_audited(db):
    at = sign_in(gate(), "mallory", PASSWORD)
    assert [e.value for e in at.error] == [accounts.FAILED_TEXT]
    assert query(
        db, "select actor, action, reason from audit_log where action = 'login_failed'"
    ) == [("mallory", "login_failed", "no such user")]


def test_failed_sign_ins_lock_the_account_until_a_reset(db, monkeypatch):
    monkeypatch.setenv("AUTH_MAX_FAILED_LOGINS", "2")
    at = gate()
    sign_in(at, "dana", "wrong password 1")
    sign_in(at, "dana", "wrong password 2")
    assert [e.value for e in at.error] == [accounts.LOCKED_TEXT]
    sign_in(at, "dana", PASSWORD)  # right, but locked
    assert [e.value for e in at.error] == [accounts.LOCKED_TEXT]
    assert [t.value for t in at.title] == ["Sign in"]
    con = connect(db)
    try:
        accounts.reset_password(con, "dana", PASSWORD + "!", "cli:admin")
    finally:
        con.close()
    sign_in(at, "dana", PASSWORD + "!")
    assert "Signed in as **Dana Ortiz** · Operations" in captions(at)


def test_signing_out_is_audited_and_asks_again(db):
    at = sign_in(gate(), "dana", PASSWORD)
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert query(db, "select actor, action from audit_log where action = 'logout'") == [
        ("Dana Ortiz", "logout")
    ]


def test_demo_mode_when_nobody_can_sign_in_labelled_in_the_sidebar(tmp_path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(fill_small_warehouse(tmp_path / "w.duckdb")))
    monkeypatch.setenv("AUTH_DEMO_MODE", "auto")
    at = gate()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Demo mode" in w.value for w in at.sidebar.warning)
    assert any(
        c.startswith("Signed in as **Demo user** · Leadership, Operations") for c in captions(at)
    )
    monkeypatch.setenv("AUTH_DEMO_MODE", "false")  # forced off: nobody can sign in, and it says so
    at = gate()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "python -m app_auth users add" in at.info[0].value


def test_an_account_ends_automatic_demo_mode(db):
    at = gate()
    assert not at.sidebar.warning
    assert [t.value for t in at.title] == ["Sign in"]
