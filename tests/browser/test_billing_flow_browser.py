"""The billing flow in a real browser on the demo firm: give a name, approve an exception, draft
the month, approve an invoice and download its PDF (rendered to PNG for a look)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import sign_in
from ui.app_state import last_complete_period, period_label

pytestmark = pytest.mark.browser

ROW_PX = 35  # st.dataframe's default row height; the header row is as tall
WAIT = 30_000  # ms for a rerun to show its result (more when the test workers share the CPU)
SLOW = 60_000  # ms: drafting or syncing a month of the demo firm takes a few seconds


def click_row(table: Locator, row: int) -> None:
    """Selects a row through its selection box, left of the first column. The grid paints on a
    canvas, so the click goes to the row's position on it."""
    canvas = table.get_by_test_id("data-grid-canvas")
    expect(canvas).to_be_visible(timeout=WAIT)
    box = canvas.bounding_box()
    canvas.page.mouse.click(box["x"] + 18, box["y"] + ROW_PX * (row + 1) + ROW_PX // 2)


def settle(page: Page) -> None:
    """Waits until no script run is going on: a click during a run can race the run's redraw."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=SLOW
    )


def go_to(page: Page, title: str) -> None:
    """Through the sidebar navigation: a new URL would start a new session (and forget the name)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()


def test_approve_an_exception_then_draft_approve_and_download_an_invoice(
    demo_app_url, page, artifacts, tmp_path
):
    month = period_label(last_complete_period())
    page.set_viewport_size({"width": 1440, "height": 2400})  # each page whole in a screenshot
    # Who is acting: signed in once, then shown in the sidebar.
    sign_in(page, demo_app_url)

    # Exceptions: run the month's billing checks, pick the first one, approve its suggestion.
    go_to(page, "Exceptions")
    settle(page)
    page.get_by_role("button", name=f"Refresh billing exceptions for {month}").click()
    queue = page.locator(".st-key-exception_queue")
    expect(queue).to_be_visible(timeout=SLOW)
    settle(page)
    click_row(queue, 0)
    expect(page.get_by_role("heading", name="Decide (1 selected)")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Source rows now")).to_be_visible(timeout=WAIT)
    settle(page)
    page.screenshot(path=artifacts / "exceptions.png")
    page.get_by_role("textbox", name="Reason (optional)").fill(
        "Change order agreed with the client"
    )
    page.get_by_role("button", name="Approve suggestion · 1 exception").click()
    expect(page.get_by_text("Approve suggestion: 1 exception(s) decided")).to_be_visible(
        timeout=WAIT
    )

    # Invoices: save the month's drafts, approve the first, download its PDF.
    go_to(page, "Invoices")
    expect(page.get_by_role("heading", name=f"Draft invoices for {month}")).to_be_visible(
        timeout=WAIT
    )
    settle(page)
    page.get_by_role("button", name=f"Save drafts for {month}").click()
    expect(page.locator(".st-key-draft_list")).to_be_visible(timeout=SLOW)
    settle(page)
    page.get_by_role("button", name="Approve…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Approve this invoice?")).to_be_visible(timeout=WAIT)
    dialog.get_by_role("button", name="Approve and number").click()
    expect(page.get_by_text("Approved as INV-")).to_be_visible(timeout=WAIT)

    download_button = page.get_by_role("button", name="Download PDF")
    expect(download_button).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("approved by Dana Ortiz")).to_be_visible(timeout=WAIT)
    settle(page)
    page.screenshot(path=artifacts / "invoices.png")
    with page.expect_download() as download:
        download_button.click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.name.startswith("INV-") and pdf.suffix == ".pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")

    if shutil.which("pdftoppm"):  # poppler-utils, installed by `make test`
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", str(pdf), str(artifacts / "invoice")], check=True
        )
        assert list(artifacts.glob("invoice*.png"))
