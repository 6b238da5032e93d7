"""Every write path leaves an audit row with who did it: imports (with the file), late-fee
accruals, AR syncs, user and role changes (the settings people change), sign-ins; and the audit
page's readable before/after."""

from __future__ import annotations

import getpass
import json
from datetime import date
from decimal import Decimal as D

from app_auth import accounts, audit
from app_auth.guard import acting_as
from app_auth.roles import Identity
from billing.ar import late_fees, sync
from etl.__main__ import main as etl_main
from tests.billing.ar_firm import build_ar_firm
from tests.billing.test_ar_late_fees import INVOICES as FEE_INVOICES
from tests.billing.test_ar_late_fees import PAYMENTS as FEE_PAYMENTS
from tests.conftest import write_folder

ARI = Identity("Ari", ("ar",), "local", "ari")


def rows(con, where: str) -> list[tuple]:
    return con.execute(
        f"SELECT actor, action, object_type, object_id, before, after, reason FROM audit_log "
        f"WHERE {where} ORDER BY audit_id"
    ).fetchall()


def test_an_accrual_run_is_audited_with_its_charges_and_who(con, tmp_path):
    build_ar_firm(con, tmp_path, FEE_INVOICES, FEE_PAYMENTS)
    with acting_as(ARI):
        (charge,) = late_fees.accrue_late_fees(con, date(2026, 3, 2), "Ari")
        assert late_fees.accrue_late_fees(con, date(2026, 3, 2), "Ari") == []  # nothing new
    [(actor, action, kind, oid, before, after, _)] = rows(con, "action = 'late_fees_accrued'")
    assert (actor, action, kind, oid, before) == (
        "Ari",
        "late_fees_accrued",
        "late_fee_run",
        "2026-03-02",
        None,
    )
    after = json.loads(after)
    assert (after["charges"], D(after["total"]), after["charge_ids"]) == (
        1,
        D("150.00"),
        [charge["charge_id"]],
    )


def test_an_ar_sync_is_audited(con, tmp_path):
    build_ar_firm(con, tmp_path, FEE_INVOICES, FEE_PAYMENTS)
    with acting_as(ARI):
        counts = sync.sync_receivables(con, "Ari")
    [(actor, action, kind, _, _, after, _)] = rows(con, "action = 'sync'")
    assert (actor, action, kind) == ("Ari", "sync", "receivables")
    assert json.loads(after) == {"applications": counts["applications"]}


def test_an_import_is_audited_with_the_os_user_and_the_file(tmp_path, db_path):
    folder = write_folder(
        tmp_path / "in",
        {
            "clients.csv": "client_id,name,currency\nCL-1,Acme Corp,USD\nCL-2,,USD\n",
        },
    )
    etl_main(["import", "canonical", str(folder), "--db", str(db_path)])
    from warehouse.db import connect

    con = connect(db_path)
    try:
        [(actor, action, kind, oid, _, after, _)] = rows(con, "action = 'import'")
        load_id = con.execute("SELECT max(load_id) FROM load_log").fetchall()[0][0]
    finally:
        con.close()
    after = json.loads(after)
    assert (actor, action, kind, oid) == (
        f"cli:{getpass.getuser()}",
        "import",
        "load",
        str(load_id),
    )
    assert (after["source"], after["path"]) == ("canonical", str(folder.resolve()))
    assert (after["rows"], after["quarantined"]) == (1, 1)  # CL-2 has no name


def test_user_and_role_changes_are_audited_with_before_and_after(con):
    accounts.add_user(
        con,
        "dana",
        "operations",
        "cli:root",
        display_name="Dana Ortiz",
        password="correct horse battery",
    )
    accounts.change_user(con, "dana", "cli:root", roles="operations,billing_approver")
    accounts.change_user(con, "dana", "cli:root", disabled=True)
    found = rows(con, "object_type = 'user'")
    assert [(a, act, oid) for a, act, _, oid, *_ in found] == [
        ("cli:root", "user_added", "dana"),
        ("cli:root", "user_changed", "dana"),
        ("cli:root", "user_disabled", "dana"),
    ]
    assert "password" not in found[0][5].replace("local_password", "")  # never the hash
    readable = audit.describe_change(found[1][4], found[1][5])
    assert readable == "roles: operations → billing_approver, operations"
    assert audit.describe_change(found[2][4], found[2][5]) == "disabled: no → yes"


def test_readable_change_for_billing_rows():
    before = '{"status": "draft", "total": "1768.73", "invoice_number": null}'
    after = '{"status": "approved", "invoice_number": "INV-2026-0001", "total": "1768.73"}'
    assert audit.describe_change(before, after) == (
        "status: draft → approved; invoice number: — → INV-2026-0001"
    )
    assert audit.describe_change(None, '{"charges": 2, "total": "30.00"}') == (
        "charges 2; total 30.00"
    )
    assert audit.action_label("login_failed") == "failed sign-in"
    assert audit.action_label("draft_approved") == "draft approved"
