"""The people who may sign in (table app_users, migration 013): local accounts with argon2
password hashes, and people of the firm's OpenID Connect provider matched by email. Every
change is audited; so is every sign-in and failed sign-in."""

from __future__ import annotations

from typing import Any

import duckdb

from app_auth import audit, passwords
from app_auth.roles import Identity, parse_roles
from warehouse.db import transaction

USER_SQL = "SELECT * FROM app_users WHERE username = ?"
EMAIL_SQL = "SELECT * FROM app_users WHERE lower(email) = lower(?)"
FAILED_TEXT = "Wrong user name or password."
LOCKED_TEXT = "This account is locked after too many failed sign-ins; an admin can reset it."


def _row(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict[str, Any] | None:
    cur = con.execute(sql, params)
    rows = cur.fetchall()
    if not rows:
        return None
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "display_name": row["display_name"],
        "email": row["email"],
        "roles": list(row["roles"]),
        "disabled": row["disabled"],
    }


def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether anyone may sign in (an enabled account exists)."""
    return bool(con.execute("SELECT count(*) FROM app_users WHERE NOT disabled").fetchall()[0][0])


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute(
        "SELECT username, display_name, email, roles, disabled, failed_logins, "
        "password_hash IS NOT NULL AS local FROM app_users ORDER BY username"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def add_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    roles: str | list[str],
    actor: str,
    *,
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> None:
    """A new account: a password makes it a local account; an email lets the IdP's person with
    that email in. Needs one of the two."""
    username = username.strip().lower()
    if not username:
        raise ValueError("a user name is required")
    if not password and not email:
        raise ValueError("give a password (local account) or an email (sign-in via the IdP)")
    parsed = parse_roles(roles)
    if not parsed:
        raise ValueError("give at least one role")
    hashed = passwords.hash_password(password) if password else None
    with transaction(con):
        if _row(con, USER_SQL, [username]):
            raise ValueError(f"user {username!r} exists already")
        if email and _row(con, EMAIL_SQL, [email]):
            raise ValueError(f"another user has the email {email!r}")
        con.execute(
            "INSERT INTO app_users VALUES (?, ?, ?, ?, ?, false, 0, now(), now())",
            [username, (display_name or username).strip(), email, list(parsed), hashed],
        ).fetchall()
        after = {
            "display_name": (display_name or username).strip(),
            "email": email,
            "roles": list(parsed),
            "local_password": bool(hashed),
        }
        audit.record(con, actor, "user_added", "user", username, after=after)


def _existing(con, username: str) -> dict[str, Any]:
    row = _row(con, USER_SQL, [username.strip().lower()])
    if row is None:
        raise ValueError(f"there is no user {username!r}")
    return row


def reset_password(
    con: duckdb.DuckDBPyConnection, username: str, password: str, actor: str
) -> None:
    """A new password; also unlocks an account locked by failed sign-ins."""
    hashed = passwords.hash_password(password)
    with transaction(con):
        row = _existing(con, username)
        con.execute(
            "UPDATE app_users SET password_hash = ?, failed_logins = 0, disabled = false, "
            "updated_at = now() WHERE username = ?",
            [hashed, row["username"]],
        ).fetchall()
        audit.record(
            con,
            actor,
            "password_reset",
            "user",
            row["username"],
            {"failed_logins": row["failed_logins"]},
            {"failed_logins": 0},
        )


def change_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    actor: str,
    *,
    roles: str | list[str] | None = None,
    display_name: str | None = None,
    email: str | None = None,
    disabled: bool | None = None,
) -> None:
    """Changes roles, name, email or disabled; audited with before and after."""
    with transaction(con):
        row = _existing(con, username)
        before = _public(row)
        after = dict(before)
        if roles is not None:
            after["roles"] = list(parse_roles(roles))
            if not after["roles"]:
                raise ValueError("give at least one role")
        if display_name is not None:
            after["display_name"] = display_name.strip()
        if email is not None:
            after["email"] = email.strip() or None
        if disabled is not None:
            after["disabled"] = disabled
        con.execute(
            "UPDATE app_users SET display_name = ?, email = ?, roles = ?, disabled = ?, "
            "updated_at = now() WHERE username = ?",
            [
                after["display_name"],
                after["email"],
                after["roles"],
                after["disabled"],
                row["username"],
            ],
        ).fetchall()
        action = "user_disabled" if disabled and not row["disabled"] else "user_changed"
        audit.record(con, actor, action, "user", row["username"], before, after)


def authenticate(
    con: duckdb.DuckDBPyConnection, username: str, password: str, max_failed: int
) -> Identity:
    """The Identity of a local account whose password matches; ValueError (one line for the
    sign-in form) otherwise. Both outcomes are audited; `max_failed` failures in a row lock
    the account until an admin resets its password."""
    name = username.strip().lower()
    with transaction(con):
        row = _row(con, USER_SQL, [name])
        ok = passwords.verify(row["password_hash"] if row else None, password)
        if row is None or not ok or row["disabled"] or row["failed_logins"] >= max_failed:
            locked = row is not None and row["failed_logins"] >= max_failed
            why = (
                "locked"
                if locked
                else "disabled"
                if row and row["disabled"]
                else "no such user"
                if row is None
                else "wrong password"
            )
            if row is not None and not ok:
                con.execute(
                    "UPDATE app_users SET failed_logins = failed_logins + 1 WHERE username = ?",
                    [name],
                ).fetchall()
            audit.record(
                con, name or "(blank)", "login_failed", "session", name or "(blank)", reason=why
            )
            failed = row is not None and not ok and row["failed_logins"] + 1 >= max_failed
            raise_text = LOCKED_TEXT if locked or failed else FAILED_TEXT
        else:
            con.execute(
                "UPDATE app_users SET failed_logins = 0 WHERE username = ?", [name]
            ).fetchall()
            identity = Identity(row["display_name"], tuple(row["roles"]), "local", name)
            audit.record(
                con,
                identity.name,
                "login",
                "session",
                name,
                after={"via": "password", "roles": list(identity.roles)},
            )
            return identity
    raise ValueError(raise_text)


def identity_for_claims(
    con: duckdb.DuckDBPyConnection, claims: dict[str, Any], default_roles: str = ""
) -> Identity | None:
    """The Identity of a person the IdP signed in (st.user's claims): the account with that
    email, else `default_roles` when set (AUTH_OIDC_DEFAULT_ROLES), else None (refused: the IdP
    knows them, this app does not). The email must be verified when the IdP says so."""
    email = str(claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is False:
        return None
    row = _row(con, EMAIL_SQL, [email])
    if row is not None:
        if row["disabled"]:
            return None
        return Identity(row["display_name"], tuple(row["roles"]), "oidc", row["username"])
    roles = parse_roles(default_roles) if default_roles.strip() else ()
    if not roles:
        return None
    name = str(claims.get("name") or email)
    return Identity(name, roles, "oidc", email.lower())


def record_oidc_login(
    con: duckdb.DuckDBPyConnection, identity: Identity | None, claims: dict[str, Any]
) -> None:
    """The audit row of an IdP sign-in, or of one refused because no account matches."""
    email = str(claims.get("email") or "(no email)")
    with transaction(con):
        if identity is None:
            audit.record(
                con,
                email,
                "login_failed",
                "session",
                email,
                reason="signed in at the identity provider, but no account here",
            )
        else:
            audit.record(
                con,
                identity.name,
                "login",
                "session",
                identity.username,
                after={"via": "oidc", "roles": list(identity.roles), "issuer": claims.get("iss")},
            )
