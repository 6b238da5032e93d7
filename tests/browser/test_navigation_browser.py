"""Navigation in a real browser: a page URL opened first on a freshly started server shows the
whole app (sign-in, sidebar, period), and a clicked trend point makes its month the period."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import running_app, sign_in
from ui.app_state import last_complete_period, period_label

pytestmark = pytest.mark.browser
WAIT = 90_000  # ms: the first render of the demo firm's charts shares 2 cores with other work


@pytest.fixture
def fresh_app(demo_warehouse, tmp_path):
    """A server nobody has opened yet: its first request is the page URL under test."""
    with running_app(demo_warehouse, tmp_path / "streamlit.log") as url:
        yield url


def test_a_page_url_opened_first_shows_the_whole_app(fresh_app, page, artifacts):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, f"{fresh_app}/invoices")
    nav = page.get_by_test_id("stSidebarNav")
    # app.py's navigation (titles and sections), not a list of file names
    for title in ("Overview", "Exceptions", "Invoices", "Data health"):
        expect(nav.get_by_role("link", name=title)).to_be_visible(timeout=WAIT)
    expect(nav.get_by_text("ar aging", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Draft invoices for")).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(artifacts / "invoices_opened_first_1280.png"), full_page=True)
    nav.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=WAIT)


def test_a_trend_point_sets_the_period(demo_app_url, page, artifacts):
    page.set_viewport_size({"width": 1280, "height": 1400})
    sign_in(page, demo_app_url)
    # The trends are one figure; utilization is its first panel (plotly's subplot "xy").
    chart = page.locator(".st-key-trends g.subplot.xy")
    points = chart.locator("path.point")
    try:
        expect(points.first).to_be_visible(timeout=WAIT)
    finally:
        page.screenshot(path=str(artifacts / "overview_before_click_1280.png"), full_page=True)
    count = points.count()
    assert count >= 3
    # the second newest point: the month before the current period
    points.nth(count - 2).click(force=True)
    wanted = period_label(last_complete_period().shift(-1))
    # the page's period and every card now are that month
    expect(page.get_by_text(f"month over month · {wanted}")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(f"Applies: {wanted}").first).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(artifacts / "overview_trend_click_1280.png"), full_page=True)
