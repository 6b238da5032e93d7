"""The settings module: secrets.toml and the environment (which wins), typed and checked; the
SMTP keys read through it; whether an IdP is configured."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from app_auth import settings
from billing.ar.senders import smtp_settings

SECRETS = """
AR_SMTP_HOST = "smtp.firm.example"
AR_SMTP_PORT = "2525"
FOUR_EYES_INVOICE_ABOVE = "2500.00"
AUTH_DEMO_MODE = "false"

[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "s3cret-s3cret-s3cret"

[auth.keycloak]
client_id = "billing"
client_secret = "x"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


@pytest.fixture
def secrets(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(SECRETS)
    return path


def test_secrets_toml_is_read_and_the_environment_wins(secrets):
    env = {"AR_SMTP_PORT": "587", "FOUR_EYES_WAIVER_ABOVE": "50"}
    found = settings.load(env, secrets)
    assert (found.ar_smtp_host, found.ar_smtp_port) == ("smtp.firm.example", "587")
    assert found.four_eyes_invoice_above == D("2500.00")
    assert found.four_eyes_waiver_above == D(50)
    assert found.four_eyes_write_off_above == D("500.00")  # the default
    assert found.demo_mode_flag is False
    assert smtp_settings(env, secrets) == {
        "AR_SMTP_HOST": "smtp.firm.example",
        "AR_SMTP_PORT": "587",
    }


def test_nothing_set_means_the_defaults(tmp_path):
    found = settings.load({}, tmp_path / "none.toml")
    assert found.demo_mode_flag is None  # auto
    assert found.four_eyes_invoice_above == D("5000.00")
    assert smtp_settings({}, tmp_path / "none.toml") == {}


def test_a_bad_value_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ValidationError, match="four_eyes_invoice_above"):
        settings.load({"FOUR_EYES_INVOICE_ABOVE": "lots"}, tmp_path / "none.toml")
    with pytest.raises(ValidationError, match="auth_demo_mode"):
        settings.load({"AUTH_DEMO_MODE": "maybe"}, tmp_path / "none.toml")


def test_an_idp_is_configured_only_with_redirect_secret_and_a_client(secrets):
    assert settings.oidc_configured(settings.read_secrets(secrets))
    assert not settings.oidc_configured({})
    assert not settings.oidc_configured({"auth": {"redirect_uri": "x", "client_id": "y"}})
    assert settings.oidc_configured(
        {"auth": {"redirect_uri": "x", "cookie_secret": "y", "client_id": "z"}}
    )


def test_the_example_file_lists_every_key():
    example = (settings.ROOT / ".streamlit" / "secrets.toml.example").read_text()
    for key in settings.Settings.model_fields:
        assert key.upper() in example, key
    for key in (
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
        "ANTHROPIC_API_KEY",
    ):
        assert key in example, key
