"""Every page reads whole at a 1280 x 800 window (issue 17 item 2): no table scrolls sideways
(columns past the page's edge are out of sight) and no metric card's label or figure is cut off
with an ellipsis ("Open AR 441…"). On a copy of the demo firm with the rules run, as `make run`
leaves it, so the Exceptions page shows its groups and findings; signed in with every role."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rules.__main__ import main as rules_main
from tests.browser.conftest import running_app, sign_in
from tests.support.layout import unreadable

pytestmark = pytest.mark.browser

SLOW = 90_000
PAGES = [  # sidebar link, a heading the page shows once drawn
    ("Overview", "Overview"),
    ("Utilization", "Utilization"),
    ("Realization & margin", "Realization & margin"),
    ("AR aging & DSO", "AR aging & DSO"),
    ("Timesheet compliance", "Timesheet compliance"),
    ("Exceptions", "Exceptions"),
    ("Invoices", "Invoices"),
    ("Data health", "Data health"),
    ("Import", "Import"),
    ("Audit log", "Audit log"),
    ("Admin", "Admin"),
]


@pytest.fixture(scope="module")
def demo_with_rules(demo_warehouse: Path, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("layout")
    db = Path(shutil.copy(demo_warehouse, folder / "warehouse.duckdb"))
    assert rules_main(["--db", str(db), "run"]) == 0
    with running_app(db, folder / "streamlit.log") as url:
        yield url


def settle(page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=SLOW
    )


def test_every_page_reads_whole_at_1280(demo_with_rules, page, artifacts):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, demo_with_rules)
    cut = {}
    for link, heading in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=SLOW)
        settle(page)
        page.wait_for_timeout(300)  # the grids size their columns after the run ends
        assert page.get_by_test_id("stException").count() == 0, link
        found = unreadable(page)
        if found["grids"] or found["metrics"]:
            cut[link] = found
            page.screenshot(path=artifacts / f"cut_{link.split()[0].lower()}_1280.png")
    # Invoices with its drafts saved: the drafts table and the first draft's lines.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Invoices", exact=True).click()
    settle(page)
    # "Draft again for" when another browser test saved the shared demo's drafts first
    page.get_by_role("button", name=re.compile(r"^(Save drafts|Draft again) for")).click()
    expect(page.get_by_role("heading", name="Drafts")).to_be_visible(timeout=SLOW)
    settle(page)
    page.wait_for_timeout(300)
    found = unreadable(page)
    if found["grids"] or found["metrics"]:
        cut["Invoices, drafts saved"] = found
        page.screenshot(path=artifacts / "cut_invoices_drafts_1280.png", full_page=True)
    assert cut == {}
