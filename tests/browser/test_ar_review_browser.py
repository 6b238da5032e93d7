"""The weekly AR review in a real browser on the demo firm: record a promise to pay for an
overdue invoice, reload, and see the promise still there (a screenshot of each tab is saved)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_billing_flow_browser import SLOW, WAIT, go_to, settle
from tests.support.demo import DEMO_AS_OF

pytestmark = pytest.mark.browser


def open_review(page) -> None:
    go_to(page, "AR aging & DSO")
    settle(page)
    show_review_tab(page)


def show_review_tab(page) -> None:
    """Chooses the review tab and waits for its rerun to draw the edit form: the tab's click
    starts a rerun, and a settle() right after the click can see the run before it starts."""
    page.get_by_role("tab", name="Weekly AR review").click()
    expect(page.get_by_text("Update an invoice")).to_be_visible(timeout=SLOW)
    settle(page)


def first_option(page, label: str):
    """Opens the selectbox labelled `label` and returns its first option. A rerun that lands
    while the list is open closes it, so the box is opened again until an option shows."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    option = page.get_by_role("option").first
    for _ in range(5):
        settle(page)
        box.click()
        try:
            expect(option).to_be_visible(timeout=5_000)
            return option
        except AssertionError:
            page.keyboard.press("Escape")
    expect(option).to_be_visible(timeout=1)  # fails with Playwright's own message
    return option


def test_a_promise_to_pay_survives_a_reload(demo_app_url, page, artifacts):
    page.set_viewport_size({"width": 1440, "height": 2400})
    sign_in(page, demo_app_url)
    go_to(page, "AR aging & DSO")
    settle(page)
    expect(page.get_by_text("Open invoices by age")).to_be_visible(timeout=SLOW)
    page.screenshot(path=str(artifacts / "ar_aging.png"), full_page=True)

    show_review_tab(page)
    first = first_option(page, "Invoice")
    number = first.inner_text().split(" · ")[0].strip()
    first.click()
    settle(page)
    promised = (DEMO_AS_OF + timedelta(days=9)).isoformat()
    field = page.get_by_test_id("stDateInput").filter(has_text="Promised to pay on")
    field.locator("input").fill(promised)
    field.locator("input").press("Enter")
    page.get_by_role("button", name="Save").click()
    settle(page)
    expect(page.get_by_text(f"{number} updated")).to_be_visible(timeout=WAIT)

    page.reload()  # a new session: a local account signs in again
    sign_in(page, None)
    open_review(page)
    expect(page.get_by_text(f"promised {promised}").first).to_be_visible(timeout=SLOW)
    page.screenshot(path=str(artifacts / "ar_review.png"), full_page=True)
