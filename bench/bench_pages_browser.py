"""Every page of the app in headless Chromium on a warehouse (the 600-person demo firm with the
rules run): each page cold (its first run in a fresh server, nothing cached but what the pages
before it share, such as the sidebar's reads) and warm (opened again from another page, as a
person switching pages gets it), min / median / max over N fresh servers. With --before, the
code of another checkout is timed in the same run, interleaved (the machine is shared).

Run: .venv/bin/python bench/bench_pages_browser.py --db /tmp/w600r.duckdb [--before DIR] [--runs 3]
     [--shots DIR]   (a screenshot of every page, warm, from the last run of each checkout)
Build the warehouse once: `python -m etl --db PATH demo --people 600 --as-of 2026-11-07`, then
`python -m rules --db PATH run --as-of 2026-11-07`. The warehouse is copied, never changed.

A page's time is measured in the browser: from the click on its sidebar link to the app's
script state going back to notRunning after it ran (a MutationObserver sees every change, so a
fast run is not missed). The first page (Data health) is opened by URL and its cold time
includes loading the app's JavaScript.
"""

from __future__ import annotations

import argparse
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
FIRST = ("Data health", "data_health")
PAGES = ["Overview", "Utilization", "Realization & margin", "AR aging & DSO",
         "Timesheet compliance", "Exceptions", "Invoices"]  # fmt: skip
WAIT_MS = 180_000

WATCH_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__ran = false; window.__done = null; window.__t0 = performance.now();
  if (window.__obs) window.__obs.disconnect();
  window.__obs = new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') window.__ran = true;
    else if (window.__ran && state === 'notRunning' && window.__done === null)
      window.__done = performance.now();
  });
  window.__obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(code: Path, db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    command = [str(code / ".venv/bin/python"), "-m", "streamlit", "run", "app.py",
               "--server.headless", "true", "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    env = {**os.environ, "WAREHOUSE_DB": str(db), "BILLING_TODAY": "2026-11-07"}
    server = subprocess.Popen(command, cwd=code, env=env, stdout=log.open("w"),
                              stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"streamlit did not start: {log.read_text()[-2000:]}")


def _settle(page) -> None:
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'
                          && document.querySelector('[data-testid="stSidebarNav"]'); }""",
        timeout=WAIT_MS,
    )


def _click(page, link: str) -> float:
    """Seconds from the click on the page's link to the end of its run."""
    page.evaluate(WATCH_JS)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    page.wait_for_function("() => window.__done !== null", timeout=WAIT_MS)
    return page.evaluate("() => (window.__done - window.__t0) / 1000")


def one_run(browser, code: Path, db: Path, tmp: Path, shots: Path | None) -> dict:
    server, url = _serve(code, db, tmp / "streamlit.log")
    times: dict[str, dict[str, float]] = {}
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 1100})
        page = context.new_page()
        started = time.perf_counter()
        page.goto(f"{url}/{FIRST[1]}")
        page.get_by_test_id("stApp").wait_for(timeout=WAIT_MS)
        time.sleep(0.3)
        _settle(page)
        times[FIRST[0]] = {"cold": time.perf_counter() - started}
        for link in PAGES:
            times[link] = {"cold": _click(page, link)}
        order = [FIRST[0], *PAGES]
        for i, link in enumerate(order):  # warm: from the page before it (the last for the first)
            if i == 0:
                _click(page, order[-2])
            times[link]["warm"] = _click(page, link)
            if shots is not None:
                name = link.lower().replace(" & ", "_").replace(" ", "_")
                page.screenshot(path=shots / f"{name}.png", full_page=True)
        errors = page.get_by_test_id("stException").count()
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    if errors:
        print(f"  ({errors} exception(s) shown on the last page)", file=sys.stderr)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--before")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shots")
    args = parser.parse_args()
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
                results[label].append(one_run(browser, code, db, Path(tmp), shots))
                db.unlink()
                print(f"run {run + 1} {label} done", file=sys.stderr, flush=True)
        browser.close()
    print(f"{'page':<22} {'code':<7} {'cold min/median/max s':>24} {'warm min/median/max s':>24}")
    for link in [FIRST[0], *PAGES]:
        for label, _ in codes:
            row = []
            for kind in ("cold", "warm"):
                ts = [r[link][kind] for r in results[label]]
                row.append(f"{min(ts):.2f} / {statistics.median(ts):.2f} / {max(ts):.2f}")
            print(f"{link:<22} {label:<7} {row[0]:>24} {row[1]:>24}")


if __name__ == "__main__":
    main()
