"""Fixtures for the billing pages' AppTests: the demo firm built once per module and copied for
each test (the tests write to it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm through the real CLI path (`python -m etl demo`), built once per module."""
    from etl.__main__ import main

    db = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    assert main(["--db", str(db), "demo"]) == 0
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo warehouse for one test."""
    return Path(shutil.copy(demo_template, tmp_path / "warehouse.duckdb"))
