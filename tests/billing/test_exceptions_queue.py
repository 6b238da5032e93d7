"""The exception queue: sync from billing runs, decisions that survive re-runs and re-imports,
entry overrides, snoozes, filters and the audit trail. Expectations worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from billing.draft import draft_period
from billing.model import BillingException
from billing.period import Period
from etl.loader import import_canonical
from exception_queue.findings import (
    SEVERITY,
    audit_trail,
    decide,
    evidence,
    queue,
    sync_billing_exceptions,
    sync_exceptions,
)
from tests.billing.firm import ENTRY_HEADER, build, entry
from tests.support.demo import DEMO_AS_OF

MARCH = Period(2026, 3)
T0 = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)

TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
"""
RATES = "C-1,100.00,2026-01-01,,,,\n"

# T-1: unapproved on PR-1 (C-1, Acme)          -> unapproved_time, medium, CL-1
# T-2: approved on PR-5, which has no contract -> no_contract, high, CL-2 (Globex)
# T-3: approved and billable on PR-1           -> billed, no exception
ENTRIES = (
    entry("T-1", "P-1", "2026-03-02", "2", "PR-1", approved="")
    + entry("T-2", "P-2", "2026-03-03", "3", "PR-5")
    + entry("T-3", "P-3", "2026-03-04", "1", "PR-1")
)


@pytest.fixture
def firm(con, tmp_path):
    build(con, tmp_path, TM, RATES, ENTRIES)
    return tmp_path / "firm"


def rows(con, sql="SELECT * FROM exceptions ORDER BY exception_id", params=None):
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def by_id(con) -> dict[str, dict]:
    return {row["exception_id"]: row for row in rows(con)}


def reimport(con, folder, entries: str) -> None:
    (folder / "time_entries.csv").write_text(ENTRY_HEADER + entries)
    assert import_canonical(con, folder).quarantined == 0


def table_counts(con) -> tuple:
    return tuple(
        con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("exceptions", "audit_log", "entry_overrides")
    )


def test_sync_creates_open_exceptions_with_severity_enrichment_and_evidence(con, firm):
    assert sync_billing_exceptions(con, MARCH, now=T0) == {"new": 2, "updated": 0, "resolved": 0}
    found = by_id(con)
    assert set(found) == {"unapproved_time:T-1", "no_contract:T-2"}

    unapproved = found["unapproved_time:T-1"]
    assert (unapproved["status"], unapproved["severity"], unapproved["source"]) == (
        "open",
        "medium",
        "billing",
    )
    assert (unapproved["client_id"], unapproved["project_id"], unapproved["period"]) == (
        "CL-1",
        "PR-1",
        "2026-03",
    )
    assert unapproved["first_seen_at"] == unapproved["last_seen_at"] == T0
    assert unapproved["value"] is None  # no rate is resolved for unapproved time
    assert unapproved["suggested_action"].startswith("approve the time in the tracker")
    ev = json.loads(unapproved["evidence"], parse_float=D)
    assert ev["ref_type"] == "time_entry"
    assert {
        k: ev["time_entry"][k]
        for k in ("date", "person_id", "person", "hours", "project_id", "notes", "approved_at")
    } == {
        "date": "2026-03-02",
        "person_id": "P-1",
        "person": "Elena Ruiz",
        "hours": D("2.0"),
        "project_id": "PR-1",
        "notes": None,
        "approved_at": None,
    }

    no_contract = found["no_contract:T-2"]
    assert (no_contract["severity"], no_contract["client_id"], no_contract["project_id"]) == (
        "high",
        "CL-2",
        "PR-5",
    )
    assert no_contract["suggested_action"].startswith("reassign to a project with a contract")
    assert SEVERITY["no_contract"] == "high" and SEVERITY["unapproved_time"] == "medium"

    frame = queue(con, as_of=date(2026, 4, 3))
    assert frame["exception_id"].to_list() == ["no_contract:T-2", "unapproved_time:T-1"]
    assert frame["client_name"].to_list() == ["Globex", "Acme Corp"]
    assert frame["age_days"].to_list() == [0, 0]


