"""Four-eyes: an invoice above the limit is approved by someone who neither drafted nor edited
it; a late-fee waiver above the limit takes two different people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from app_auth.guard import NotAllowed, acting_as
from app_auth.roles import Identity
from billing.ar.late_fees import accrue_late_fees, charges, waive_late_fees
from billing.store import approve_draft, edit_line_description, list_drafts, save_drafts
from tests.billing.ar_firm import build_ar_firm
from tests.billing.test_ar_late_fees import INVOICES as FEE_INVOICES
from tests.billing.test_ar_late_fees import PAYMENTS as FEE_PAYMENTS
from tests.billing.test_store import MARCH, firm

# Dana drafts and approves; Lee approves; Kim edits. All hold both roles, so only four-eyes
# can refuse them.
DANA = Identity("Dana", ("billing_approver", "operations"), "local", "dana")
LEE = Identity("Lee", ("billing_approver", "operations"), "local", "lee")
KIM = Identity("Kim", ("billing_approver", "operations"), "local", "kim")
AR_1 = Identity("Ari", ("ar",), "local", "ari")
AR_2 = Identity("Bo", ("ar",), "local", "bo")


def draft_ids(con) -> dict[str, int]:
    return {r["contract_id"]: r["draft_id"] for r in list_drafts(con, MARCH).to_dicts()}


@pytest.fixture
def drafted(con, tmp_path, monkeypatch):
    """The test firm's March drafts saved by Dana: C-1 totals 540.00, C-2 1768.73
    (tests/billing/test_store.py works them out); the limit is 1000.00."""
    monkeypatch.setenv("FOUR_EYES_INVOICE_ABOVE", "1000.00")
    firm(con, tmp_path)
    with acting_as(DANA):
        save_drafts(con, MARCH, "Dana")
    return draft_ids(con)


def status(con, draft_id: int) -> tuple:
    return con.execute(
        "SELECT status, approved_by FROM invoice_drafts WHERE draft_id = ?", [draft_id]
    ).fetchall()[0]


def test_the_drafter_cannot_approve_above_the_limit_but_can_below(con, drafted):
    with acting_as(DANA), pytest.raises(NotAllowed, match="above the four-eyes limit of 1,000.00"):
        approve_draft(con, drafted["C-2"], "Dana", issue_date=date(2026, 4, 1))
    assert status(con, drafted["C-2"]) == ("draft", None)  # nothing written
    with acting_as(DANA):  # 540.00 is below the limit: one person is enough
        approve_draft(con, drafted["C-1"], "Dana", issue_date=date(2026, 4, 1))
    assert status(con, drafted["C-1"]) == ("approved", "Dana")
    with acting_as(LEE):
        approve_draft(con, drafted["C-2"], "Lee", issue_date=date(2026, 4, 1))
    assert status(con, drafted["C-2"]) == ("approved", "Lee")


def test_an_editor_cannot_approve_what_they_edited(con, drafted):
    with acting_as(KIM):
        edit_line_description(con, drafted["C-2"], 1, "Portal work, March", "Kim")
    with acting_as(KIM), pytest.raises(NotAllowed, match=r"neither drafted nor edited it \(Kim"):
        approve_draft(con, drafted["C-2"], "Kim", issue_date=date(2026, 4, 1))
    with acting_as(LEE):
        approve_draft(con, drafted["C-2"], "Lee", issue_date=date(2026, 4, 1))
    assert status(con, drafted["C-2"]) == ("approved", "Lee")


def test_the_limit_is_configurable(con, drafted, monkeypatch):
    monkeypatch.setenv("FOUR_EYES_INVOICE_ABOVE", "2000.00")  # 1768.73 is now below it
    with acting_as(DANA):
        approve_draft(con, drafted["C-2"], "Dana", issue_date=date(2026, 4, 1))
    assert status(con, drafted["C-2"]) == ("approved", "Dana")


def test_a_waiver_above_the_limit_takes_two_people(con, tmp_path, monkeypatch):
    build_ar_firm(con, tmp_path, FEE_INVOICES, FEE_PAYMENTS)
    monkeypatch.setenv("FOUR_EYES_WAIVER_ABOVE", "100.00")
    (charge,) = accrue_late_fees(con, date(2026, 3, 2))  # I-L: 10000 x 1.5% x 1 = 150.00
    assert charge["amount"] == D("150.00")
    ids = [charge["charge_id"]]

    with acting_as(AR_1):
        said = waive_late_fees(con, ids, "Ari", "goodwill")
    assert said.startswith("Waiver of 150.00 requested")
    assert charges(con, None)["status"].to_list() == ["pending"]  # not waived yet
    with acting_as(AR_1), pytest.raises(NotAllowed, match="another person must confirm it"):
        waive_late_fees(con, ids, "Ari", "goodwill")  # the same person again
    assert charges(con, None)["status"].to_list() == ["pending"]

    with acting_as(AR_2):
        assert waive_late_fees(con, ids, "Bo", "agreed") == "Waived"
    assert charges(con, None)["status"].to_list() == ["waived"]
    assert con.execute("SELECT count(*) FROM second_approvals").fetchall() == [(0,)]
    assert con.execute(
        "SELECT actor, action, object_type FROM audit_log WHERE action IN "
        "('second_approval_requested', 'late_fee_waived') ORDER BY audit_id"
    ).fetchall() == [
        ("Ari", "second_approval_requested", "late_fee_waiver"),
        ("Bo", "late_fee_waived", "late_fee_charge"),
    ]


def test_a_waiver_below_the_limit_takes_one(con, tmp_path, monkeypatch):
    build_ar_firm(con, tmp_path, FEE_INVOICES, FEE_PAYMENTS)
    monkeypatch.setenv("FOUR_EYES_WAIVER_ABOVE", "150.00")  # 150.00 is not above 150.00
    (charge,) = accrue_late_fees(con, date(2026, 3, 2))
    with acting_as(AR_1):
        assert waive_late_fees(con, [charge["charge_id"]], "Ari", "goodwill") == "Waived"
