"""Roles in the pages (AppTest on the demo firm): each role's click on a write it lacks is
refused with the reason and writes nothing; four-eyes refuses the drafter's approval; the audit
log page is closed to the roles without read_audit and reads in words for the others."""

from __future__ import annotations

from tests.support.app_pages import button, open_ar_review, open_page, query

OPS = ("operations",)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_leadership_cannot_run_the_billing_checks(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "pages/exceptions.py", user="Lea", roles=("leadership",))
    button(at, "Refresh billing exceptions for").click().run()
    assert errors(at) == [
        (
            "Lea (Leadership) may not decide exceptions and run the checks: it needs the role "
            "Operations"
        )
    ]
    assert query(demo_db, "select count(*) from exceptions where source = 'billing'") == [(0,)]


def test_ar_cannot_save_drafts(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "pages/invoices.py", user="Ari", roles=("ar",))
    button(at, "Save drafts for").click().run()
    assert errors(at) == [
        "Ari (AR) may not save or edit draft invoices: it needs the role Operations"
    ]
    assert query(demo_db, "select count(*) from invoice_drafts") == [(0,)]


def test_operations_drafts_but_cannot_approve(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "pages/invoices.py", user="Ops", roles=OPS)
    button(at, "Save drafts for").click().run()
    assert not errors(at)
    saved = query(demo_db, "select count(*) from invoice_drafts where status = 'draft'")[0][0]
    assert saved > 0
    button(at, "Approve…").click().run()
    button(at, "Approve and number").click().run()
    assert errors(at) == [
        "Ops (Operations) may not approve invoices: it needs the role Billing approver"
    ]
    assert query(demo_db, "select count(*) from invoice_drafts where status = 'approved'") == [(0,)]


def test_the_drafter_cannot_approve_above_the_four_eyes_limit(monkeypatch, demo_db):
    monkeypatch.setenv("FOUR_EYES_INVOICE_ABOVE", "0.00")  # every invoice needs a second person
    roles = ("billing_approver", "operations")
    at = open_page(monkeypatch, demo_db, "pages/invoices.py", user="Dana", roles=roles)
    button(at, "Save drafts for").click().run()
    button(at, "Approve…").click().run()
    button(at, "Approve and number").click().run()
    [refusal] = errors(at)
    assert "above the four-eyes limit of 0.00" in refusal
    assert refusal.endswith("it needs an approver who neither drafted nor edited it (Dana did)")
    assert query(demo_db, "select count(*) from invoice_drafts where status = 'approved'") == [(0,)]


def test_operations_cannot_accrue_late_fees(monkeypatch, demo_db):
    at = open_ar_review(open_page(monkeypatch, demo_db, "pages/ar_aging.py", user="Ops", roles=OPS))
    button(at, "Accrue late fees as of").click().run()
    assert errors(at) == [
        "Ops (Operations) may not accrue, post or waive late fees: it needs the role AR"
    ]
    assert query(demo_db, "select count(*) from late_fee_charges") == [(0,)]


def test_the_audit_log_page_is_for_the_roles_with_read_audit(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "pages/audit_log.py", user="Ops", roles=OPS)
    assert errors(at) == [
        (
            "Ops (Operations) may not read the audit log: it needs the role Leadership or Billing "
            "approver or Admin."
        )
    ]
    assert not at.dataframe


def test_the_audit_log_reads_in_words(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "pages/invoices.py", user="Dana")  # every role
    button(at, "Save drafts for").click().run()
    at.switch_page("pages/audit_log.py").run()
    assert not at.exception, [e.value for e in at.exception]
    log = at.dataframe[0].value  # AppTest hands it over as pandas
    saved = log[log["did"] == "saved a draft"]
    drafts = query(demo_db, "select count(*) from invoice_drafts")[0][0]
    assert len(saved) == drafts and set(saved["who"]) == {"Dana"}
    assert all(w.startswith("invoice draft ") for w in saved["what"])
    assert all("period " in c and "{" not in c for c in saved["change"])  # words, not JSON
