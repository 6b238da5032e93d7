"""The Import page in a real browser: an admin uploads a broken Harvest export, sees the rows
that would be quarantined (line and reason) and the rows as they will load, commits, and sees
the rows counted; screenshots at 1280x800 of the preview and of the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import add_people, running_app, sign_in
from tests.etl.test_import_preview import BROKEN_HARVEST
from warehouse.db import connect

pytestmark = pytest.mark.browser


def test_upload_preview_quarantine_commit(browser, tmp_path, artifacts):
    db = tmp_path / "warehouse.duckdb"
    connect(db).close()
    add_people(db)
    export = tmp_path / "harvest_broken.csv"
    export.write_text(BROKEN_HARVEST)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        with running_app(db, tmp_path / "streamlit.log") as url:
            sign_in(page, f"{url}/import_data", "ada")
            expect(page.get_by_role("heading", name="Import")).to_be_visible(timeout=30_000)
            page.locator("input[type=file]").set_input_files(export)

            heading = page.get_by_role("heading", name="Rows that would be quarantined (4)")
            expect(heading).to_be_visible(timeout=120_000)  # a first load imports GX
            table = page.locator(".st-key-import_quarantine")
            # st.dataframe mirrors its rows in an accessible table: glide-cell-<column>-<row>.
            expect(table.get_by_test_id("glide-cell-0-0")).to_have_text("5", timeout=30_000)
            expect(table.get_by_test_id("glide-cell-2-0")).to_contain_text("2026-02-30")
            expect(table.get_by_test_id("glide-cell-0-3")).to_have_text("9")
            rows = page.locator(".st-key-import_rows_time_entries")
            expect(rows.get_by_test_id("glide-cell-0-3")).to_have_text("8")  # line of the 4th
            page.screenshot(path=artifacts / "import_preview_1280.png")
            first_rows = page.get_by_role("heading", name="First rows as they will be loaded")
            first_rows.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=artifacts / "import_preview_rows_1280.png")
            page.set_viewport_size({"width": 1440, "height": 1000})
            page.get_by_role("heading", name="Import", exact=True).scroll_into_view_if_needed()
            page.screenshot(path=artifacts / "import_preview_1440.png")
            page.set_viewport_size({"width": 1280, "height": 800})
            assert db_count(db) == 0  # the preview wrote nothing

            page.get_by_role("button", name="Import 14 row(s), quarantine 4").click()
            done = page.get_by_test_id("stAlertContentSuccess")
            expect(done).to_contain_text(
                "Imported harvest_broken.csv (load 1): 14 new, 0 changed", timeout=60_000
            )
            expect(page.get_by_text("Nothing to import: every row of this file")).to_be_visible()
            expect(page.get_by_test_id("stMetricValue").first).to_have_text("0")
            expect(
                page.get_by_role("heading", name="Bad rows (4), all in the quarantine already")
            ).to_be_visible()
            done.scroll_into_view_if_needed()
            page.screenshot(path=artifacts / "import_done_1280.png")
        assert db_count(db) == 4
    finally:
        context.close()


def db_count(db) -> int:
    con = connect(db)
    try:
        return con.execute("SELECT count(*) FROM time_entries").fetchone()[0]
    finally:
        con.close()
