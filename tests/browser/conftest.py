"""Browser end-to-end fixtures: the real app under `streamlit run` against a temp warehouse,
driven by Playwright in Debian's headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app_auth import accounts
from app_auth.roles import ROLES
from core import clock
from tests.support.demo import DEMO_AS_OF, build_demo
from tests.support.warehouse import fill_small_warehouse
from warehouse.db import connect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def running_app(
    db: Path,
    log: Path,
    *,
    port: int | None = None,
    secrets: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """The app (`python -m serve`: `streamlit run app.py`) on a free port (or `port`), reading `db`, with `secrets` as its
    secrets.toml (none by default: a developer's own file must not change the tests); yields
    its URL once healthy."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    secrets = secrets or log.parent / "no-secrets.toml"
    command = [
        sys.executable,
        "-m",
        "serve",  # `streamlit run app.py`, as `make run` starts it
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
        "--secrets.files",
        str(secrets),
    ]
    # The app's "today" is the suite's (tests/conftest.py pins it), not the server's wall clock.
    today = os.environ.get(clock.TODAY_ENV) or DEMO_AS_OF.isoformat()
    env = {
        **os.environ,
        "WAREHOUSE_DB": str(db),
        clock.TODAY_ENV: today,
        "BILLING_SECRETS_FILE": str(secrets),
        "AUTH_DEMO_MODE": "auto",
        # The flows draft and approve as one person; four-eyes has its own tests.
        "FOUR_EYES_INVOICE_ABOVE": "100000000",
        **(env or {}),
    }
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# The people of the browser tests: one local account per role, and Dana Ortiz with all of them
# (the flows). sign_in() is the one place the browser tests sign in.
PASSWORD = "correct horse battery"
PEOPLE = {
    "dana": ("Dana Ortiz", ",".join(ROLES)),
    "lea": ("Lea Lead", "leadership"),
    "oscar": ("Oscar Ops", "operations"),
    "bea": ("Bea Approver", "billing_approver"),
    "ari": ("Ari Receivable", "ar"),
    "ada": ("Ada Admin", "admin"),
}


def add_people(db: Path) -> Path:
    con = connect(db)
    try:
        for username, (name, roles) in PEOPLE.items():
            accounts.add_user(
                con, username, roles, "test-setup", display_name=name, password=PASSWORD
            )
    finally:
        con.close()
    return db


def sign_in(page, url: str | None, username: str = "dana") -> None:
    """Opens `url` (a new session; None: stays on the page, e.g. after a reload, which is a new
    session too) and signs in with the user's password."""
    from playwright.sync_api import expect

    if url is not None:
        page.goto(url)
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    name = PEOPLE[username][0]
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {name}")).to_be_visible(
        timeout=30_000
    )


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app serving the small hand-filled warehouse of tests/support/warehouse.py."""
    folder = tmp_path_factory.mktemp("browser-app")
    db = add_people(fill_small_warehouse(folder / "warehouse.duckdb"))
    with running_app(db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm, built through the real CLI (`python -m etl demo`) as `make run` does, with
    the test people's accounts."""
    return add_people(build_demo(tmp_path_factory.mktemp("browser-demo") / "warehouse.duckdb"))


@pytest.fixture(scope="session")
def demo_app_url(demo_warehouse: Path) -> Iterator[str]:
    """The app serving the demo firm."""
    with running_app(demo_warehouse, demo_warehouse.parent / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
