"""Fixtures for the pages' AppTests: no developer's sign-in or secrets (the demo firm built once
per module and copied for each test, `demo_db`, is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


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
