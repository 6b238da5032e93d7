"""Connector settings and credentials: the environment wins, then `.streamlit/secrets.toml`
(top-level keys, e.g. `HARVEST_ACCESS_TOKEN`), never the repo. A missing key is one line that
names the key and both places to put it."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core import settings as app_settings
from etl.sync.http import CredentialError

ROOT = Path(__file__).resolve().parents[2]
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


@dataclass(frozen=True)
class Settings:
    """The merged settings one sync run sees."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        value = self.values.get(key)
        return value if value not in (None, "") else default

    def require(self, source: str, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise CredentialError(
                f"{source}: {key} is not set (environment or .streamlit/secrets.toml)"
            )
        return value

    def has(self, *keys: str) -> bool:
        return all(self.get(k) is not None for k in keys)


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = None
) -> Settings:
    """secrets.toml's top-level string/number values, overridden by the environment (read
    through the one settings module, core.settings)."""
    path = app_settings.in_force(SECRETS_PATH) if secrets_path is None else secrets_path
    try:
        return Settings(app_settings.raw_values(environ, path))
    except tomllib.TOMLDecodeError as err:
        raise CredentialError(f"{path}: not valid TOML: {err}") from None
