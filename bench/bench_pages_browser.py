"""Every page of the app in headless Chromium on a warehouse (the 600-person demo firm with the
rules run): each page cold (its first run in a fresh server, nothing cached but what the pages
before it share, such as the sidebar's reads) and warm (opened again, its reads
cached), min / median / max over N fresh servers. With --before, the
code of another checkout is timed in the same run, interleaved (the machine is shared).

Run: .venv/bin/python bench/bench_pages_browser.py --db /tmp/w600r.duckdb [--before DIR] [--runs 3]
     [--pages Exceptions,Overview]   (only these pages)
     [--shots DIR]   (a screenshot of every page, warm, from the last run of each checkout)
Build the warehouse once: `python -m etl --db PATH demo --people 600 --as-of 2026-11-07`, then
`python -m rules --db PATH run --as-of 2026-11-07`. The warehouse is copied, never changed.

A page's time is measured in the browser, from the start of the navigation to its URL to the
app's script state settling on notRunning after the run (a MutationObserver installed before the
page's scripts sees every change): cold is its first open in the fresh server, warm the second
(st.cache_data hits; a new browser session each time, so the app's JavaScript and websocket
set-up are in both figures, about what a trivial page costs).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PAGES = {  # page -> URL path (st.navigation's url_path of pages/*.py)
    "Data health": "data_health",
    "Overview": "",
    "Utilization": "utilization",
    "Realization & margin": "realization",
    "AR aging & DSO": "ar_aging",
    "Timesheet compliance": "compliance",
    "Exceptions": "exceptions",
    "Invoices": "invoices",
}
WAIT_MS = 240_000

# Installed before the page's own scripts: notes when the app's script state changes, in ms
# since the navigation started (performance.now()), and whether a run was seen at all.
WATCH_JS = """
window.__ran = false; window.__last = 0; window.__state = null;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app ? app.getAttribute('data-test-script-state') : null;
  if (state !== window.__state) {
    window.__state = state; window.__last = performance.now();
    if (state === 'running') window.__ran = true;
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""
# Done: a run was seen and the app has been notRunning for QUIET_MS (a page that reruns itself
# once counts until its last run ends).
QUIET_MS = 500
DONE_JS = f"""() => window.__ran && window.__state === 'notRunning'
                   && performance.now() - window.__last > {QUIET_MS}"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(code: Path, db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    command = [
        str(code / ".venv/bin/python"),
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "WAREHOUSE_DB": str(db), "BILLING_TODAY": "2026-11-07"}
    server = subprocess.Popen(
        command, cwd=code, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"streamlit did not start: {log.read_text()[-2000:]}")


def _open(page, url: str) -> float:
    """Seconds from the start of the navigation to the end of the page's run."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="commit")
    try:
        page.wait_for_function(DONE_JS, timeout=WAIT_MS, polling=50)
    except PlaywrightTimeout:  # reported as more than WAIT_MS; the next page goes on
        return math.inf
    return page.evaluate("() => window.__last / 1000")


def one_run(
    browser, code: Path, db: Path, tmp: Path, shots: Path | None, pages: dict[str, str]
) -> dict:
    """A fresh server: every page once cold, then every page again warm (by URL each time)."""
    server, url = _serve(code, db, tmp / "streamlit.log")
    times: dict[str, dict[str, float]] = {}
    context = browser.new_context(viewport={"width": 1440, "height": 2400})
    context.add_init_script(WATCH_JS)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)  # a busy server can take long to accept a navigation
    try:
        for kind in ("cold", "warm"):
            for name, path in pages.items():
                times.setdefault(name, {})[kind] = _open(page, f"{url}/{path}")
                print(
                    f"  {code.name} {name} {kind} {times[name][kind]:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
                if kind == "warm" and shots is not None:
                    file = name.lower().replace(" & ", "_").replace(" ", "_") + ".png"
                    page.screenshot(path=shots / file, full_page=True)
                    if page.get_by_test_id("stException").count():
                        print(f"  an exception is shown on {name}", file=sys.stderr)
    except Exception:
        page.screenshot(path=Path(tempfile.gettempdir()) / "bench_pages_failed.png")
        raise
    finally:
        context.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--before")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shots")
    parser.add_argument(
        "--pages", help="comma-separated page names to time (default: every page), e.g. Exceptions"
    )
    args = parser.parse_args()
    pages = PAGES
    if args.pages:
        names = [n.strip() for n in args.pages.split(",")]
        unknown = [n for n in names if n not in PAGES]
        if unknown:
            parser.error(f"unknown page(s) {unknown}; pages: {list(PAGES)}")
        pages = {n: PAGES[n] for n in names}
    from playwright.sync_api import sync_playwright

    codes = ([("before", Path(args.before))] if args.before else []) + [("after", ROOT)]
    results: dict[str, list[dict]] = {label: [] for label, _ in codes}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for run in range(args.runs):
            for label, code in codes:
                db = Path(tmp) / f"{label}.duckdb"
                shutil.copy(args.db, db)
                shots = None
                if args.shots and run == args.runs - 1:
                    shots = Path(args.shots) / label
                    shots.mkdir(parents=True, exist_ok=True)
                results[label].append(one_run(browser, code, db, Path(tmp), shots, pages))
                db.unlink()
                print(f"run {run + 1} {label} done", file=sys.stderr, flush=True)
        browser.close()
    print(f"{'page':<22} {'code':<7} {'cold min/median/max s':>24} {'warm min/median/max s':>24}")
    for link in pages:
        for label, _ in codes:
            row = []
            for kind in ("cold", "warm"):
                ts = [r[link][kind] for r in results[label]]
                row.append(f"{min(ts):.2f} / {statistics.median(ts):.2f} / {max(ts):.2f}")
            print(f"{link:<22} {label:<7} {row[0]:>24} {row[1]:>24}")


if __name__ == "__main__":
    main()
