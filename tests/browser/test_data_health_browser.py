"""The Data health page in a real browser: the running app, headless Chromium, a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.support.warehouse import OPEN_REASON

pytestmark = pytest.mark.browser


def test_data_health_shows_the_quarantine_reason(app_url, page, artifacts):
    page.set_viewport_size({"width": 1440, "height": 2000})  # the whole page in one screenshot
    sign_in(page, f"{app_url}/data_health")
    expect(page.get_by_role("heading", name="Data health")).to_be_visible(timeout=30_000)

    table = page.locator(".st-key-quarantine_table")
    expect(table).to_be_visible(timeout=30_000)
    # st.dataframe paints its cells on a canvas; the grid mirrors the rows it draws in an
    # accessible table, whose cells carry the text and their place (glide-cell-<col>-<row>).
    expect(table.locator("canvas").first).to_be_visible()
    reason_cell = table.get_by_test_id("glide-cell-4-1")  # entity, file, line, record key, reason
    expect(reason_cell).to_have_text(OPEN_REASON, timeout=30_000)
    expect(page.get_by_text("2 of 2 open rows, newest first")).to_be_visible()

    page.screenshot(path=artifacts / "data_health.png")


def test_the_quarantine_downloads_as_csv(app_url, page, tmp_path):
    sign_in(page, f"{app_url}/data_health")
    button = page.get_by_role("button", name="Download CSV")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        button.click()
    saved = tmp_path / "quarantine.csv"
    download.value.save_as(saved)
    header, *rows = saved.read_text().splitlines()
    assert header.split(",")[:6] == [
        "quarantined_at",
        "entity",
        "file",
        "line",
        "record_key",
        "reason",
    ]
    assert len(rows) == 2 and OPEN_REASON in rows[1]
