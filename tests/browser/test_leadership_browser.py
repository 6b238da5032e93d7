"""The leadership pages in a real browser on the demo firm: every page opens without an error,
Overview's utilization is the figure `python -m metrics kpis` prints for the same month, and a
screenshot of each page is saved (tests/browser/artifacts/)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from metrics.__main__ import main as metrics_main
from tests.browser.conftest import sign_in
from ui.app_state import last_complete_period

pytestmark = pytest.mark.browser

WAIT = 60_000
PAGES = [  # (sidebar link, heading, screenshot)
    ("Overview", "Overview", "overview.png"),
    ("Utilization", "Utilization", "utilization.png"),
    ("Realization & margin", "Realization & margin", "realization.png"),
    ("AR aging & DSO", "AR aging & DSO", "ar_aging.png"),
    ("Timesheet compliance", "Timesheet compliance", "compliance.png"),
]


def settle(page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=WAIT
    )


def test_overview_utilization_is_what_the_cli_reports(
    demo_app_url, demo_warehouse, page, capsys, artifacts
):
    period = str(last_complete_period())
    assert (
        metrics_main(["--db", str(demo_warehouse), "kpis", "--period", period, "--format", "json"])
        == 0
    )
    cli = json.loads(capsys.readouterr().out)["kpis"]["billable_utilization"]["value"]
    expected = f"{float(cli) * 100:.1f}%"

    page.set_viewport_size({"width": 1440, "height": 2400})
    sign_in(page, demo_app_url, "lea")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=WAIT)
    card = page.get_by_test_id("stMetric").filter(has_text="Billable utilization")
    expect(card.get_by_test_id("stMetricValue")).to_have_text(expected, timeout=WAIT)
    settle(page)
    page.screenshot(path=artifacts / "overview.png", full_page=True)


def test_every_leadership_page_opens_without_an_error(demo_app_url, page, artifacts):
    page.set_viewport_size({"width": 1440, "height": 2400})
    sign_in(page, demo_app_url, "lea")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=WAIT)
    for link, heading, shot in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=WAIT)
        settle(page)
        assert page.get_by_test_id("stException").count() == 0, link
        page.screenshot(path=artifacts / shot, full_page=True)
