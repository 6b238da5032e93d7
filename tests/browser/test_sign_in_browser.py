"""Sign-in in a real browser: the sign-in page, one page per role, a role refused on the server
side, sign-in through a local fake OpenID Connect provider (st.login end to end), and demo mode
on a warehouse nobody can sign in to (what `make run` opens on the demo firm)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app_auth import accounts
from tests.browser.conftest import _free_port, running_app, sign_in
from tests.support.fake_oidc import auth_secrets, fake_oidc_provider
from tests.support.warehouse import fill_small_warehouse
from warehouse.db import connect

pytestmark = pytest.mark.browser

WAIT = 30_000
SLOW = 60_000
# user -> (page link, its heading, screenshot)
ROLE_PAGES = {
    "lea": ("Overview", "Overview", "role_leadership.png"),
    "oscar": ("Exceptions", "Exceptions", "role_operations.png"),
    "bea": ("Invoices", "Draft invoices for", "role_billing_approver.png"),
    "ari": ("AR aging & DSO", "AR aging", "role_ar.png"),
    "ada": ("Audit log", "Audit log", "role_admin.png"),
}


def settle(page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=SLOW
    )


def test_the_sign_in_page_then_one_page_per_role(demo_app_url, page, artifacts):
    page.goto(demo_app_url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=WAIT)
    settle(page)
    page.screenshot(path=artifacts / "sign_in.png")
    for user, (link, heading, shot) in ROLE_PAGES.items():
        page.context.clear_cookies()
        sign_in(page, demo_app_url, user)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=WAIT)
        settle(page)
        page.screenshot(path=artifacts / shot)


def test_ar_is_refused_saving_drafts(demo_app_url, page):
    sign_in(page, demo_app_url, "ari")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Invoices").click()
    settle(page)
    # "Save drafts for …", or "Draft again for …" when another test saved the month already
    page.get_by_role("button", name=re.compile(r"^(Save drafts|Draft again) for")).click()
    expect(
        page.get_by_text("Ari Receivable (AR) may not save or edit draft invoices")
    ).to_be_visible(timeout=WAIT)


def test_sign_in_through_the_firms_identity_provider(browser, tmp_path, artifacts):
    db = fill_small_warehouse(tmp_path / "warehouse.duckdb")
    con = connect(db)
    try:
        accounts.add_user(
            con,
            "lee",
            "leadership,ar",
            "test-setup",
            display_name="Lee Park",
            email="lee@firm.example",
        )
    finally:
        con.close()
    port = _free_port()
    with fake_oidc_provider() as provider:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(auth_secrets(provider, f"http://127.0.0.1:{port}"))
        with running_app(db, tmp_path / "streamlit.log", port=port, secrets=secrets) as url:
            context = browser.new_context(viewport={"width": 1440, "height": 1100})
            try:
                page = context.new_page()
                page.goto(url)
                page.get_by_role("button", name="Sign in with your firm account").click()
                sidebar = page.get_by_test_id("stSidebar")
                expect(sidebar.get_by_text("Signed in as Lee Park · AR, Leadership")).to_be_visible(
                    timeout=SLOW
                )
                settle(page)
                page.screenshot(path=artifacts / "sign_in_oidc.png")
            finally:
                context.close()
        assert [r["grant_type"] for r in provider.token_requests] == ["authorization_code"]
    con = connect(db)
    try:
        rows = con.execute(
            "SELECT actor, action, object_id, after->>'via' FROM audit_log "
            "WHERE object_type = 'session'"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("Lee Park", "login", "lee", "oidc")]


def test_demo_mode_opens_without_setup_and_says_so(browser, tmp_path, artifacts):
    db = fill_small_warehouse(tmp_path / "warehouse.duckdb")  # no account, no [auth]
    with running_app(db, tmp_path / "streamlit.log") as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1100})
        try:
            page = context.new_page()
            page.goto(url)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_text("Demo mode")).to_be_visible(timeout=WAIT)
            expect(sidebar.get_by_text("Signed in as Demo user")).to_be_visible()
            expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=WAIT)
            settle(page)
            page.screenshot(path=artifacts / "demo_mode.png")
        finally:
            context.close()
