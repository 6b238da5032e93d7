"""The settings module under its first name: the module itself is core/settings.py (etl reads it
too, and must not import app_auth, which imports etl). Everything is re-exported here so the
sign-in code and its callers keep reading `app_auth.settings`."""

from core.settings import (  # noqa: F401 - re-exported
    CONNECTOR_KEYS,
    EDITABLE,
    ROOT,
    SECRETS_ENV,
    SECRETS_PATH,
    SMTP_KEYS,
    Settings,
    effective,
    in_force,
    load,
    oidc_configured,
    raw,
    raw_values,
    read_secrets,
    secrets_path,
    smtp_values,
    source_of,
    stored_values,
)
