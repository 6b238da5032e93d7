"""Audit rows for the writes app_auth adds (sign-ins, users, imports, syncs, accruals, settings)
and the readable form of any audit row's before/after for the audit page.

Rows go into the same audit_log as the billing writes (billing/store.py), so one table says
who did what, signed in how."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

INSERT_SQL = (
    "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), now(), ?, ?, ?, ?, "
    "CAST(? AS JSON), CAST(? AS JSON), ?)"
)
LOG_SQL = """
SELECT audit_id, logged_at, actor, action, object_type, object_id, before, after, reason
FROM audit_log
WHERE ($actor::VARCHAR IS NULL OR actor = $actor) AND ($action::VARCHAR IS NULL OR action = $action)
ORDER BY audit_id DESC
LIMIT $limit
"""
ACTION_LABELS = {
    "login": "signed in",
    "login_failed": "failed sign-in",
    "logout": "signed out",
    "user_added": "added a user",
    "user_changed": "changed a user",
    "password_reset": "reset a password",
    "user_disabled": "disabled a user",
    "import": "imported data",
    "sync": "synced",
    "late_fees_accrued": "accrued late fees",
    "setting_changed": "changed a setting",
    "second_approval_requested": "asked a second person",
}


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> None:
    """One audit_log row (inside the caller's transaction, when there is one)."""
    con.execute(
        INSERT_SQL,
        [
            actor,
            action,
            object_type,
            str(object_id),
            None if before is None else json.dumps(before, default=str),
            None if after is None else json.dumps(after, default=str),
            reason,
        ],
    ).fetchall()


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in value.items())
    if isinstance(value, (float, Decimal)):
        return str(value)
    return str(value)


def _parsed(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def describe_change(before: Any, after: Any) -> str:
    """'total: 1,200.00 → 1,000.00; status: draft → approved' from a row's JSON before/after;
    only the fields that changed when both sides have them, else what is there."""
    before, after = _parsed(before), _parsed(after)
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in after if before.get(k) != after.get(k)]
        keys += [k for k in before if k not in after]
        parts = [
            f"{k.replace('_', ' ')}: {_value(before.get(k))} → {_value(after.get(k))}" for k in keys
        ]
        return "; ".join(parts) or "no change"
    if isinstance(after, dict):
        return _value(after)
    if isinstance(before, dict):
        return f"was {_value(before)}"
    return _value(after if after is not None else before) if (after or before) else ""


def action_label(action: str) -> str:
    """'draft_approved' -> 'draft approved' (known app_auth actions get their own words)."""
    return ACTION_LABELS.get(action, action.replace("_", " "))


def readable_log(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> pl.DataFrame:
    """The audit log as people read it, newest first: when, who, what they did (in words), to
    what, the change ('status: draft → approved') and why."""
    params = {"actor": actor, "action": action, "limit": limit}
    rows = con.execute(LOG_SQL, params).fetchall()
    return pl.DataFrame(
        [
            {
                "when": r[1],
                "who": r[2],
                "did": action_label(r[3]),
                "what": f"{r[4].replace('_', ' ')} {r[5]}",
                "change": describe_change(r[6], r[7]),
                "why": r[8],
            }
            for r in rows
        ],
        schema={
            "when": pl.Datetime(time_zone="UTC"),
            "who": pl.String,
            "did": pl.String,
            "what": pl.String,
            "change": pl.String,
            "why": pl.String,
        },
    )


def actors(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Everyone the log names, for the page's filter."""
    return [r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY 1").fetchall()]
