"""Every page of the app in headless Chromium on a warehouse (the 600-person demo firm with the
rules run): each page cold (its first run in a fresh server, nothing cached but what the pages
before it share, such as the sidebar's reads) and warm (opened again, its reads
cached), min / median / max over N fresh servers. With --before, the
code of another checkout is timed in the same run, interleaved (the machine is shared).

Run: .venv/bin/python bench/bench_pages_browser.py --db /tmp/w600r.duckdb [--before DIR] [--runs 3]
     [--before-db PATH]   (the --before code's own copy, when the schema or snapshot differ)
     [--shots DIR]   (a screenshot of every page, warm, from the last run of each checkout)
     [--pages "Overview,AR aging & DSO"]   (only these pages, by name; default every page)
Each figure is printed with the 1-minute load average when it was taken (the machine is shared).
Build the warehouse once: `python -m etl --db PATH demo --people 600 --as-of 2026-11-07`, then
`python -m rules --db PATH run --as-of 2026-11-07`. The warehouse is copied, never changed.

A page's time is measured in the browser, from the start of the navigation to its URL to the
app's script state settling on notRunning after the run (a MutationObserver installed before the
page's scripts sees every change): cold is its first open in the fresh server, warm the second
(st.cache_data hits; a new browser session each time, so the app's JavaScript and websocket
set-up are in both figures, about what a trivial page costs); switch is the page opened from
the sidebar in one live session, as a person moves between pages (its reads cached). The server
is started as `make run` starts it (`python -m serve`, which imports the pages' modules before it
listens); the seconds until it answers its health check are printed as "(server start)".
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
KINDS = ("cold", "warm", "switch")
SERVER_START = "(server start)"  # seconds until the health check answers (not a page)

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
    # As `make run` starts it (python -m serve) where the checkout has the launcher; an older
    # checkout without it, as `streamlit run app.py`.
    launcher = ["serve"] if (code / "serve.py").exists() else ["streamlit", "run", "app.py"]
    command = [
        str(code / ".venv/bin/python"),
        "-m",
        *launcher,
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


def _switch(page, name: str) -> float:
    """Seconds from a click on the page's sidebar link (in the live session: no reload, as a
    person moves between pages) to the end of its run."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate("() => { window.__ran = false; window.__t0 = performance.now(); }")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    try:
        page.wait_for_function(DONE_JS, timeout=WAIT_MS, polling=50)
    except PlaywrightTimeout:
        return math.inf
    return page.evaluate("() => (window.__last - window.__t0) / 1000")


def one_run(
    browser, code: Path, db: Path, tmp: Path, shots: Path | None, pages: dict[str, str]
) -> dict:
    """A fresh server: every page once cold, then every page again warm (by URL each time),
    then every page switched to from the sidebar in one live session (its reads cached).
    Returns page -> kind -> (seconds, 1-minute load average when it ended); SERVER_START's
    cold is the seconds from starting the server to its health check answering."""
    started = time.perf_counter()
    server, url = _serve(code, db, tmp / "streamlit.log")
    times: dict[str, dict[str, tuple[float, float]]] = {}
    start = time.perf_counter() - started
    times[SERVER_START] = {kind: (start, os.getloadavg()[0]) for kind in KINDS}
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH_JS)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)  # a busy server can take long to accept a navigation
    try:
        for kind in ("cold", "warm"):
            for name, path in pages.items():
                seconds = _open(page, f"{url}/{path}")
                times.setdefault(name, {})[kind] = (seconds, os.getloadavg()[0])
                print(
                    f"  {code.name} {name} {kind} {seconds:.2f} s (load {os.getloadavg()[0]:.1f})",
                    file=sys.stderr,
                    flush=True,
                )
                if kind == "warm" and shots is not None:
                    file = name.lower().replace(" & ", "_").replace(" ", "_") + ".png"
                    page.screenshot(path=shots / file, full_page=True)
                    if page.get_by_test_id("stException").count():
                        print(f"  an exception is shown on {name}", file=sys.stderr)
        _open(page, f"{url}/{list(pages.values())[-1]}")  # a live session on the last page
        for name in pages:
            seconds = _switch(page, name)
            times[name]["switch"] = (seconds, os.getloadavg()[0])
            print(
                f"  {code.name} {name} switch {seconds:.2f} s (load {os.getloadavg()[0]:.1f})",
                file=sys.stderr,
                flush=True,
            )
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
    parser.add_argument(
        "--before-db",
        help="the warehouse the --before code reads (default --db): a copy made or refreshed by "
        "that code, when the two versions keep a different schema or snapshot",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shots")
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    args = parser.parse_args()
    pages = PAGES
    if args.pages:
        wanted = [name.strip() for name in args.pages.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in PAGES]
        if unknown:
            raise SystemExit(f"unknown page(s) {unknown}; pages: {', '.join(PAGES)}")
        pages = {name: PAGES[name] for name in wanted}
    from playwright.sync_api import sync_playwright

    codes = ([("before", Path(args.before))] if args.before else []) + [("after", ROOT)]
    results: dict[str, list[dict]] = {label: [] for label, _ in codes}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for run in range(args.runs):
            for label, code in codes:
                db = Path(tmp) / f"{label}.duckdb"
                shutil.copy(args.before_db or args.db if label == "before" else args.db, db)
                shots = None
                if args.shots and run == args.runs - 1:
                    shots = Path(args.shots) / label
                    shots.mkdir(parents=True, exist_ok=True)
                results[label].append(one_run(browser, code, db, Path(tmp), shots, pages))
                db.unlink()
                print(f"run {run + 1} {label} done", file=sys.stderr, flush=True)
        browser.close()
    head = f"{'page':<22} {'code':<7}"
    print(head + "".join(f" {kind + ' min/median/max s':>24} {'load':>11}" for kind in KINDS))
    for link in [SERVER_START, *pages]:
        for label, _ in codes:
            line = f"{link:<22} {label:<7}"
            for kind in KINDS:
                ts = [r[link][kind][0] for r in results[label]]
                loads = [r[link][kind][1] for r in results[label]]
                figures = f"{min(ts):.2f} / {statistics.median(ts):.2f} / {max(ts):.2f}"
                line += f" {figures:>24} {f'{min(loads):.1f}–{max(loads):.1f}':>11}"
            print(line)


if __name__ == "__main__":
    main()
