"""From the identity provider's claims (st.user) to the app's person and roles. The whole
st.login round trip against a local fake provider is tests/browser/test_sign_in_browser.py."""

from __future__ import annotations

from app_auth import accounts
from app_auth.roles import Identity

LEE = {
    "iss": "http://idp.test",
    "email": "Lee@Firm.example",
    "email_verified": True,
    "name": "Lee P.",
}


def add_lee(con, **kw) -> None:
    accounts.add_user(
        con,
        "lee",
        "leadership,ar",
        "cli:root",
        display_name="Lee Park",
        email="lee@firm.example",
        **kw,
    )


def test_the_account_with_the_same_email_gives_name_and_roles(con):
    add_lee(con)
    assert accounts.identity_for_claims(con, LEE) == Identity(
        "Lee Park", ("ar", "leadership"), "oidc", "lee"
    )


def test_an_unverified_or_missing_email_is_refused(con):
    add_lee(con)
    assert accounts.identity_for_claims(con, {**LEE, "email_verified": False}) is None
    assert accounts.identity_for_claims(con, {"iss": "x", "name": "No Mail"}) is None


def test_a_disabled_account_is_refused(con):
    add_lee(con)
    accounts.change_user(con, "lee", "cli:root", disabled=True)
    assert accounts.identity_for_claims(con, LEE) is None


def test_someone_without_an_account_gets_the_default_roles_or_nothing(con):
    stranger = {"email": "kim@firm.example", "name": "Kim"}
    assert accounts.identity_for_claims(con, stranger) is None
    assert accounts.identity_for_claims(con, stranger, "leadership") == Identity(
        "Kim", ("leadership",), "oidc", "kim@firm.example"
    )


def test_sign_ins_and_refusals_are_audited(con):
    add_lee(con)
    accounts.record_oidc_login(con, accounts.identity_for_claims(con, LEE), LEE)
    accounts.record_oidc_login(con, None, {"email": "kim@firm.example"})
    rows = con.execute(
        "SELECT actor, action, object_id, after->>'via', after->>'issuer', reason FROM audit_log "
        "WHERE object_type = 'session' ORDER BY audit_id"
    ).fetchall()
    assert rows == [
        ("Lee Park", "login", "lee", "oidc", "http://idp.test", None),
        (
            "kim@firm.example",
            "login_failed",
            "kim@firm.example",
            None,
            None,
            "signed in at the identity provider, but no account here",
        ),
    ]
