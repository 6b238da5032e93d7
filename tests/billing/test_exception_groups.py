"""The queue grouped by what a person decides (issue 17 item 1): typed findings grouped by a
person's week, a project or an invoice, ranked by money at stake, aged from the underlying
event, severity by money, and a whole group decided at once (and never twice). Expectations
worked out by hand from the small firm of tests/billing/firm.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from exception_queue.findings import Finding, decide_group, groups, queue, sync_exceptions
from tests.billing.firm import build, entry
from tests.support.sessions import overlap
from warehouse.db import connect
from warehouse.sessions import read_write

T0 = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
AS_OF = date(2026, 4, 3)
TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
"""
# Elena (P-1): Mon 2 Mar 2 h, Wed 4 Mar 3 h, Tue 10 Mar 1 h; Sam (P-2): Tue 3 Mar 4 h.
ENTRIES = (
    entry("T-1", "P-1", "2026-03-02", "2", "PR-1")
    + entry("T-2", "P-1", "2026-03-04", "3", "PR-1")
    + entry("T-3", "P-1", "2026-03-10", "1", "PR-1")
    + entry("T-4", "P-2", "2026-03-03", "4", "PR-1")
)
NO_PROJECT = [
    Finding("missing_project", t, f"entry {t} has no project") for t in ("T-1", "T-2", "T-3", "T-4")
]


def unbilled(ref: str, amount: str) -> Finding:
    return Finding(
        "unbilled_time",
        ref,
        f"entry {ref} is not invoiced",
        amount=D(amount),
        currency="USD",
        project_id="PR-1",
    )


@pytest.fixture
def firm(con, tmp_path):
    build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", ENTRIES)
    return con


def test_time_findings_group_by_person_and_week_aged_from_the_entry_date(firm):
    sync_exceptions(firm, NO_PROJECT, "rules", {}, now=T0)
    found = groups(firm, as_of=AS_OF)
    # Weeks start on Monday: 2-4 Mar is one week of Elena's, 10 Mar the next.
    by_label = {g["group_label"]: g for g in found.iter_rows(named=True)}
    assert set(by_label) == {
        "Elena Ruiz, week of 2 Mar 2026",
        "Elena Ruiz, week of 9 Mar 2026",
        "Sam Lee, week of 2 Mar 2026",
    }
    first = by_label["Elena Ruiz, week of 2 Mar 2026"]
    assert first["group_key"] == "missing_project|person_week|P-1:2026-03-02"
    assert (first["entries"], first["hours"], first["amount_base"]) == (2, D("5.00"), None)
    # 2 Mar -> 3 Apr is 32 days (29 left in March + 3), not the 0 days since the rules ran
    assert first["age_days"] == 32
    # no money known and not a kind that stops billing: low
    assert first["severity"] == "low"
    # the rows name the person, not the id
    rows = queue(firm, as_of=AS_OF)
    t1 = rows.filter(rows["exception_id"] == "missing_project:T-1").row(0, named=True)
    assert (t1["person_name"], t1["event_date"], t1["age_days"]) == (
        "Elena Ruiz",
        date(2026, 3, 2),
        32,
    )


def test_money_decides_severity_and_order(firm):
    # T-1 600.00 + T-4 450.00 on PR-1: a project group of 1,050.00 (high, though each is
    # medium); T-2 99.99 alone would be low, T-3 100.00 exactly is medium.
    found = [unbilled("T-1", "600.00"), unbilled("T-4", "450.00")]
    found += [
        Finding(
            "write_down",
            "I-9",
            "invoice I-9 bills below the card",
            amount=D("99.99"),
            currency="USD",
            invoice_id="I-9",
        ),
        Finding(
            "write_down",
            "I-8",
            "invoice I-8 bills below the card",
            amount=D("100.00"),
            currency="USD",
            invoice_id="I-8",
        ),
    ]
    sync_exceptions(firm, found + NO_PROJECT, "rules", {}, now=T0)
    severity = dict(firm.execute("SELECT exception_id, severity FROM exceptions").fetchall())
    assert severity["unbilled_time:T-1"] == severity["unbilled_time:T-4"] == "medium"
    assert severity["write_down:I-9"] == "low" and severity["write_down:I-8"] == "medium"
    ranked = groups(firm, as_of=AS_OF)
    top = ranked.row(0, named=True)
    assert (top["group_key"], top["amount_base"], top["entries"], top["severity"]) == (
        "unbilled_time|project|PR-1",
        D("1050.00"),
        2,
        "high",
    )
    assert top["group_label"] == "Storefront"  # the project's name
    # then the invoices by money, then the unpriced person-weeks
    assert ranked["group_key"].to_list()[1:3] == [
        "write_down|invoice|I-8",
        "write_down|invoice|I-9",
    ]
    assert ranked["amount_base"].to_list()[3:] == [None, None, None]
    only_high = groups(firm, as_of=AS_OF, severities=["high"])
    assert only_high["group_key"].to_list() == ["unbilled_time|project|PR-1"]


def test_a_group_is_decided_at_once_and_not_twice(firm):
    sync_exceptions(firm, NO_PROJECT, "rules", {}, now=T0)
    key = "missing_project|person_week|P-1:2026-03-02"
    assert decide_group(firm, key, "reject", "dana", "internal time", now=T0) == 2
    status = dict(firm.execute("SELECT exception_id, status FROM exceptions").fetchall())
    assert status == {
        "missing_project:T-1": "rejected",
        "missing_project:T-2": "rejected",
        "missing_project:T-3": "open",
        "missing_project:T-4": "open",
    }
    audit = firm.execute(
        "SELECT actor, action, object_id, reason FROM audit_log "
        "WHERE object_type = 'exception' ORDER BY audit_id"
    ).fetchall()
    assert audit == [
        ("dana", "reject", "missing_project:T-1", "internal time"),
        ("dana", "reject", "missing_project:T-2", "internal time"),
    ]
    with pytest.raises(ValueError, match="decided already"):
        decide_group(firm, key, "approve", "dana", now=T0)
    assert firm.execute("SELECT count(*) FROM audit_log").fetchall() == [(2,)]


def test_two_sessions_deciding_one_group_in_the_same_second_apply_it_once(tmp_path: Path):
    """A is paused between reading the group's open findings and writing when B decides the
    same group: B waits for A's write turn, then finds nothing open and is refused."""
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    try:
        build(con, tmp_path, TM, "", ENTRIES)
        sync_exceptions(con, NO_PROJECT, "rules", {}, now=T0)
    finally:
        con.close()
    key = "missing_project|person_week|P-1:2026-03-02"

    def session(actor: str, action: str, pause=None) -> int:
        with read_write(db) as rw:
            return decide_group(rw, key, action, actor, now=T0, pause=pause)

    a, b = overlap(lambda pause: session("A", "approve", pause), lambda: session("B", "reject"))
    assert a.error is None and a.value == 2
    assert isinstance(b.error, ValueError) and "decided already" in str(b.error)
    con = connect(db)
    try:
        audit = con.execute("SELECT actor, action FROM audit_log ORDER BY audit_id").fetchall()
    finally:
        con.close()
    assert audit == [("A", "approve"), ("A", "approve")]  # two findings, once each
