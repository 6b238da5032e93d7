"""The Exceptions queue as groups in a real browser (issue 17 item 1), at 1280 x 800: the
month's billing exceptions grouped, the biggest group selected and decided at once, every one of
its findings decided by the signed-in person. On a copy of the demo firm, so the other browser
tests' warehouse is left as it was, with the rules run on it as `make run` does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rules.__main__ import main as rules_main
from tests.browser.conftest import running_app, sign_in
from ui.app_state import last_complete_period, period_label
from warehouse.db import connect

pytestmark = pytest.mark.browser

ROW_PX = 35
WAIT = 30_000
SLOW = 90_000


@pytest.fixture
def own_demo(demo_warehouse: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = Path(shutil.copy(demo_warehouse, tmp_path / "warehouse.duckdb"))
    # The rules run as `make run` runs them, so the queue holds the firm's usual high and medium
    # groups whatever the other browser tests already decided or billed in the shared demo.
    assert rules_main(["--db", str(db), "run"]) == 0
    with running_app(db, tmp_path / "streamlit.log") as url:
        yield url, db


def settle(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=SLOW
    )


def test_the_biggest_group_is_decided_at_once(own_demo, page, artifacts):
    url, db = own_demo
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, url)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Exceptions").click()
    settle(page)
    month = period_label(last_complete_period())
    page.get_by_role("button", name=f"Refresh billing exceptions for {month}").click()
    groups = page.locator(".st-key-exception_groups")
    expect(groups).to_be_visible(timeout=SLOW)
    settle(page)
    canvas = groups.get_by_test_id("data-grid-canvas")
    expect(canvas).to_be_visible(timeout=WAIT)
    decide = page.locator(".st-key-group_decision_box")
    for attempt in range(3):  # a click landing while the grid redraws selects nothing
        settle(page)
        box = canvas.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + ROW_PX + ROW_PX // 2)  # the first group
        try:
            expect(decide).to_be_visible(timeout=WAIT // 2)
            break
        except AssertionError:
            if attempt == 2:
                raise
    settle(page)
    # The table leaves the long texts out to fit at 1280 px: the box says what to do.
    expect(decide.get_by_text("Suggested:").first).to_be_visible()
    decide.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "exception_group_selected_1280.png")
    decide.get_by_text("Reject", exact=True).click()
    settle(page)
    button = decide.get_by_role("button", name="Reject · 1 group")
    label = button.inner_text()  # "Reject · 1 group, N findings"
    count = int(label.split(",")[1].split()[0])
    decide.get_by_role("textbox", name="Reason (optional)").fill("agreed with the client")
    button.click()
    expect(page.get_by_text(f"Reject: {count} finding(s) decided")).to_be_visible(timeout=SLOW)
    con = connect(db)
    try:
        rejected = con.execute(
            "SELECT count(*), count(DISTINCT decided_by) FROM exceptions "
            "WHERE status = 'rejected' AND decision_reason = 'agreed with the client'"
        ).fetchall()[0]
    finally:
        con.close()
    assert rejected == (count, 1)  # every finding of the group, by the one signed-in person
