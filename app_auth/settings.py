"""One place for the app's settings: environment variables and `.streamlit/secrets.toml`, the
environment winning (as before for AR_SMTP_*). Read through pydantic-settings so a wrong value
(a port that is not a number, a threshold that is not an amount) is one clear error.

Key names are the environment variable names; secrets.toml uses the same names at its top
level. Streamlit's own `[auth]` section (st.login) lives in the same file and is read by
Streamlit; `oidc_configured` only looks at it to decide which sign-in to offer.
`.streamlit/secrets.toml.example` lists every key."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

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


def secrets_path() -> Path:
    """The secrets.toml in force: $BILLING_SECRETS_FILE, else .streamlit/secrets.toml."""
    named = os.environ.get(SECRETS_ENV, "").strip()
    return Path(named) if named else SECRETS_PATH


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """The parsed secrets.toml ({} when there is none)."""
    path = secrets_path() if path is None else path
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


class _SecretsToml(PydanticBaseSettingsSource):
    """secrets.toml's top-level keys, matched to fields by their (upper-case) names."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = {str(k).lower(): v for k, v in values.items() if not isinstance(v, dict)}

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ is used
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Every setting the sign-in, the roles' thresholds and SMTP read."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # Sign-in
    auth_demo_mode: str = Field("auto", pattern="^(auto|true|false|1|0|yes|no)$")
    auth_oidc_provider: str = ""  # the [auth.NAME] section to use; "" = the [auth] section
    auth_oidc_default_roles: str = ""  # roles of an IdP user with no account row ("" = none)
    auth_max_failed_logins: int = Field(5, ge=1)  # then the account is locked (admin resets)
    # Four-eyes thresholds (amounts in the invoice's or charge's currency)
    four_eyes_invoice_above: Decimal = Decimal("5000.00")
    four_eyes_waiver_above: Decimal = Decimal("100.00")
    four_eyes_write_off_above: Decimal = Decimal("500.00")
    # Reminders by SMTP (billing/ar/senders.py)
    ar_smtp_host: str = ""
    ar_smtp_port: str = ""  # 587 when empty
    ar_smtp_user: str = ""
    ar_smtp_password: str = ""
    ar_smtp_starttls: str = ""  # true when empty
    ar_smtp_ca_file: str = ""

    @property
    def demo_mode_flag(self) -> bool | None:
        """True / False when set, None for "auto" (demo when nothing is configured)."""
        value = self.auth_demo_mode.lower()
        return None if value == "auto" else value in ("true", "1", "yes")


def load(environ: Mapping[str, str] | None = None, secrets: Path | None = None) -> Settings:
    """The settings now (read on every call: a changed secrets.toml counts at the next run)."""
    values = read_secrets(secrets)
    env = os.environ if environ is None else environ

    class _Once(Settings):
        @classmethod
        def settings_customise_sources(cls, settings_cls, *_args, **_kwargs):
            fields = settings_cls.model_fields
            from_env = {k.lower(): v for k, v in env.items() if k.lower() in fields and v != ""}
            return (_Fixed(settings_cls, from_env), _SecretsToml(settings_cls, values))

    return _Once()


class _Fixed(PydanticBaseSettingsSource):
    def __init__(self, settings_cls, values: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = values

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ is used
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


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
