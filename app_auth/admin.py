"""What the Admin page changes besides accounts: the settings an admin may edit (EDITABLE in
core/settings.py: four-eyes thresholds, sign-in policy), kept in the warehouse's app_settings
table. Each change is checked as the settings module would read it (a threshold must be an
amount), needs the change_settings permission on the server side, and is audited with the value
before and after."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from pydantic import ValidationError

from app_auth import audit, guard, settings
from warehouse.db import transaction

UPSERT_SQL = """
INSERT INTO app_settings VALUES (?, ?, ?, now())
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
    updated_at = excluded.updated_at
"""
DELETE_SQL = "DELETE FROM app_settings WHERE key = ?"
LABELS = {
    "FOUR_EYES_INVOICE_ABOVE": "Invoice approval needs a second person above",
    "FOUR_EYES_WAIVER_ABOVE": "Late-fee waiver needs a second person above",
    "FOUR_EYES_WRITE_OFF_ABOVE": "Write-off needs a second person above",
    "AUTH_MAX_FAILED_LOGINS": "Failed sign-ins before an account locks",
    "AUTH_OIDC_DEFAULT_ROLES": "Roles of an identity-provider user with no account",
}


@dataclass(frozen=True)
class SettingRow:
    key: str
    label: str
    value: str
    source: str  # environment | admin page | secrets.toml | default


def editable_settings(con: duckdb.DuckDBPyConnection) -> list[SettingRow]:
    """Each editable setting with its value in force and where that value comes from."""
    now = settings.effective(con)
    return [
        SettingRow(key, LABELS[key], str(getattr(now, key.lower())), settings.source_of(key, con))
        for key in settings.EDITABLE
    ]


def change_setting(
    con: duckdb.DuckDBPyConnection, key: str, value: str, actor: str
) -> settings.Settings:
    """Keeps `value` for `key` in app_settings (an empty value drops the admin's change: the
    secrets.toml value or the default counts again). Refused for a key that is not EDITABLE,
    one the environment sets (it would win anyway), or a value the settings module rejects."""
    guard.require("change_settings", actor)
    key = key.strip().upper()
    if key not in settings.EDITABLE:
        raise ValueError(
            f"{key} cannot be changed here: it is not one of {', '.join(settings.EDITABLE)}"
        )
    value = value.strip()
    with transaction(con):
        if settings.source_of(key, con) == "environment":
            raise ValueError(f"{key} is set in the environment, which wins: change it there")
        stored = settings.stored_values(con)
        before = getattr(settings.effective(con), key.lower())
        trial = {k: v for k, v in stored.items() if k != key} | ({key: value} if value else {})
        try:
            after = getattr(settings.load(stored=trial), key.lower())
        except ValidationError as err:
            detail = err.errors()[0]["msg"]
            raise ValueError(f"{key} = {value!r}: {detail}") from None
        if value:
            con.execute(UPSERT_SQL, [key, value, actor]).fetchall()
        else:
            con.execute(DELETE_SQL, [key]).fetchall()
        audit.record(
            con,
            actor,
            "setting_changed",
            "setting",
            key,
            {key.lower(): before},
            {key.lower(): after},
        )
    return settings.effective(con)
