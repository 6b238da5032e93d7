"""The open findings' groups kept as a table (exception_groups, migration 016; issues 17 and 19):
after every write path (a sync of findings, a decision, a classification accepted and undone,
two sessions deciding at once) the stored groups equal the groups computed from the findings,
and hold the figures worked out by hand from tests/billing/firm.py's small firm."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from core.clock import TODAY_ENV
from exception_queue.findings import (
    Finding,
    decide,
    decide_group,
    group_counts,
    group_page,
    groups,
    sync_exceptions,
)
from rules.classify import apply, store
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
COLUMNS = ["group_key", "entries", "amount_base", "hours", "age_days", "severity", "group_label"]


def unbilled(ref: str, amount: str) -> Finding:
    return Finding(
        "unbilled_time",
        ref,
        f"entry {ref} is not invoiced",
        amount=D(amount),
        currency="USD",
        project_id="PR-1",
    )


NO_PROJECT = [Finding("missing_project", t, f"entry {t} has no project") for t in ("T-1", "T-3")]


@pytest.fixture
def firm(con, tmp_path):
    build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", ENTRIES)
    return con


def stored(con) -> dict[str, tuple]:
    """The groups as the page reads them from the table: key -> (findings, money, hours,
    age, severity)."""
    page = group_page(con, as_of=AS_OF)
    return {
        r["group_key"]: (
            int(r["entries"]),
            r["amount_base"],
            r["hours"],
            r["age_days"],
            r["severity"],
        )
        for r in page.iter_rows(named=True)
    }


def assert_same_as_the_findings(con) -> None:
    """The stored groups (page read and per-severity counts) equal the groups computed from
    the findings, row for row and in the same order."""
    live = groups(con, as_of=AS_OF).select(COLUMNS).with_columns(pl.col("entries").cast(pl.Int64))
    page = group_page(con, as_of=AS_OF).select(COLUMNS)
    assert page.with_columns(pl.col("entries").cast(pl.Int64)).rows() == live.rows()
    counts = {
        r["severity"]: (r["groups"], r["findings"])
        for r in group_counts(con, as_of=AS_OF).iter_rows(named=True)
    }
    expected = {}
    for r in live.iter_rows(named=True):
        n, f = expected.get(r["severity"], (0, 0))
        expected[r["severity"]] = (n + 1, f + r["entries"])
    assert counts == expected


def test_a_sync_stores_its_groups_and_the_next_one_moves_and_resolves_them(firm):
    sync_exceptions(
        firm,
        [unbilled("T-1", "600.00"), unbilled("T-4", "450.00")] + NO_PROJECT,
        "rules",
        {},
        now=T0,
    )
    # Storefront's unbilled time 600 + 450 = 1,050.00 over 6 h, high; Elena's two weeks without
    # a project, unpriced (low): 2 Mar (2 h, 32 days on 3 Apr) and 9 Mar (1 h, 24 days).
    assert stored(firm) == {
        "unbilled_time|project|PR-1": (2, D("1050.00"), D("6.00"), 32, "high"),
        "missing_project|person_week|P-1:2026-03-02": (1, None, D("2.00"), 32, "low"),
        "missing_project|person_week|P-1:2026-03-09": (1, None, D("1.00"), 24, "low"),
    }
    assert_same_as_the_findings(firm)
    # The next run: T-4 is billed (resolved), T-1's amount is now 700.00, T-3 has its project.
    sync_exceptions(firm, [unbilled("T-1", "700.00"), NO_PROJECT[0]], "rules", {}, now=T0)
    assert stored(firm) == {
        "unbilled_time|project|PR-1": (1, D("700.00"), D("2.00"), 32, "medium"),
        "missing_project|person_week|P-1:2026-03-02": (1, None, D("2.00"), 32, "low"),
    }
    assert_same_as_the_findings(firm)


def test_decisions_take_findings_out_of_their_groups_and_reopen_puts_them_back(firm):
    sync_exceptions(
        firm, [unbilled("T-1", "600.00"), unbilled("T-4", "450.00")], "rules", {}, now=T0
    )
    decide(firm, "unbilled_time:T-4", "reject", "dana", "billed by hand", now=T0)
    assert stored(firm) == {"unbilled_time|project|PR-1": (1, D("600.00"), D("2.00"), 32, "medium")}
    assert_same_as_the_findings(firm)
    decide(firm, "unbilled_time:T-4", "reopen", "dana", now=T0)
    assert stored(firm) == {"unbilled_time|project|PR-1": (2, D("1050.00"), D("6.00"), 32, "high")}
    assert decide_group(firm, "unbilled_time|project|PR-1", "approve", "dana", now=T0) == 2
    assert stored(firm) == {}
    assert firm.execute("SELECT count(*) FROM exception_groups").fetchall() == [(0,)]


def test_a_snooze_that_has_ended_counts_on_the_page_though_stored_as_snoozed(firm, monkeypatch):
    sync_exceptions(
        firm, [unbilled("T-1", "600.00"), unbilled("T-4", "450.00")], "rules", {}, now=T0
    )
    monkeypatch.setenv(TODAY_ENV, "2026-04-01")  # snoozed on 1 Apr until 2 Apr
    decide(
        firm,
        "unbilled_time:T-4",
        "snooze",
        "dana",
        until=date(2026, 4, 2),
        now=datetime(2026, 4, 1, tzinfo=UTC),
    )
    monkeypatch.setenv(TODAY_ENV, "2026-04-03")
    # stored: T-1 alone; read on 3 Apr, after the snooze ended on 2 Apr: both again
    assert firm.execute("SELECT entries FROM exception_groups").fetchall() == [(1,)]
    assert stored(firm) == {"unbilled_time|project|PR-1": (2, D("1050.00"), D("6.00"), 32, "high")}
    assert_same_as_the_findings(firm)


def test_accepting_a_suggestion_and_undoing_it_keep_the_groups(firm):
    """A suggestion hides its entry's missing_project finding (one row per entry); accepting it
    resolves both, undoing it opens both again."""
    sync_exceptions(firm, NO_PROJECT, "rules", {}, now=T0)
    week = "missing_project|person_week|P-1:2026-03-02"
    suggestion = "classify_suggestion|person_week|P-1:2026-03-02"
    _suggest(firm, "T-1", "PR-1")
    assert set(stored(firm)) == {suggestion, "missing_project|person_week|P-1:2026-03-09"}
    assert_same_as_the_findings(firm)
    assert apply.accept(firm, "classify_suggestion:T-1", "dana", now=T0) == 1
    assert stored(firm) == {
        "missing_project|person_week|P-1:2026-03-09": (1, None, D("1.00"), 24, "low")
    }
    assert_same_as_the_findings(firm)
    assert apply.undo(firm, "classify_suggestion:T-1", "dana", now=T0) == 1
    assert set(stored(firm)) == {suggestion, "missing_project|person_week|P-1:2026-03-09"}
    assert week not in stored(firm)  # hidden again behind the open suggestion
    assert_same_as_the_findings(firm)


def _suggest(con, entry_id: str, project_id: str) -> None:
    """An open classification suggestion for the entry and its queue row, as `rules classify`
    stores them (rules.classify.store)."""
    run_id = store.start_run(con, "dana", "off", T0)
    row = dict.fromkeys(store.SUGGESTION_COLUMNS) | {
        "object_type": "time_entry",
        "object_id": entry_id,
        "project_id": project_id,
        "confidence": 0.5,
        "method": "test",
        "input": "{}",
    }
    store.save_suggestions(con, run_id, pl.DataFrame([row], schema=store.SUGGESTION_COLUMNS), T0)
    store.sync_findings(
        con, [Finding("classify_suggestion", entry_id, f"suggest {project_id}")], "dana", T0
    )


def test_two_sessions_deciding_in_the_same_second_keep_the_counts(tmp_path: Path):
    """A rejects T-1 and B rejects T-4 of the same project group at once: the group ends with
    none open, never with a count one of them wrote over the other's."""
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    try:
        build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", ENTRIES)
        sync_exceptions(
            con, [unbilled("T-1", "600.00"), unbilled("T-4", "450.00")], "rules", {}, now=T0
        )
    finally:
        con.close()

    def session(actor: str, ref: str, pause=None) -> None:
        with read_write(db) as rw:
            decide(rw, f"unbilled_time:{ref}", "reject", actor, now=T0, pause=pause)

    a, b = overlap(lambda pause: session("A", "T-1", pause), lambda: session("B", "T-4"))
    assert a.error is None and b.error is None
    con = connect(db)
    try:
        assert con.execute("SELECT count(*) FROM exception_groups").fetchall() == [(0,)]
        assert stored(con) == {}
        assert_same_as_the_findings(con)
    finally:
        con.close()
