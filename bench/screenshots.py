"""Screenshots of every page of the app at the widths people use (1280 × 800 and 1440 × 1000):
the first screen and the whole page, for looking at before calling a page done (STYLE: look at
what users see). Prints, per shot, whether the page shows an exception, which tables scroll
sideways and which metric cards are cut off (tests/support/layout.py): at 1280 px, none.

Run: .venv/bin/python bench/screenshots.py --db /tmp/w600r.duckdb --out /tmp/shots
     [--pages "exceptions,realization"]   (URL paths; "" or overview for the Overview)
The warehouse is copied, never changed; BILLING_TODAY is 2026-11-07 as in the other benches.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench_pages_browser import ARGS, CHROMIUM, DONE_JS, WAIT_MS, WATCH_JS, _serve

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.layout import unreadable  # noqa: E402

PAGES = [
    "",
    "utilization",
    "realization",
    "ar_aging",
    "compliance",
    "exceptions",
    "invoices",
    "data_health",
    "import_data",
    "audit_log",
    "admin",
]
SIZES = [(1280, 800), (1440, 1000)]
MAIN_HEIGHT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return main ? main.scrollHeight : 0; }"""


def shoot(page, url: str, path: str, out: Path, width: int, height: int) -> str:
    """One page at one size: its first screen, the whole page, and what cannot be read."""
    page.goto(f"{url}/{path}", wait_until="commit")
    page.wait_for_function(DONE_JS, timeout=WAIT_MS, polling=100)
    file = out / f"{path or 'overview'}_{width}.png"
    page.screenshot(path=file)  # what the window shows first
    errors = page.get_by_test_id("stException").count()
    cut = unreadable(page)
    # The app scrolls inside its main section, not the document: the whole page is shot by
    # making the window as tall as that section, at the same width.
    tall = page.evaluate(MAIN_HEIGHT_JS)
    if tall > height:
        page.set_viewport_size({"width": width, "height": min(tall, 12_000)})
        page.wait_for_timeout(800)
        page.screenshot(path=file.with_name(file.stem + "_full.png"))
        page.set_viewport_size({"width": width, "height": height})
    grids = ", ".join(f"#{g['table']} (+{g['overflow_px']} px)" for g in cut["grids"])
    return (
        f"{file.name}: {errors} exception(s); tables scrolling sideways: {grids or 'none'}; "
        f"metrics cut off: {cut['metrics'] or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--pages", help="comma-separated URL paths (default: every page)")
    args = parser.parse_args()
    pages = PAGES
    if args.pages:
        pages = [p.strip().replace("overview", "") for p in args.pages.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        db = Path(tmp) / "shots.duckdb"
        shutil.copy(args.db, db)
        server, url = _serve(ROOT, db, Path(tmp) / "streamlit.log")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width, height in SIZES:
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_init_script(WATCH_JS)
                page = context.new_page()
                page.set_default_timeout(WAIT_MS)
                for path in pages:
                    print(shoot(page, url, path, out, width, height), flush=True)
                context.close()
        finally:
            browser.close()
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
