"""Each role is refused, on the server side, every write it lacks: the write functions check
the identity bound by the app (app_auth.guard) before they touch the warehouse."""

from __future__ import annotations

from datetime import date

import pytest

from app_auth.guard import NotAllowed, acting_as, enforce_sign_in, require
from app_auth.roles import ROLES, Identity
from billing import store
from billing.ar import late_fees, reminders, review, sync
from billing.ar.senders import OutboxSender
from exception_queue import findings
from rules import engine
from rules.classify import apply as classify_apply
from rules.classify import review as classify_review
from tests.billing.test_store import MARCH, firm

# Every write the app makes, with the permission it needs. The arguments need not be valid:
# the check comes first, so a refusal is the only thing that can happen.
WRITES = {
    "save drafts": ("edit_drafts", lambda con, a: store.save_drafts(con, MARCH, a)),
    "edit a line": ("edit_drafts", lambda con, a: store.edit_line_description(con, 1, 1, "x", a)),
    "exclude a line": ("edit_drafts", lambda con, a: store.exclude_line(con, 1, 1, "why", a)),
    "approve": ("approve_invoices", lambda con, a: store.approve_draft(con, 1, a)),
    "void": ("void_invoices", lambda con, a: store.void_draft(con, 1, a, "why")),
    "decide": ("decide_exceptions", lambda con, a: findings.decide(con, ["x"], "approve", a)),
    "refresh billing checks": (
        "decide_exceptions",
        lambda con, a: findings.sync_billing_exceptions(con, MARCH, a),
    ),
    "run the rules": ("decide_exceptions", lambda con, a: engine.run_rules(con, actor=a)),
    "accept a suggestion": (
        "decide_exceptions",
        lambda con, a: classify_apply.accept(con, ["x"], a),
    ),
    "undo a suggestion": ("decide_exceptions", lambda con, a: classify_apply.undo(con, ["x"], a)),
    "classify": ("decide_exceptions", lambda con, a: classify_review.classify_from_app(con, a)),
    "note": ("ar_notes", lambda con, a: review.save_note(con, "I-1", a, note="n")),
    "accrue late fees": (
        "late_fees",
        lambda con, a: late_fees.accrue_late_fees(con, date(2026, 4, 1), a),
    ),
    "post late fees": ("late_fees", lambda con, a: late_fees.post_late_fees(con, [1], a)),
    "waive late fees": ("late_fees", lambda con, a: late_fees.waive_late_fees(con, [1], a, "why")),
    "send reminders": (
        "send_reminders",
        lambda con, a: reminders.send_reminders(
            con, date(2026, 4, 1), OutboxSender("/nonexistent"), a
        ),
    ),
    "allocate a payment": (
        "ar_payments",
        lambda con, a: sync.allocate_payment(con, "P-1", {"I-1": "1"}, a),
    ),
    "accept an allocation": ("ar_payments", lambda con, a: sync.accept_suggestion(con, "P-1", a)),
    "re-match payments": ("ar_payments", lambda con, a: sync.sync_receivables(con, a)),
}

# By hand from the issue: which role may do which of the writes above.
ALLOWED = {
    "leadership": set(),
    "operations": {
        "save drafts",
        "edit a line",
        "exclude a line",
        "decide",
        "refresh billing checks",
        "run the rules",
        "accept a suggestion",
        "undo a suggestion",
        "classify",
    },
    "billing_approver": {"approve", "void"},
    "ar": {
        "note",
        "accrue late fees",
        "post late fees",
        "waive late fees",
        "send reminders",
        "allocate a payment",
        "accept an allocation",
        "re-match payments",
    },
    "admin": set(),
}
REFUSED = [(role, write) for role in ROLES for write in WRITES if write not in ALLOWED[role]]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from warehouse.db import connect

    folder = tmp_path_factory.mktemp("roles")
    con = connect(folder / "warehouse.duckdb")
    firm(con, folder)
    yield con
    con.close()


def fingerprint(con) -> tuple:
    return con.execute(
        "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM invoice_drafts), "
        "(SELECT count(*) FROM exceptions), (SELECT count(*) FROM late_fee_charges)"
    ).fetchall()[0]


@pytest.mark.parametrize(("role", "write"), REFUSED, ids=[f"{r}-{w}" for r, w in REFUSED])
def test_a_role_is_refused_each_write_it_lacks(warehouse, role, write):
    _permission, call = WRITES[write]
    person = Identity("Pat", (role,), "local", "pat")
    before = fingerprint(warehouse)
    with (
        acting_as(person),
        pytest.raises(NotAllowed, match=r"^Pat \(.*\) may not .*needs the role"),
    ):
        call(warehouse, "Pat")
    assert fingerprint(warehouse) == before


def test_the_table_above_is_the_roles_file():
    """The hand-written table agrees with app_auth/roles.py (a change there shows up here)."""
    for role, allowed in ALLOWED.items():
        assert {w for w, (perm, _) in WRITES.items() if perm in ROLES[role]} == allowed


def test_a_write_under_another_name_is_refused():
    pat = Identity("Pat", ("operations",), "local", "pat")
    with acting_as(pat), pytest.raises(NotAllowed, match="under the name 'Dana'"):
        require("edit_drafts", "Dana")


def test_in_the_app_a_write_with_nobody_signed_in_is_refused_on_the_cli_it_is_not():
    import contextvars

    def in_app():
        enforce_sign_in()
        with pytest.raises(NotAllowed, match="sign in first"):
            require("edit_drafts", "Dana")

    contextvars.copy_context().run(in_app)
    assert require("edit_drafts", "cli:dana") is None  # the command line binds nobody
