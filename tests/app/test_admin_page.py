"""The Admin page (AppTest on the demo firm): closed to every role but admin, on the server;
an admin adds a person, changes a role, disables an account and changes a four-eyes threshold,
each change landing in the warehouse and in the audit log with before and after."""

from __future__ import annotations

import json

import pytest

from app_auth import accounts
from tests.support.app_pages import button, open_page, query
from warehouse.db import connect

ADMIN = ("admin",)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


@pytest.mark.parametrize(
    ("roles", "text"),
    [
        (("leadership",), "Lea (Leadership)"),
        (("operations",), "Lea (Operations)"),
        (("billing_approver",), "Lea (Billing approver)"),
        (("ar",), "Lea (AR)"),
        (
            ("operations", "ar", "billing_approver", "leadership"),
            "Lea (Operations, AR, Billing approver, Leadership)",
        ),
    ],
)
def test_every_role_but_admin_is_refused_the_page(monkeypatch, demo_db, roles, text):
    at = open_page(monkeypatch, demo_db, "pages/admin.py", user="Lea", roles=roles)
    [refusal] = errors(at)
    assert refusal.startswith(text)
    assert refusal.endswith("may not manage users and roles: it needs the role Admin.")
    assert not [b for b in at.button if b.label in ("Add person", "Save setting")]
    assert not at.dataframe  # nobody's account is shown either


def test_an_admin_adds_a_person_and_the_audit_log_says_who(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "pages/admin.py", user="Ada", roles=ADMIN)
    assert not errors(at)
    by_label(at.text_input, "User name").set_value("Dana")
    by_label(at.text_input, "Name").set_value("Dana Ortiz")
    by_label(at.text_input, "Password").set_value("correct horse battery")
    by_label(at.multiselect, "Roles").set_value(["operations", "ar"])
    button(at, "Add person").click().run()
    assert not errors(at)
    assert query(
        demo_db, "SELECT username, display_name, roles, password_hash IS NOT NULL FROM app_users"
    ) == [("dana", "Dana Ortiz", ["ar", "operations"], True)]
    [(actor, after)] = query(
        demo_db, "SELECT actor, after FROM audit_log WHERE action = 'user_added'"
    )
    assert actor == "Ada"
    assert json.loads(after) == {
        "display_name": "Dana Ortiz",
        "email": None,
        "roles": ["ar", "operations"],
        "local_password": True,
    }


def _with_dana(db) -> None:
    con = connect(db)
    try:
        accounts.add_user(
            con,
            "dana",
            "operations",
            "test-setup",
            display_name="Dana Ortiz",
            password="correct horse battery",
        )
    finally:
        con.close()


def test_an_admin_changes_a_role_then_disables_the_account(monkeypatch, demo_db):
    _with_dana(demo_db)
    at = open_page(monkeypatch, demo_db, "pages/admin.py", user="Ada", roles=ADMIN)
    by_label(at.selectbox, "Person").set_value("dana").run()
    roles = [m for m in at.multiselect if m.label == "Roles"][-1]  # the change form's
    roles.set_value(["billing_approver"])
    button(at, "Save roles").click().run()
    assert not errors(at)
    button(at, "Disable account").click().run()
    assert not errors(at)
    assert query(demo_db, "SELECT roles, disabled FROM app_users") == [(["billing_approver"], True)]
    found = query(
        demo_db,
        "SELECT actor, action, before->>'roles', after->>'roles', "
        "after->>'disabled' FROM audit_log WHERE object_type = 'user' "
        "AND actor = 'Ada' ORDER BY audit_id",
    )
    assert found == [
        ("Ada", "user_changed", '["operations"]', '["billing_approver"]', "false"),
        ("Ada", "user_disabled", '["billing_approver"]', '["billing_approver"]', "true"),
    ]


def test_an_admin_changes_a_four_eyes_threshold(monkeypatch, demo_db):
    monkeypatch.delenv("FOUR_EYES_WAIVER_ABOVE", raising=False)
    at = open_page(monkeypatch, demo_db, "pages/admin.py", user="Ada", roles=ADMIN)
    by_label(at.selectbox, "Setting").set_value("FOUR_EYES_WAIVER_ABOVE")
    by_label(at.text_input, "New value").set_value("250.00")
    button(at, "Save setting").click().run()
    assert not errors(at)
    assert query(demo_db, "SELECT key, value, updated_by FROM app_settings") == [
        ("FOUR_EYES_WAIVER_ABOVE", "250.00", "Ada")
    ]
    [(before, after)] = query(
        demo_db, "SELECT before, after FROM audit_log WHERE action = 'setting_changed'"
    )
    # the default waiver threshold is 100.00 (core/settings.py)
    assert json.loads(before) == {"four_eyes_waiver_above": "100.00"}
    assert json.loads(after) == {"four_eyes_waiver_above": "250.00"}
    shown = at.dataframe[1].value  # the settings table (pandas in AppTest)
    row = shown[shown["key"] == "FOUR_EYES_WAIVER_ABOVE"].iloc[0]
    assert (row["value"], row["from"]) == ("250.00", "admin page")


def test_a_value_the_settings_module_rejects_is_refused(monkeypatch, demo_db):
    monkeypatch.delenv("FOUR_EYES_WAIVER_ABOVE", raising=False)
    at = open_page(monkeypatch, demo_db, "pages/admin.py", user="Ada", roles=ADMIN)
    by_label(at.selectbox, "Setting").set_value("FOUR_EYES_WAIVER_ABOVE")
    by_label(at.text_input, "New value").set_value("a lot")
    button(at, "Save setting").click().run()
    [refusal] = errors(at)
    assert refusal.startswith("FOUR_EYES_WAIVER_ABOVE = 'a lot': ")
    assert query(demo_db, "SELECT count(*) FROM app_settings") == [(0,)]
    assert query(demo_db, "SELECT count(*) FROM audit_log WHERE action = 'setting_changed'") == [
        (0,)
    ]
