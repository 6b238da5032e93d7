"""The stored groups (exception_groups, migration 016) after the write paths that are not
decisions: a rules run (and the next run that no longer finds some of it), a tracker sync that
raises findings on billed time, and a rules run and a decision at once from two sessions. Each
time the stored groups hold the figures worked out by hand from tests/rules/test_rules.py's
small firm and equal the groups computed from the findings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import polars as pl

from billing.locks import hold
from etl.sync.run import run_sync
from exception_queue.findings import decide, group_counts, group_page, groups
from rules.engine import run_rules
from tests.etl.test_sync_harvest import ctx, three_entries
from tests.rules.test_rules import AS_OF, ENTRIES, EXPENSES, T1, T2, firm
from tests.support.fake_trackers import FakeHarvest, harvest_entry
from tests.support.sessions import overlap
from warehouse import exception_groups
from warehouse.db import connect
from warehouse.sessions import read_write

COLUMNS = ["group_key", "entries", "amount_base", "hours", "age_days", "severity", "group_label"]


def stored_rows(con) -> dict[str, tuple[int, object]]:
    """group_key -> (open findings, hours) straight from the table, summed over its clients."""
    rows = con.execute(
        "SELECT group_key, sum(entries)::INTEGER, sum(hours) FROM exception_groups GROUP BY 1"
    ).fetchall()
    return {key: (entries, hours) for key, entries, hours in rows}


def assert_same_as_the_findings(con, as_of) -> None:
    """The page's stored read (groups and per-severity counts) equals the groups computed from
    every finding, row for row, in the same order."""
    assert exception_groups.is_current(con)  # else the page would not read the table at all
    live = groups(con, as_of=as_of).select(COLUMNS).with_columns(pl.col("entries").cast(pl.Int64))
    page = group_page(con, as_of=as_of).select(COLUMNS)
    assert page.with_columns(pl.col("entries").cast(pl.Int64)).rows() == live.rows()
    counts = {
        r["severity"]: (r["groups"], r["findings"])
        for r in group_counts(con, as_of=as_of).iter_rows(named=True)
    }
    expected: dict[str, tuple[int, int]] = {}
    for r in live.iter_rows(named=True):
        n, f = expected.get(r["severity"], (0, 0))
        expected[r["severity"]] = (n + 1, f + r["entries"])
    assert counts == expected


def test_a_rules_run_stores_its_groups_and_the_next_run_takes_out_what_it_resolved(con, tmp_path):
    firm(con, tmp_path)
    run_rules(con, AS_OF, now=T1)
    table = stored_rows(con)
    # T-5: Ava (P-3), Wed 4 Mar, 2 h without a project: her week of Mon 2 Mar
    assert table["missing_project|person_week|P-3:2026-03-02"] == (1, D("2.00"))
    # time after a project's end: T-6 on PR-3 (1 h), T-8 on PR-6 (1 h), one group per project
    assert table["time_after_end|project|PR-3"][0] == 1
    assert table["time_after_end|project|PR-6"][0] == 1
    assert table["time_on_completed_project|project|PR-3"][0] == 1
    assert_same_as_the_findings(con, AS_OF)
    # the data fixed: T-5 gets a project, T-8 moves into PR-6's dates
    fixed = ENTRIES.replace("T-5,P-3,2026-03-04,2,,", "T-5,P-3,2026-03-04,2,PR-1,")
    fixed = fixed.replace("T-8,P-1,2026-04-01", "T-8,P-1,2026-03-30")
    firm(con, tmp_path, fixed, EXPENSES)
    run_rules(con, AS_OF, now=T2)
    table = stored_rows(con)
    assert "missing_project|person_week|P-3:2026-03-02" not in table
    assert "time_after_end|project|PR-6" not in table
    assert table["time_after_end|project|PR-3"][0] == 1  # T-6 is still after PR-3's end
    assert_same_as_the_findings(con, AS_OF)


def test_a_tracker_sync_stores_the_groups_of_the_findings_it_raises(con, monkeypatch):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    assert stored_rows(con) == {}
    hold(con, 1, [("entry", "harvest-1001", "", "", "")])  # a saved draft bills it
    fake.put(
        harvest_entry(1001, "2026-11-02", 3.0, updated_at="2026-11-06T10:00:00Z", is_closed=True)
    )
    run_sync(con, "harvest", ctx(fake))
    # the sync's finding names no person or date: a group of its own, keyed by the entry
    assert stored_rows(con) == {"billed_entry_changed|item|harvest-1001": (1, None)}
    today = datetime(2026, 11, 7, tzinfo=UTC).date()
    assert_same_as_the_findings(con, today)
    fake.delete(1001)
    monkeypatch.setenv("BILLING_TODAY", "2026-11-08")
    run_sync(con, "harvest", ctx(fake))
    assert stored_rows(con) == {
        "billed_entry_changed|item|harvest-1001": (1, None),
        "billed_entry_deleted|item|harvest-1001": (1, None),
    }
    assert_same_as_the_findings(con, today.replace(day=8))


def test_a_rules_run_and_a_decision_at_once_keep_the_groups(tmp_path: Path):
    """Session A rejects the long day while session B runs the rules: B waits for A's write
    turn (or is refused as busy and runs again); the long day's group ends empty and every
    other group as the findings say."""
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    try:
        firm(con, tmp_path)
        run_rules(con, AS_OF, now=T1)
        before = stored_rows(con)
    finally:
        con.close()
    long_day = [k for k in before if k.startswith("long_day|")]
    assert long_day and all(before[k][0] == 1 for k in long_day)

    def session_a(pause) -> None:
        with read_write(db) as rw:
            decide(rw, "long_day:P-1:2026-03-02", "reject", "A", "crunch", now=T2, pause=pause)

    def session_b() -> None:
        with read_write(db) as rw:
            run_rules(rw, AS_OF, actor="system", now=T2)

    a, b = overlap(session_a, session_b)
    assert a.error is None
    if b.error is not None:  # refused as busy: nothing of it written; the same run again
        session_b()
    con = connect(db)
    try:
        after = stored_rows(con)
        rejected = con.execute(
            "SELECT status FROM exceptions WHERE exception_id = 'long_day:P-1:2026-03-02'"
        ).fetchall()
        assert rejected == [("rejected",)]
        (p1_day,) = [k for k in long_day if "P-1" in k]
        assert p1_day not in after  # its only finding was rejected
        assert {k: v for k, v in after.items() if k != p1_day} == {
            k: v for k, v in before.items() if k != p1_day
        }
        assert_same_as_the_findings(con, AS_OF)
    finally:
        con.close()


def test_classification_auto_applied_and_undone_keeps_the_groups(con, tmp_path):
    """T-1 (1 h, no project) and T-7 (rush work) are both Elena's, in her week of Mon 6 Apr.
    Auto-applying both suggestions settles T-1's missing_project finding with its suggestion;
    undoing T-7 opens its suggestion again, undoing T-1 opens both of T-1's rows, the
    suggestion standing for the entry (its missing_project finding hidden)."""
    from rules.classify import apply
    from rules.classify.cascade import run_classify
    from rules.classify.config import ClassifyConfig
    from tests.rules import test_classify_apply as classify
    from tests.rules.classify_firm import build as build_classify_firm

    build_classify_firm(con, tmp_path, classify.ENTRIES)
    run_rules(con, classify.AS_OF, now=classify.NOW)
    no_project = "missing_project|person_week|P-1:2026-04-06"
    suggestions = "classify_suggestion|person_week|P-1:2026-04-06"
    assert stored_rows(con)[no_project] == (1, D("1.00"))
    config = ClassifyConfig(llm_below=0.0, auto_apply=True, auto_apply_threshold=0.98)
    result = run_classify(con, classify.AS_OF, config, llm_mode="off", now=classify.NOW)
    conf = dict(zip(result.entries["entry_id"], result.entries["confidence"], strict=True))
    auto = sorted(e for e, c in conf.items() if c >= 0.98)
    assert "T-7" in auto and result.summary["auto_applied"] == len(auto)
    # The novelty cap may keep T-1 below auto-apply (its note is new to the history): a person
    # accepts it then, the other write path that settles both of its rows.
    manual = [f"classify_suggestion:{e}" for e in ("T-1", "T-7") if e not in auto]
    if manual:
        apply.accept(con, manual, "dana", now=classify.NOW)
    assert no_project not in stored_rows(con) and suggestions not in stored_rows(con)
    assert_same_as_the_findings(con, classify.AS_OF)
    apply.undo(con, "classify_suggestion:T-7", "dana", now=classify.LATER)
    assert stored_rows(con)[suggestions][0] == 1
    assert no_project not in stored_rows(con)
    assert_same_as_the_findings(con, classify.AS_OF)
    apply.undo(con, "classify_suggestion:T-1", "dana", now=classify.LATER)
    assert stored_rows(con)[suggestions][0] == 2
    assert no_project not in stored_rows(con)  # hidden behind T-1's open suggestion
    assert_same_as_the_findings(con, classify.AS_OF)
