"""Shared fixtures: "today" pinned for the whole suite, a fresh warehouse file per test and a
helper to write canonical folders.

`--wall-clock=DATE` (or DATETIME, UTC) moves the process's wall clock there for the whole session
(time-machine, ticking). BILLING_TODAY stays pinned, so a test that passes on one wall-clock date
and fails on another has found code that reads the wall clock instead of core.clock
(`make test-clock` runs the `clock`-marked tests on a month start, a month end, a leap day and a
year end)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import TODAY_ENV
from tests.support.demo import DEMO_AS_OF, build_demo
from warehouse.db import connect

ROOT = Path(__file__).resolve().parent.parent
_TRAVELLER = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--wall-clock",
        metavar="DATE",
        default=None,
        help="travel the wall clock to DATE (YYYY-MM-DD, noon UTC) or an ISO date-time (UTC) for "
        "the whole session; BILLING_TODAY stays pinned",
    )


def wall_clock_moment(text: str) -> dt.datetime:
    """The instant `--wall-clock` names: a date means noon UTC that day."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"--wall-clock: not a date (YYYY-MM-DD): {text!r}") from None
    if len(text) == 10:
        moment = moment.replace(hour=12)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture or module-level code runs, so session and module fixtures see it too.
    text = config.getoption("--wall-clock")
    if text:
        import time_machine

        traveller = time_machine.travel(wall_clock_moment(text), tick=True)
        traveller.start()
        config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str:
    moved = config.getoption("--wall-clock")
    return f"today pinned: {TODAY_ENV}={DEMO_AS_OF}" + (f", wall clock at {moved}" if moved else "")


@pytest.fixture(scope="session", autouse=True)
def pinned_today() -> Iterator[dt.date]:
    """Every test runs on DEMO_AS_OF unless it sets BILLING_TODAY itself (monkeypatch.setenv).
    Session scoped, so module fixtures that build warehouses see the same day; subprocesses
    inherit it through the environment."""
    before = os.environ.get(TODAY_ENV)
    os.environ[TODAY_ENV] = DEMO_AS_OF.isoformat()
    try:
        yield DEMO_AS_OF
    finally:
        if before is None:
            os.environ.pop(TODAY_ENV, None)
        else:
            os.environ[TODAY_ENV] = before


@pytest.fixture(scope="session", autouse=True)
def validation_off() -> Iterator[None]:
    """Imports leave their great-expectations validation pending (ETL_VALIDATE=off): no test
    starts a detached validator by accident, and none pays GX's start-up unless it asks
    (monkeypatch.setenv("ETL_VALIDATE", ...) or `--validate`). Subprocesses inherit it."""
    before = os.environ.get("ETL_VALIDATE")
    os.environ["ETL_VALIDATE"] = "off"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("ETL_VALIDATE", None)
        else:
            os.environ["ETL_VALIDATE"] = before


@pytest.fixture(autouse=True)
def background_refresh_done() -> Iterator[None]:
    """An app action leaves an attribution-snapshot refresh running in the background
    (warehouse.snapshot_refresher); it ends before the test's warehouse is compared, copied or
    deleted, and before the next test starts."""
    yield
    from warehouse import snapshot_refresher

    assert snapshot_refresher.wait_idle(), "a background snapshot refresh did not end"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm through the real CLI path (`python -m etl demo --as-of DEMO_AS_OF`), built
    once per module."""
    return build_demo(tmp_path_factory.mktemp("demo") / "warehouse.duckdb")


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo warehouse for one test."""
    return Path(shutil.copy(demo_template, tmp_path / "warehouse.duckdb"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def con(db_path: Path):
    connection = connect(db_path)
    yield connection
    connection.close()


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    """Writes dedented file contents into `folder` (created) and returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder
