"""The sign-in as the app shows it: who is signed in (kept in session state, on the server),
the sign-in page, and the demo identity.

Which sign-in is offered:
- OpenID Connect (st.login) when secrets.toml has an [auth] section; the IdP's person gets the
  roles of the app_users row with the same email (or AUTH_OIDC_DEFAULT_ROLES).
- Local accounts (user name + password, argon2 hashes) when app_users has any.
- Demo mode (no sign-in; "Demo user" with every role, labelled on every page) when
  AUTH_DEMO_MODE=true, or when it is "auto" (the default) and neither of the above is set up:
  `make run` on the demo firm opens without setup; adding the first account ends it."""

from __future__ import annotations

import streamlit as st

from app_auth import accounts, audit, settings
from app_auth.roles import ROLES, Identity
from warehouse.db import transaction
from warehouse.sessions import WarehouseBusy, read_only, read_write

IDENTITY_KEY = "identity"
DEMO = Identity("Demo user", tuple(ROLES), "demo", "demo")
DEMO_TEXT = (
    "**Demo mode** — no sign-in: everyone is *Demo user* with every role. "
    "Add an account (`python -m app_auth users add`) or configure `[auth]` in "
    "`.streamlit/secrets.toml` to require sign-in."
)
NO_WAY_TEXT = (
    "Nobody can sign in yet: add an account with `python -m app_auth users add NAME --role "
    "admin`, or configure an OpenID Connect provider (`[auth]` in `.streamlit/secrets.toml`)."
)


def current_identity() -> Identity | None:
    value = st.session_state.get(IDENTITY_KEY)
    return value if isinstance(value, Identity) else None


def _has_accounts() -> bool:
    try:
        with read_only() as con:
            return accounts.has_accounts(con)
    except WarehouseBusy:  # cannot tell: offer the form (never fall into demo mode on it)
        st.session_state["sign_in_busy"] = True
        return True


def demo_mode() -> bool:
    """Whether this run signs everyone in as the demo identity."""
    flag = settings.load().demo_mode_flag
    if flag is not None:
        return flag
    return not settings.oidc_configured() and not _has_accounts()


def resolve() -> Identity | None:
    """The signed-in identity, signing in the demo identity or the IdP's person first when
    that applies. None: show the sign-in page."""
    identity = current_identity()
    if identity is not None:
        return identity
    if settings.oidc_configured() and st.user.is_logged_in:
        claims = st.user.to_dict()
        with read_write() as con:
            identity = accounts.identity_for_claims(
                con, claims, settings.load().auth_oidc_default_roles
            )
            accounts.record_oidc_login(con, identity, claims)
        if identity is None:
            st.session_state["oidc_refused"] = str(claims.get("email") or "this account")
            return None
    elif demo_mode():
        identity = DEMO
    if identity is not None:
        st.session_state[IDENTITY_KEY] = identity
    return identity


def sidebar(identity: Identity) -> None:
    """Who is signed in, with the way to sign out; the demo label in demo mode."""
    with st.sidebar:
        if identity.source == "demo":
            st.warning(DEMO_TEXT, icon=":material/science:")
        st.caption(f"Signed in as **{identity.name}** · {identity.roles_text}")
        if identity.source != "demo" and st.button(
            "Sign out", icon=":material/logout:", type="tertiary"
        ):
            sign_out(identity)


def sign_out(identity: Identity) -> None:
    with read_write() as con, transaction(con):
        audit.record(con, identity.name, "logout", "session", identity.username or identity.name)
    del st.session_state[IDENTITY_KEY]
    if identity.source == "oidc":
        st.logout()
    st.rerun()


def sign_in_page() -> None:
    """The page shown instead of any other until someone signs in."""
    st.title("Sign in")
    st.caption("Billing ops records every decision, approval and send under your name.")
    local = _has_accounts()
    if st.session_state.pop("sign_in_busy", False):
        st.warning(
            "The warehouse is busy (an import or another write is running): sign-in "
            "needs it. Try again in a moment.",
            icon=":material/hourglass_top:",
        )
    refused = st.session_state.pop("oidc_refused", None)
    if refused:
        st.error(
            f"{refused} signed in at the identity provider, but has no account here. "
            "Ask an admin to add you.",
            icon=":material/block:",
        )
        if st.button("Sign out of the identity provider"):
            st.logout()
    offered = False
    if settings.oidc_configured():
        offered = True
        provider = settings.load().auth_oidc_provider.strip() or None
        label = f"Sign in with {provider.title()}" if provider else "Sign in with your firm account"
        if st.button(label, icon=":material/key:", type="primary"):
            st.login(provider) if provider else st.login()
    if local:
        offered = True
        with st.form("sign_in"):
            username = st.text_input("User name", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            if st.form_submit_button("Sign in", icon=":material/login:"):
                _password_sign_in(username, password)
    if not offered:
        st.info(NO_WAY_TEXT, icon=":material/person_off:")


def _password_sign_in(username: str, password: str) -> None:
    try:
        with read_write() as con:
            identity = accounts.authenticate(
                con, username, password, settings.load().auth_max_failed_logins
            )
    except ValueError as refused:
        st.error(str(refused), icon=":material/block:")
        return
    st.session_state[IDENTITY_KEY] = identity
    st.rerun()
