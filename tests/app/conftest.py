"""Fixtures for the billing pages' AppTests: the demo firm built once per module and copied for
each test (the tests write to it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.demo import build_demo


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm through the real CLI path (`python -m etl demo --as-of DEMO_AS_OF`), built
    once per module."""
    return build_demo(tmp_path_factory.mktemp("demo") / "warehouse.duckdb")


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo warehouse for one test."""
    return Path(shutil.copy(demo_template, tmp_path / "warehouse.duckdb"))


@pytest.fixture(autouse=True)
def no_demo_sign_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The test warehouses have no accounts, so a page opened without a user is in demo mode
    (Demo user, every role), as `make run` is; tests/support/app_pages.py signs a named user in.
    No developer's .streamlit/secrets.toml (an [auth] section there would change the sign-in)."""
    monkeypatch.setenv("AUTH_DEMO_MODE", "auto")
    monkeypatch.setenv("BILLING_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    # The page flows draft and approve as one person; four-eyes has its own tests
    # (tests/auth/test_four_eyes.py, tests/app/test_roles_pages.py).
    monkeypatch.setenv("FOUR_EYES_INVOICE_ABOVE", "100000000")
