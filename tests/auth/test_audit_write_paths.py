"""The write paths issue 16 lists, each leaving an audit row with who (the signed-in name, or
the OS user / --actor on a command line or in a job), what and to what, with readable
before/after: tracker syncs (by the job and by webhook), accounting pushes and read-backs,
setting changes; and the roles refused on those writes on the server side (nothing written,
nothing sent). Imports, accruals, AR syncs, users and sign-ins: tests/auth/test_audit_writes.py."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal as D

import pytest

from app_auth import accounts, admin, audit, four_eyes, settings
from app_auth.audit_row import cli_actor
from app_auth.guard import NotAllowed, acting_as
from app_auth.roles import Identity
from billing.__main__ import main as billing_main
from billing.accounting_push import push_draft, read_back
from etl.__main__ import main as etl_main
from etl.sync.run import request_sync
from jobs.runner import run_pass
from jobs.schedule import Schedule
from tests.billing.ar_firm import build_ar_firm
from tests.billing.test_accounting_push import approved, context
from tests.billing.test_ar_late_fees import INVOICES as FEE_INVOICES
from tests.billing.test_ar_late_fees import PAYMENTS as FEE_PAYMENTS
from tests.conftest import write_folder
from tests.support.fake_accounting import FakeQuickBooks
from tests.support.fake_trackers import FakeHarvest, harvest_entry
from tests.test_jobs import harvest_ctx
from warehouse.db import connect

ME = getpass.getuser()
BEA = Identity("Bea", ("billing_approver",), "local", "bea")
ADA = Identity("Ada", ("admin",), "local", "ada")


def who(roles: tuple[str, ...]) -> Identity:
    return Identity("Pat", roles, "local", "pat")


def rows(con, where: str) -> list[tuple]:
    return con.execute(
        "SELECT actor, action, object_type, object_id, before, after, reason FROM audit_log "
        f"WHERE {where} ORDER BY audit_id"
    ).fetchall()


# ------------------------------------------------------------------ syncs


@pytest.mark.clock
def test_a_job_sync_is_audited_as_the_jobs_os_user_with_what_it_loaded(con):
    fake = FakeHarvest()
    fake.put(harvest_entry(1, "2026-11-05", 2, updated_at="2026-11-05T10:00:00Z"))
    moment = datetime.combine(date(2026, 11, 9), time(9, 16), tzinfo=UTC)
    run_pass(con, moment, {"sync": Schedule("sync", every_minutes=15)}, ctx_extra=harvest_ctx(fake))
    [(actor, action, kind, oid, before, after, _)] = rows(con, "action = 'sync'")
    assert (actor, action, kind, oid, before) == (f"jobs:{ME}", "sync", "source", "harvest", None)
    after = json.loads(after)
    load_id = con.execute("SELECT max(load_id) FROM load_log").fetchall()[0][0]
    # a client, a person, a project, a task and the entry; the changes, then the window
    assert (after["load_id"], after["rows_changed"], after["requests"]) == (load_id, 5, 2)
    assert (after["quarantined"], after["full"]) == (0, False)
    assert audit.describe_change(None, json.dumps(after)) == (  # what the audit page shows
        f"source harvest; from https://fake.test/v2; load id {load_id}; records fetched 1; "
        "requests 2; rows changed 5; quarantined 0; full no; webhook requests handled no"
    )


@pytest.mark.clock
def test_a_failed_sync_leaves_no_audit_row_and_the_jobs_actor_is_named(con):
    fake = FakeHarvest()
    moment = datetime.combine(date(2026, 11, 9), time(9, 16), tzinfo=UTC)
    sync_only = {"sync": Schedule("sync", every_minutes=15)}
    failed = run_pass(con, moment, sync_only, ctx_extra=harvest_ctx(fake, token="expired"))
    assert failed[0].status == "failed" and rows(con, "action = 'sync'") == []
    extra = harvest_ctx(fake) | {"actor": cli_actor("Nightly", "jobs")}
    run_pass(con, moment.replace(minute=31), sync_only, ctx_extra=extra)
    assert [r[0] for r in rows(con, "action = 'sync'")] == [f"Nightly (jobs:{ME})"]


def test_a_webhook_request_is_audited_as_the_webhook(con):
    request_sync(con, "clockify", "clockify NEW_TIME_ENTRY")
    found = rows(con, "action = 'sync_requested'")
    assert [(a, act, k, o, json.loads(after)) for a, act, k, o, _, after, _ in found] == [
        (
            "webhook:clockify",
            "sync_requested",
            "source",
            "clockify",
            {"reason": "clockify NEW_TIME_ENTRY"},
        ),
    ]


# ------------------------------------------------------------------ accounting push


@pytest.mark.parametrize(
    "roles", [("operations",), ("ar",), ("leadership",), ("admin",), ("operations", "ar")]
)
def test_a_push_is_refused_without_the_billing_approver_role(con, tmp_path, roles):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeQuickBooks()
    with (
        acting_as(who(roles)),
        pytest.raises(
            NotAllowed,
            match="may not push invoices to the "
            "accounting system: it needs the role Billing "
            "approver$",
        ),
    ):
        push_draft(con, draft_id, "quickbooks", context(tmp_path, fake, "quickbooks"), actor="Pat")
    assert fake.log == []  # nothing went out
    assert con.execute("SELECT count(*) FROM accounting_pushes").fetchall() == [(0,)]
    with acting_as(who(roles)), pytest.raises(NotAllowed):
        read_back(con, "quickbooks", context(tmp_path, fake, "quickbooks"), actor="Pat")


def test_a_push_and_its_read_back_are_audited_with_the_approver(con, tmp_path):
    draft_id, number = approved(con, tmp_path)
    fake = FakeQuickBooks()
    ctx = context(tmp_path, fake, "quickbooks")
    with acting_as(BEA):
        result = push_draft(con, draft_id, "quickbooks", ctx)  # the actor: the bound identity
        push_draft(con, draft_id, "quickbooks", ctx)  # already pushed: nothing new to audit
        read_back(con, "quickbooks", ctx)
    [(actor, action, kind, oid, before, after, _)] = rows(con, "action = 'pushed_to_accounting'")
    assert (actor, action, kind, oid, before) == (
        "Bea",
        "pushed_to_accounting",
        "invoice_draft",
        str(draft_id),
        None,
    )
    # C-1: 6 h + 4 h at 100.00 = 1,000.00, plus Acme's 8 % tax 80.00 (the push carries the
    # draft's tax: tests/billing/test_accounting_push.py)
    assert json.loads(after) == {
        "to": "QuickBooks",
        "number": number,
        "external_id": result.external_id,
        "total": "1080.00",
    }
    [(actor, _, kind, oid, _, after, _)] = rows(con, "action = 'sync'")
    assert (actor, kind, oid) == ("Bea", "accounting_pushes", "quickbooks")
    assert json.loads(after) == {"from": "QuickBooks", "invoices_read": 1, "changed_there": []}


def test_a_push_by_someone_else_than_the_bound_identity_is_refused(con, tmp_path):
    draft_id, _ = approved(con, tmp_path)
    fake = FakeQuickBooks()
    with acting_as(BEA), pytest.raises(NotAllowed, match="under the name 'Ana'"):
        push_draft(con, draft_id, "quickbooks", context(tmp_path, fake, "quickbooks"), actor="Ana")
    assert fake.log == []


# ------------------------------------------------------------------ command lines: --actor


def test_cli_actor_keeps_the_os_user_beside_a_given_name():
    assert cli_actor() == f"cli:{ME}"
    assert cli_actor("  ") == f"cli:{ME}"
    assert cli_actor("Dana Ortiz") == f"Dana Ortiz (cli:{ME})"
    assert cli_actor("Nightly", "jobs") == f"Nightly (jobs:{ME})"


@pytest.mark.clock
def test_a_late_fee_accrual_from_the_command_line_records_the_actor(tmp_path, db_path, capsys):
    con = connect(db_path)
    try:
        build_ar_firm(con, tmp_path, FEE_INVOICES, FEE_PAYMENTS)
    finally:
        con.close()
    billing_main(["--actor", "Ari", "late-fees", "--as-of", "2026-03-02", "--db", str(db_path)])
    con = connect(db_path)
    try:
        [(actor, action, kind, oid, _, after, _)] = rows(con, "action = 'late_fees_accrued'")
    finally:
        con.close()
    assert (actor, action, kind, oid) == (
        f"Ari (cli:{ME})",
        "late_fees_accrued",
        "late_fee_run",
        "2026-03-02",
    )
    # I-L: 10000 open, due 01-31, 150.00 at 30 days (tests/billing/test_ar_late_fees.py)
    assert (json.loads(after)["charges"], D(json.loads(after)["total"])) == (1, D("150.00"))


def test_an_import_with_actor_records_the_name_and_the_file(tmp_path, db_path):
    folder = write_folder(
        tmp_path / "in", {"clients.csv": "client_id,name,currency\nCL-1,Acme Corp,USD\n"}
    )
    etl_main(["import", "canonical", str(folder), "--db", str(db_path), "--actor", "Dana"])
    con = connect(db_path)
    try:
        [(actor, _, _, _, _, after, _)] = rows(con, "action = 'import'")
    finally:
        con.close()
    assert actor == f"Dana (cli:{ME})"
    assert json.loads(after)["path"] == str(folder.resolve())


# ------------------------------------------------------------------ settings and accounts


def test_a_setting_change_is_audited_and_four_eyes_reads_it(con, monkeypatch):
    monkeypatch.delenv("FOUR_EYES_WAIVER_ABOVE", raising=False)
    monkeypatch.setenv("BILLING_SECRETS_FILE", "/nonexistent/secrets.toml")
    # default waiver threshold 100.00: 150.00 needs a second person
    assert not four_eyes.second_person(con, "late_fee_waiver", "k1", D("150.00"), "Ari")
    with acting_as(ADA):
        admin.change_setting(con, "four_eyes_waiver_above", " 200.00 ", "Ada")
    assert four_eyes.second_person(con, "late_fee_waiver", "k2", D("150.00"), "Ari")  # now below
    [(actor, action, kind, oid, before, after, _)] = rows(con, "action = 'setting_changed'")
    assert (actor, action, kind, oid) == (
        "Ada",
        "setting_changed",
        "setting",
        "FOUR_EYES_WAIVER_ABOVE",
    )
    assert audit.describe_change(before, after) == "four eyes waiver above: 100.00 → 200.00"
    with acting_as(ADA):
        admin.change_setting(con, "FOUR_EYES_WAIVER_ABOVE", "", "Ada")  # back to the default
    assert con.execute("SELECT count(*) FROM app_settings").fetchall() == [(0,)]
    assert settings.effective(con).four_eyes_waiver_above == D("100.00")


@pytest.mark.parametrize(
    "roles", [("leadership",), ("operations",), ("billing_approver",), ("ar",)]
)
def test_settings_and_accounts_are_refused_to_every_role_but_admin(con, roles):
    with acting_as(who(roles)):
        with pytest.raises(NotAllowed, match="may not change settings: it needs the role Admin$"):
            admin.change_setting(con, "FOUR_EYES_WAIVER_ABOVE", "1.00", "Pat")
        with pytest.raises(NotAllowed, match="may not manage users and roles"):
            accounts.add_user(con, "mal", "admin", "Pat", password="x" * 12)
    assert con.execute("SELECT count(*) FROM app_settings").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM app_users").fetchall() == [(0,)]
    assert rows(con, "true") == []


def test_a_setting_the_environment_sets_or_one_not_editable_is_refused(con, monkeypatch):
    monkeypatch.setenv("FOUR_EYES_INVOICE_ABOVE", "9000")
    with acting_as(ADA):
        with pytest.raises(ValueError, match="set in the environment, which wins"):
            admin.change_setting(con, "FOUR_EYES_INVOICE_ABOVE", "1.00", "Ada")
        with pytest.raises(ValueError, match="AR_SMTP_PASSWORD cannot be changed here"):
            admin.change_setting(con, "AR_SMTP_PASSWORD", "x", "Ada")
    assert rows(con, "true") == []


def test_an_admin_cannot_lock_themselves_out(con):
    accounts.add_user(con, "ada", "admin", "test-setup", display_name="Ada", password="x" * 12)
    with acting_as(ADA):
        with pytest.raises(ValueError, match="your own account"):
            accounts.change_user(con, "ada", "Ada", disabled=True)
        with pytest.raises(ValueError, match="your own admin role"):
            accounts.change_user(con, "ada", "Ada", roles="leadership")
    assert con.execute("SELECT roles, disabled FROM app_users").fetchall() == [(["admin"], False)]