def test_running_twice_changes_nothing_but_last_seen_at(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    before = by_id(con)
    assert sync_billing_exceptions(con, MARCH, now=T1) == {"new": 0, "updated": 2, "resolved": 0}
    after = by_id(con)
    for exception_id, row in after.items():
        assert row["last_seen_at"] == T1
        assert {k: v for k, v in row.items() if k != "last_seen_at"} == {
            k: v for k, v in before[exception_id].items() if k != "last_seen_at"
        }
    assert audit_trail(con).height == 0  # nothing changed status, nobody decided


def test_rejection_survives_a_rerun_and_a_reimport_of_the_same_folder(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    decide(con, ["unapproved_time:T-1"], "reject", "maria", "client pays no matter what", now=T1)
    sync_billing_exceptions(con, MARCH, now=T1)
    import_canonical(con, firm)
    assert sync_billing_exceptions(con, MARCH, now=T2)["resolved"] == 0
    row = by_id(con)["unapproved_time:T-1"]
    assert (row["status"], row["decided_by"], row["decided_at"], row["decision_reason"]) == (
        "rejected",
        "maria",
        T1,
        "client pays no matter what",
    )
    assert row["last_seen_at"] == T2 and row["resolved_at"] is None
    assert queue(con, as_of=date(2026, 4, 20))["exception_id"].to_list() == ["no_contract:T-2"]


def test_condition_that_disappears_resolves_the_open_exception_and_can_come_back(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    approved = ENTRIES.replace(
        "2026-03-02,2,PR-1,true,standard,,",
        "2026-03-02,2,PR-1,true,standard,2026-04-04T08:00:00+00:00,",
    )
    assert approved != ENTRIES
    reimport(con, firm, approved)
    assert sync_billing_exceptions(con, MARCH, now=T1) == {"new": 0, "updated": 1, "resolved": 1}
    row = by_id(con)["unapproved_time:T-1"]
    assert row["status"] == "resolved" and row["resolved_at"] == T1
    assert row["resolved_reason"] == (
        "condition no longer holds after billing run at 2026-04-05T09:00:00+00:00"
    )
    trail = audit_trail(con, "unapproved_time:T-1")
    assert trail["action"].to_list() == ["resolve"] and trail["actor"].to_list() == ["system"]
    assert json.loads(trail["before"][0])["status"] == "open"

    reimport(con, firm, ENTRIES)  # the approval was withdrawn in the tracker
    assert sync_billing_exceptions(con, MARCH, now=T2) == {"new": 0, "updated": 2, "resolved": 0}
    row = by_id(con)["unapproved_time:T-1"]
    assert (row["status"], row["resolved_at"], row["first_seen_at"]) == ("open", None, T0)


def test_a_verdict_stays_when_its_condition_goes(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    decide(con, "unapproved_time:T-1", "reject", "maria", now=T0)
    reimport(
        con,
        firm,
        ENTRIES.replace(",PR-1,true,standard,,", ",PR-1,true,standard,2026-04-04T08:00:00+00:00,"),
    )
    assert sync_billing_exceptions(con, MARCH, now=T1)["resolved"] == 1
    row = by_id(con)["unapproved_time:T-1"]
    assert (row["status"], row["resolved_at"]) == ("rejected", T1)  # the verdict is kept
    reimport(con, firm, ENTRIES)
    sync_billing_exceptions(con, MARCH, now=T2)
    row = by_id(con)["unapproved_time:T-1"]
    assert (row["status"], row["resolved_at"], row["decided_by"]) == ("rejected", None, "maria")


def test_reassign_writes_an_override_that_bills_resolves_and_outlives_reimports(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    decide(
        con,
        ["no_contract:T-2"],
        "reassign",
        "maria",
        "Globex work was logged on PR-5",
        project_id="PR-1",
        now=T1,
    )
    overrides = rows(
        con, "SELECT entry_id, field, value, decided_by FROM entry_overrides ORDER BY field"
    )
    assert overrides == [
        {"entry_id": "T-2", "field": "project_id", "value": "PR-1", "decided_by": "maria"},
        {"entry_id": "T-2", "field": "sow_line_id", "value": None, "decided_by": "maria"},
    ]
    assert by_id(con)["no_contract:T-2"]["status"] == "reassigned"

    def billed_entries():
        inv = next(i for i in draft_period(con, MARCH).invoices if i.contract_id == "C-1")
        return sorted(s for line in inv.lines for s in line.sources)

    # T-2 (3 h, Sam Lee) now bills on C-1 at 100.00 next to T-3
    assert billed_entries() == ["T-2", "T-3"]
    assert sync_billing_exceptions(con, MARCH, now=T2)["resolved"] == 1
    row = by_id(con)["no_contract:T-2"]
    assert (row["status"], row["decided_by"]) == ("resolved", "maria")

    import_canonical(con, firm)  # the tracker still says PR-5
    assert con.execute("SELECT project_id FROM time_entries WHERE entry_id = 'T-2'").fetchall() == [
        ("PR-5",)
    ]
    assert billed_entries() == ["T-2", "T-3"]
    assert sync_billing_exceptions(con, MARCH, now=T2)["new"] == 0

    trail = audit_trail(con)
    assert sorted(zip(trail["object_type"], trail["object_id"], trail["action"])) == [
        ("exception", "no_contract:T-2", "reassign"),
        ("exception", "no_contract:T-2", "resolve"),
        ("time_entry", "T-2", "reassign"),
    ]
    entry_audit = audit_trail(con, "T-2").row(0, named=True)
    assert json.loads(entry_audit["before"])["project_id"] == "PR-5"
    assert json.loads(entry_audit["after"])["project_id"] == "PR-1"
    assert overrides and rows(con, "SELECT DISTINCT audit_id FROM entry_overrides") == [
        {"audit_id": entry_audit["audit_id"]}
    ]

    ev = evidence(con, "no_contract:T-2")
    assert ev["evidence"]["time_entry"]["project_id"] == "PR-5"  # as it was when last seen
    assert ev["live"]["time_entry"]["project_id"] == "PR-1"
    assert ev["live"]["imported"]["project_id"] == "PR-5"
    assert [o["field"] for o in ev["live"]["overrides"]] == ["project_id", "sow_line_id"]
    assert [h["action"] for h in ev["history"]] == ["resolve", "reassign"]


def test_mark_non_billable_stops_the_unapproved_time_exception(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    decide(con, ["unapproved_time:T-1"], "mark_non_billable", "maria", "internal rework", now=T1)
    assert rows(con, "SELECT field, value FROM entry_overrides") == [
        {"field": "billable", "value": "false"}
    ]
    assert by_id(con)["unapproved_time:T-1"]["status"] == "approved"
    assert [(e.kind, e.ref) for e in draft_period(con, MARCH).exceptions] == [
        ("no_contract", "T-2")
    ]
    sync_billing_exceptions(con, MARCH, now=T2)
    row = by_id(con)["unapproved_time:T-1"]
    assert (row["status"], row["resolved_at"]) == ("approved", T2)


@pytest.mark.clock
def test_snooze_hides_until_the_date_passes(con, firm):
    until = DEMO_AS_OF + timedelta(days=7)  # the suite's today (tests/conftest.py)
    sync_billing_exceptions(con, MARCH)
    decide(con, ["no_contract:T-2"], "snooze", "maria", "contract being signed", until=until)
    assert queue(con)["exception_id"].to_list() == ["unapproved_time:T-1"]
    assert queue(con, as_of=until - timedelta(days=1)).height == 1
    woke = queue(con, as_of=until)
    assert woke["exception_id"].to_list() == ["no_contract:T-2", "unapproved_time:T-1"]
    assert woke["status"].to_list() == ["open", "open"]

    sync_billing_exceptions(con, MARCH)  # not yet passed: stays snoozed
    assert by_id(con)["no_contract:T-2"]["status"] == "snoozed"
    later = datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    sync_billing_exceptions(con, MARCH, now=later)
    assert by_id(con)["no_contract:T-2"]["status"] == "open"
    assert audit_trail(con, "no_contract:T-2")["action"].to_list() == ["snooze_ended", "snooze"]


def test_bulk_approve_is_one_decision_with_one_audit_row_each(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    decide(con, ["unapproved_time:T-1", "no_contract:T-2"], "approve", "maria", "ok", now=T1)
    assert {r["status"] for r in by_id(con).values()} == {"approved"}
    trail = audit_trail(con)
    assert sorted(trail["object_id"].to_list()) == ["no_contract:T-2", "unapproved_time:T-1"]
    assert set(trail["actor"]) == {"maria"} and set(trail["action"]) == {"approve"}
    assert {json.loads(a)["status"] for a in trail["after"]} == {"approved"}
    assert queue(con).height == 0
    assert queue(con, statuses=["approved"]).height == 2


def test_queue_filters_by_kind_client_severity_and_age(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)  # both first seen on 2026-04-03
    sync_exceptions(
        con,
        [
            BillingException(
                "over_cap",
                "C-1",
                "contract C-1, project PR-1: "
                "time value 5200.00 this period, 0.00 billed "
                "earlier, cap 5000.00 (period); 200.00 over the "
                "cap is not billed",
            )
        ],
        "billing",
        {"period": "2026-04"},
        now=T2,
    )
    as_of = date(2026, 4, 23)  # ages: 20, 20, 3
    assert queue(con, kinds=["no_contract"], as_of=as_of)["exception_id"].to_list() == [
        "no_contract:T-2"
    ]
    assert queue(con, client_ids=["CL-1"], as_of=as_of)["exception_id"].to_list() == [
        "unapproved_time:T-1",
        "over_cap:C-1",
    ]
    assert queue(con, severities=["high"], as_of=as_of)["exception_id"].to_list() == [
        "no_contract:T-2",
        "over_cap:C-1",
    ]
    old = queue(con, min_age_days=10, as_of=as_of)
    assert old["exception_id"].to_list() == ["no_contract:T-2", "unapproved_time:T-1"]
    assert old["age_days"].to_list() == [20, 20]
    cap = by_id(con)["over_cap:C-1"]  # a contract ref: client, currency, project, excess
    assert (cap["client_id"], cap["project_id"], cap["currency"], cap["value"]) == (
        "CL-1",
        "PR-1",
        "USD",
        D("200.00"),
    )
    assert json.loads(cap["evidence"])["contract"]["contract_id"] == "C-1"
    # billing's April run owns over_cap:C-1 only: March's rows are out of its scope
    assert sync_exceptions(con, [], "billing", {"period": "2026-04"}, now=T2)["resolved"] == 1
    assert by_id(con)["unapproved_time:T-1"]["status"] == "open"


def test_po_exceeded_carries_the_amount_over_the_limit(con, tmp_path):
    contracts = TM.replace(
        "    currency: USD\n", '    currency: USD\n    po: {number: PO-1, limit: "100.00"}\n'
    )
    build(con, tmp_path, contracts, RATES, entry("T-3", "P-3", "2026-03-04", "2", "PR-1"))
    sync_billing_exceptions(con, MARCH, now=T0)
    row = by_id(con)["po_exceeded:C-1"]
    # 2 h x 100.00 = 200.00, tax 8% = 16.00, total 216.00 > 100.00: 116.00 over the limit
    assert (row["severity"], row["client_id"], row["value"], row["currency"]) == (
        "high",
        "CL-1",
        D("116.00"),
        "USD",
    )


@pytest.mark.parametrize(
    "ids, action, kw, message",
    [
        (["unapproved_time:T-1"], "bless", {}, "unknown action 'bless'"),
        (["unapproved_time:T-1", "nope:X"], "approve", {}, "unknown exception ids: ['nope:X']"),
        (["no_contract:T-2"], "reassign", {"project_id": "PR-404"}, "unknown project 'PR-404'"),
        (["no_contract:T-2"], "reassign", {}, "reassign needs project_id"),
        (["no_contract:T-2"], "snooze", {}, "snooze needs until="),
        (["no_contract:T-2"], "snooze", {"until": date(2020, 1, 1)}, "not in the future"),
        (["no_contract:T-2"], "approve", {"project_id": "PR-1"}, "approve does not take"),
        (["unapproved_time:T-1", "over_cap:C-1"], "mark_billable", {}, "not a time entry"),
    ],
)
def test_bad_decisions_raise_and_write_nothing(con, firm, ids, action, kw, message):
    sync_billing_exceptions(con, MARCH, now=T0)
    sync_exceptions(
        con, [BillingException("over_cap", "C-1", "over")], "billing", {"period": "2026-04"}, now=T0
    )
    before = (rows(con), table_counts(con))
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        decide(con, ids, action, "maria", **kw)
    assert (rows(con), table_counts(con)) == before


def test_an_entry_held_by_an_invoice_cannot_be_reassigned(con, tmp_path):
    build(con, tmp_path, TM, RATES, entry("T-2", "P-2", "2026-03-03", "3", "PR-5", invoice="INV-9"))
    sync_exceptions(con, [BillingException("no_contract", "T-2", "x")], "rules", {})
    with pytest.raises(ValueError, match="already held by INV-9"):
        decide(con, ["no_contract:T-2"], "reassign", "maria", project_id="PR-1")


def test_other_sources_rows_are_never_resolved_by_billing(con, firm):
    sync_exceptions(
        con, [BillingException("no_contract", "T-3", "rules say so")], "rules", {}, now=T0
    )
    sync_billing_exceptions(con, MARCH, now=T1)  # billing does not find T-3
    assert by_id(con)["no_contract:T-3"]["status"] == "open"
    assert sync_exceptions(con, [], "rules", {}, now=T2) == {"new": 0, "updated": 0, "resolved": 1}


def test_reopen_undoes_a_decision_and_resolved_ones_cannot_be_decided(con, firm):
    sync_billing_exceptions(con, MARCH, now=T0)
    decide(con, ["no_contract:T-2"], "reject", "maria", now=T1)
    decide(con, ["no_contract:T-2"], "reopen", "maria", "rejected by mistake", now=T1)
    assert queue(con)["exception_id"].to_list() == ["no_contract:T-2", "unapproved_time:T-1"]
    decide(con, ["no_contract:T-2"], "reassign", "maria", project_id="PR-1", now=T1)
    sync_billing_exceptions(con, MARCH, now=T2)
    with pytest.raises(ValueError, match="already resolved"):
        decide(con, ["no_contract:T-2"], "approve", "maria")


def test_a_saved_draft_keeps_its_cap_exception_open_on_the_next_refresh(con, tmp_path):
    from billing.store import save_drafts

    contracts = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
        cap: {amount: "300.00", scope: period}
"""
    # 5 h x 100 = 500.00 against a 300.00 cap: over_cap on C-1
    build(
        con,
        tmp_path,
        contracts,
        "C-1,100.00,2026-01-01,,,,\n",
        entry("T-1", "P-2", "2026-03-02", "5", "PR-1"),
    )
    sync_billing_exceptions(con, Period(2026, 3))
    save_drafts(con, Period(2026, 3), "ops")
    # the saved draft holds T-1, so a new draft run no longer sees the cap; the row stays open
    counts = sync_billing_exceptions(con, Period(2026, 3))
    assert counts["resolved"] == 0
    status = con.execute("SELECT status FROM exceptions WHERE exception_id = 'over_cap:C-1'")
    assert status.fetchall() == [("open",)]
