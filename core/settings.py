"""The one settings module: every setting the app, the command lines and the jobs read, from the
environment or `.streamlit/secrets.toml` (the environment winning), typed and checked by
pydantic-settings so a wrong value (a port that is not a number, a threshold that is not an
amount) is one clear error.

It lives in core/, the lowest layer, because every layer reads it (core.clock for
BILLING_TODAY, warehouse.db for WAREHOUSE_DB, etl.sync for the connector credentials, app_auth
for sign-in and four-eyes). app_auth.settings re-exports it under its old name.

Key names are the environment variable names; secrets.toml uses the same names at its top
level. Streamlit's own `[auth]` section (st.login) lives in the same file and is read by
Streamlit; `oidc_configured` only looks at it to decide which sign-in to offer. A few settings
may also be changed by an admin on the Admin page (EDITABLE, kept in the warehouse's
app_settings table): `effective(con)` layers those between the environment and secrets.toml.
`.streamlit/secrets.toml.example` lists every key (a test checks it)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"
SECRETS_ENV = "BILLING_SECRETS_FILE"  # another secrets.toml (tests, a second firm)
SMTP_KEYS = (
    "AR_SMTP_HOST",
    "AR_SMTP_PORT",
    "AR_SMTP_USER",
    "AR_SMTP_PASSWORD",
    "AR_SMTP_STARTTLS",
    "AR_SMTP_CA_FILE",
)
# The connectors' keys (etl/sync, billing/accounting_push.py). They stay a plain mapping
# (etl.sync.settings.Settings) because each connector has its own optional tuning keys; these
# are the ones a firm sets, listed here so the example file can be checked against them.
CONNECTOR_KEYS = (
    "HARVEST_ACCESS_TOKEN",
    "HARVEST_ACCOUNT_ID",
    "HARVEST_CONTACT",
    "TOGGL_API_TOKEN",
    "TOGGL_WORKSPACE_ID",
    "CLOCKIFY_API_KEY",
    "CLOCKIFY_WORKSPACE_ID",
    "CLOCKIFY_WEBHOOK_SECRET",
    "TEMPO_API_TOKEN",
    "JIRA_BASE_URL",
    "JIRA_EMAIL",
    "JIRA_API_TOKEN",
    "ACCOUNTING_TOKEN_KEY",
    "ACCOUNTING_TOKEN_DIR",
    "QBO_CLIENT_ID",
    "QBO_CLIENT_SECRET",
    "QBO_REDIRECT_URI",
    "QBO_ENVIRONMENT",
    "QBO_REALM_ID",
    "QBO_ITEM_ID",
    "XERO_CLIENT_ID",
    "XERO_CLIENT_SECRET",
    "XERO_REDIRECT_URI",
    "XERO_TENANT_ID",
    "XERO_SALES_ACCOUNT",
)
# Settings an admin may change on the Admin page (kept in app_settings, audited): amounts and
# sign-in policy, never a secret or a path.
EDITABLE = (
    "FOUR_EYES_INVOICE_ABOVE",
    "FOUR_EYES_WAIVER_ABOVE",
    "FOUR_EYES_WRITE_OFF_ABOVE",
    "AUTH_MAX_FAILED_LOGINS",
    "AUTH_OIDC_DEFAULT_ROLES",
)
SETTINGS_SQL = "SELECT key, value FROM app_settings"

_cache: dict[Path, tuple[int, dict[str, Any]]] = {}


def secrets_path() -> Path:
    """The secrets.toml in force: $BILLING_SECRETS_FILE, else .streamlit/secrets.toml."""
    named = os.environ.get(SECRETS_ENV, "").strip()
    return Path(named) if named else SECRETS_PATH


def in_force(path: Path) -> Path:
    """`path`, unless it is the default secrets.toml: then the file in force (secrets_path()).
    For the modules that keep a SECRETS_PATH constant of their own (tests point it elsewhere)."""
    return secrets_path() if Path(path) == SECRETS_PATH else Path(path)


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """The parsed secrets.toml ({} when there is none); re-read only when the file changed
    (core.clock asks on every call)."""
    path = secrets_path() if path is None else Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    values = tomllib.loads(path.read_text(encoding="utf-8"))
    _cache[path] = (stamp, values)
    return values


def raw(key: str, environ: Mapping[str, str] | None = None, secrets: Path | None = None) -> str:
    """One key as text: the environment's value, else secrets.toml's top-level one, else ""."""
    env = os.environ if environ is None else environ
    value = str(env.get(key, "")).strip()
    if value:
        return value
    found = read_secrets(secrets).get(key)
    return "" if found is None or isinstance(found, dict) else str(found).strip()


def raw_values(
    environ: Mapping[str, str] | None = None, secrets: Path | None = None
) -> dict[str, str]:
    """Every top-level key of secrets.toml and the environment, as text, the environment winning
    (what the connectors read: etl.sync.settings)."""
    found = read_secrets(secrets)
    merged = {k: str(v) for k, v in found.items() if isinstance(v, str | int | float)}
    env = os.environ if environ is None else environ
    return merged | {k: v for k, v in env.items() if v}


class _Values(PydanticBaseSettingsSource):
    """Fixed values matched to fields by their (lower-case) names."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        fields = settings_cls.model_fields
        self._values = {
            str(k).lower(): v
            for k, v in values.items()
            if not isinstance(v, dict) and str(k).lower() in fields and v != ""
        }

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ is used
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


