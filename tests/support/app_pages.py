"""Driving the app's pages in AppTest: open a page as a user, select table rows, find buttons,
and read the warehouse afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_auth.roles import ROLES, Identity
from app_auth.ui import IDENTITY_KEY
from warehouse.db import connect

APP = Path(__file__).resolve().parents[2] / "app.py"


def signed_in(at: AppTest, user: str, roles: tuple[str, ...] = tuple(ROLES)) -> AppTest:
    """Puts `user` with `roles` (every role unless given) into the session as signed in: the one
    place the AppTests sign in. The sign-in itself (password, IdP, demo) is tested on its own
    (tests/app/test_sign_in.py)."""
    at.session_state[IDENTITY_KEY] = Identity(user, tuple(roles), "local", user.lower())
    return at


def open_page(
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    page: str,
    user: str | None = None,
    roles: tuple[str, ...] = tuple(ROLES),
) -> AppTest:
    """The app on `page` (e.g. "pages/exceptions.py"), reading `db`, with `user` signed in with
    `roles` (every role unless given); no user: the sign-in page."""
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120).run()
    if user:
        signed_in(at, user, roles)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def select_rows(at: AppTest, key_prefix: str, rows: list[int]) -> AppTest:
    """Selects rows of the table whose key starts with `key_prefix` (app_state.selectable_table
    adds a digest of the shown ids to it), then runs the app."""
    table = next(df for df in at.dataframe if df.key and df.key.startswith(key_prefix))
    at.session_state[table.key] = {"selection": {"rows": rows}}
    return at.run()


def button(at: AppTest, label: str):
    """The button (or form submit button) whose label starts with `label`."""
    return next(b for b in at.button if b.label.startswith(label))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def open_ar_review(at: AppTest) -> AppTest:
    """The AR page with its "Weekly AR review" tab chosen, as a click in the browser does (the
    page's tabs rerun and only the open one runs)."""
    at.session_state["ar_tab"] = "Weekly AR review"
    return at.run()