class Settings(BaseSettings):
    """Every setting the app, the command lines and the jobs read (connectors aside, see
    CONNECTOR_KEYS)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # The warehouse and the date
    warehouse_db: str = ""  # data/warehouse.duckdb when empty (warehouse.db)
    billing_today: str = ""  # pins "today" (core.clock); the wall clock when empty
    # Sign-in
    auth_demo_mode: str = Field("auto", pattern="^(auto|true|false|1|0|yes|no)$")
    auth_oidc_provider: str = ""  # the [auth.NAME] section to use; "" = the [auth] section
    auth_oidc_default_roles: str = ""  # roles of an IdP user with no account row ("" = none)
    auth_max_failed_logins: int = Field(5, ge=1)  # then the account is locked (admin resets)
    # Four-eyes thresholds (amounts in the invoice's or charge's currency)
    four_eyes_invoice_above: Decimal = Field(Decimal("5000.00"), ge=0)
    four_eyes_waiver_above: Decimal = Field(Decimal("100.00"), ge=0)
    four_eyes_write_off_above: Decimal = Field(Decimal("500.00"), ge=0)
    # Reminders by SMTP (billing/ar/senders.py)
    ar_smtp_host: str = ""
    ar_smtp_port: str = ""  # 587 when empty
    ar_smtp_user: str = ""
    ar_smtp_password: str = ""
    ar_smtp_starttls: str = ""  # true when empty
    ar_smtp_ca_file: str = ""
    # The classifier and reminder polish (rules/classify/llm.py, billing/ar/polish.py)
    anthropic_api_key: str = ""

    @property
    def demo_mode_flag(self) -> bool | None:
        """True / False when set, None for "auto" (demo when nothing is configured)."""
        value = self.auth_demo_mode.lower()
        return None if value == "auto" else value in ("true", "1", "yes")


def load(
    environ: Mapping[str, str] | None = None,
    secrets: Path | None = None,
    stored: Mapping[str, str] | None = None,
) -> Settings:
    """The settings now (secrets.toml re-read when it changed): the environment, then `stored`
    (the admin's changes kept in the warehouse), then secrets.toml, then the defaults."""
    values = read_secrets(secrets)
    env = os.environ if environ is None else environ
    kept = {k: v for k, v in (stored or {}).items() if k.upper() in EDITABLE}

    class _Once(Settings):
        @classmethod
        def settings_customise_sources(cls, settings_cls, *_args, **_kwargs):
            return (
                _Values(settings_cls, dict(env)),
                _Values(settings_cls, kept),
                _Values(settings_cls, values),
            )

    return _Once()


def stored_values(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The settings an admin changed (app_settings), by key; {} on a warehouse without the
    table (an older file opened read-only)."""
    try:
        return dict(con.execute(SETTINGS_SQL).fetchall())
    except duckdb.CatalogException:
        return {}


def effective(con: duckdb.DuckDBPyConnection, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings with the admin's changes from the warehouse (`con`) layered in."""
    return load(environ, stored=stored_values(con))


def source_of(
    key: str, con: duckdb.DuckDBPyConnection, environ: Mapping[str, str] | None = None
) -> str:
    """Where an EDITABLE key's value comes from: 'environment', 'admin page', 'secrets.toml'
    or 'default' (the Admin page says so; the environment cannot be overridden there)."""
    env = os.environ if environ is None else environ
    if str(env.get(key, "")).strip():
        return "environment"
    if key in stored_values(con):
        return "admin page"
    if key in read_secrets():
        return "secrets.toml"
    return "default"


def oidc_configured(secrets: Mapping[str, Any] | None = None) -> bool:
    """Whether secrets.toml has an [auth] section st.login can use (redirect_uri and
    cookie_secret, and a client_id in [auth] or in an [auth.PROVIDER] section)."""
    auth = (read_secrets() if secrets is None else secrets).get("auth")
    if not isinstance(auth, dict) or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return False
    return bool(auth.get("client_id")) or any(
        isinstance(v, dict) and v.get("client_id") for v in auth.values()
    )


def smtp_values(settings: Settings) -> dict[str, str]:
    """The AR_SMTP_* keys that are set, by their environment names."""
    return {
        k: str(getattr(settings, k.lower()))
        for k in SMTP_KEYS
        if str(getattr(settings, k.lower())).strip()
    }
