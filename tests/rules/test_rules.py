"""Rules engine, first kinds: long_day, missing_project, time_after_end,
time_on_completed_project, expense_no_receipt. Each has a case that fires and a near miss."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from exception_queue.findings import decide
from rules.__main__ import main
from rules.config import RulesConfig, load_config
from rules.engine import run_rules
from tests.billing.firm import BASE, build, entry

AS_OF = date(2026, 4, 30)
T1 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)

TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
"""
RATES = "C-1,150.00,2026-01-01,,,,\n"
# PR-6: active, with an end date (time_after_end only); PR-3 (BASE): completed, ends 2026-03-20;
# PR-7: completed with no end date (never flagged)
PROJECTS = BASE["projects.csv"] + (
    "PR-6,Wrap-up,CL-1,active,2026-01-01,2026-03-31\nPR-7,Old,CL-2,completed,2026-01-01,\n"
)
ENTRIES = (
    # long_day: P-1 on 03-02 is 6 + 4.25 = 10.25 h (fires); P-2 on 03-02 is exactly 10.0 h (not)
    entry("T-1", "P-1", "2026-03-02", "6", "PR-1")
    + entry("T-2", "P-1", "2026-03-02", "4.25", "PR-2")
    + entry("T-3", "P-2", "2026-03-02", "10.0", "PR-1")
    + entry("T-4", "P-3", "2026-03-03", "9.9", "PR-1")
    # missing_project: T-5 has none (fires); T-4 has one (not)
    + entry("T-5", "P-3", "2026-03-04", "2", "")
    # PR-3 completed, ended 03-20: T-6 after (both kinds), T-7 on the end date (neither)
    + entry("T-6", "P-2", "2026-03-23", "1", "PR-3")
    + entry("T-7", "P-2", "2026-03-20", "1", "PR-3")
    # PR-6 active, ends 03-31: T-8 after (time_after_end only), T-9 on the day (neither)
    + entry("T-8", "P-1", "2026-04-01", "1", "PR-6")
    + entry("T-9", "P-1", "2026-03-31", "1", "PR-6")
    # PR-7 completed without an end date: never flagged
    + entry("T-10", "P-1", "2026-04-02", "1", "PR-7")
    # after the as-of date: not looked at
    + entry("T-11", "P-1", "2026-05-04", "11", "")
)
EXPENSE_HEADER = (
    "expense_id,person_id,date,amount,currency,description,project_id,billable,receipt_ref\n"
)
EXPENSES = EXPENSE_HEADER + (
    "X-1,P-1,2026-03-05,1000.01,USD,Hotel,PR-1,true,\n"  # fires: 1000.01 > 1000.00
    "X-2,P-1,2026-03-05,1000.00,USD,Hotel,PR-1,true,\n"  # exactly 1000.00: not above
    "X-3,P-1,2026-03-10,950.00,EUR,Flight,PR-1,true,\n"  # 950 x 1.08 = 1026.00 USD: fires
    "X-4,P-1,2026-03-05,5000.00,USD,Laptop,PR-1,true,RCPT-9\n"  # has a receipt: not
    "X-5,P-1,2026-03-01,950.00,EUR,Train,PR-1,true,\n"  # 950 x 1.02 = 969.00 (older rate): not
)
FX = "date,currency,rate_to_base\n2026-02-01,EUR,1.02\n2026-03-08,EUR,1.08\n2026-03-20,EUR,1.20\n"

EXPECTED = [
    ("expense_no_receipt", "X-1"),
    ("expense_no_receipt", "X-3"),
    ("long_day", "P-1:2026-03-02"),
    ("missing_project", "T-5"),
    ("time_after_end", "T-6"),
    ("time_after_end", "T-8"),
    ("time_on_completed_project", "T-6"),
]


# This firm is built for the five kinds above; the other rules (under-reporting, leakage...)
# also find things in it, tested in their own files. These tests look at these five.
FIVE = {kind for kind, _ in EXPECTED}


def ours(found):
    return [(e.kind, e.ref) for e in found if e.kind in FIVE]


def firm(con, tmp_path, entries=ENTRIES, expenses=EXPENSES):
    build(
        con,
        tmp_path,
        TM,
        RATES,
        entries,
        projects__csv=PROJECTS,
        expenses__csv=expenses,
        fx_rates__csv=FX,
    )


def queue_rows(con):
    return con.execute(
        "SELECT kind, ref, status, severity, value, currency FROM exceptions "
        "WHERE source = 'rules' ORDER BY kind, ref"
    ).fetchall()


def test_each_kind_fires_and_near_misses_do_not(con, tmp_path):
    firm(con, tmp_path)
    result = run_rules(con, AS_OF, now=T1)
    assert ours(result.exceptions) == EXPECTED
    assert result.counts == {"new": len(result.exceptions), "updated": 0, "resolved": 0}
    by = {(e.kind, e.ref): e for e in result.exceptions}
    assert by["expense_no_receipt", "X-1"].value == D("1000.01")
    assert by["expense_no_receipt", "X-3"].value == D("1026.00")  # EUR 950 x 1.08
    assert by["expense_no_receipt", "X-3"].evidence["rate_to_base"] == 1.08
    assert by["long_day", "P-1:2026-03-02"].evidence["hours"] == 10.25
    assert by["time_on_completed_project", "T-6"].severity == "high"
    rows = {(k, r): (s, sev, v, cur) for k, r, s, sev, v, cur in queue_rows(con)}
    assert rows["expense_no_receipt", "X-3"] == ("open", "medium", D("1026.00"), "USD")
    assert rows["long_day", "P-1:2026-03-02"] == ("open", "low", None, None)
    evidence, action, project = con.execute(
        "SELECT evidence, suggested_action, project_id FROM exceptions "
        "WHERE exception_id = 'time_after_end:T-8'"
    ).fetchall()[0]
    evidence = json.loads(evidence)
    assert evidence["project_end_date"] == "2026-03-31"
    assert evidence["time_entry"]["entry_id"] == "T-8"  # the queue's own entry evidence
    assert project == "PR-6" and "end date" in action


def test_as_of_limits_the_dates_looked_at(con, tmp_path):
    firm(con, tmp_path)
    found = {(e.kind, e.ref) for e in run_rules(con, date(2026, 3, 31), now=T1).exceptions}
    assert ("time_after_end", "T-8") not in found  # dated 04-01
    assert ("long_day", "P-1:2026-05-04") not in found
    found = {(e.kind, e.ref) for e in run_rules(con, date(2026, 5, 4), now=T2).exceptions}
    assert {("long_day", "P-1:2026-05-04"), ("missing_project", "T-11")} <= found


def test_thresholds_come_from_config(con, tmp_path):
    firm(con, tmp_path)
    config = RulesConfig.with_thresholds(long_day_hours=D("9.8"))
    found = {(e.kind, e.ref) for e in run_rules(con, AS_OF, config, now=T1).exceptions}
    assert {("long_day", "P-2:2026-03-02"), ("long_day", "P-3:2026-03-03")} <= found
    path = tmp_path / "rules.toml"
    path.write_text(
        'long_day_hours = 12\nexpense_receipt_above = "500"\n[severity]\nlong_day = "high"\n'
    )
    loaded = load_config(path)
    assert (loaded.long_day_hours, loaded.expense_receipt_above) == (D(12), D(500))
    assert loaded.severity["long_day"] == "high" and loaded.severity["missing_project"] == "medium"
    assert load_config().long_day_hours == D(10)
    path.write_text("long_day_hourz = 3\n")
    with pytest.raises(ValueError, match="unknown key"):
        load_config(path)


def test_rerun_is_idempotent(con, tmp_path):
    firm(con, tmp_path)
    first = run_rules(con, AS_OF, now=T1)
    before = queue_rows(con)
    second = run_rules(con, AS_OF, now=T2)
    assert [e.to_json() for e in second.exceptions] == [e.to_json() for e in first.exceptions]
    assert second.counts == {"new": 0, "updated": len(first.exceptions), "resolved": 0}
    assert queue_rows(con) == before


def test_decision_survives_rerun_and_fixed_condition_resolves(con, tmp_path):
    firm(con, tmp_path)
    run_rules(con, AS_OF, now=T1)
    decide(con, "long_day:P-1:2026-03-02", "reject", "ops@kestrel", "a real crunch day")
    run_rules(con, AS_OF, now=T2)
    status = dict(con.execute("SELECT exception_id, status FROM exceptions").fetchall())
    assert status["long_day:P-1:2026-03-02"] == "rejected"
    # fix the data: X-1 gets a receipt, T-5 gets a project, T-8 moves into PR-6's dates
    fixed_entries = ENTRIES.replace("T-5,P-3,2026-03-04,2,,", "T-5,P-3,2026-03-04,2,PR-1,")
    fixed_entries = fixed_entries.replace("T-8,P-1,2026-04-01", "T-8,P-1,2026-03-30")
    fixed_expenses = EXPENSES.replace("Hotel,PR-1,true,\n", "Hotel,PR-1,true,R-1\n", 1)
    firm(con, tmp_path, fixed_entries, fixed_expenses)
    result = run_rules(con, AS_OF, now=datetime(2026, 5, 3, tzinfo=UTC))
    assert result.counts["resolved"] >= 3  # these three, and what other rules no longer see
    rows = con.execute(
        "SELECT exception_id, status, resolved_reason FROM exceptions WHERE source = 'rules'"
    ).fetchall()
    status = {x: (s, reason) for x, s, reason in rows}
    for gone in ("expense_no_receipt:X-1", "missing_project:T-5", "time_after_end:T-8"):
        assert status[gone][0] == "resolved"
        assert "condition no longer holds after rules run" in status[gone][1]
    assert status["long_day:P-1:2026-03-02"] == ("rejected", None)  # still found, still decided


def test_cli_json_and_exit_codes(con, tmp_path, db_path, capsys):
    firm(con, tmp_path)
    con.close()
    code = main(["--db", str(db_path), "run", "--as-of", "2026-04-30", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert [(e["kind"], e["ref"]) for e in out["exceptions"] if e["kind"] in FIVE] == EXPECTED
    total = len(out["exceptions"])
    assert set(out["exceptions"][0]) == {"kind", "ref", "severity", "value", "detail"}
    x3 = next(e for e in out["exceptions"] if e["ref"] == "X-3")
    assert (x3["severity"], x3["value"]) == ("medium", "1026.00")
    assert main(["run", "--db", str(db_path), "--as-of", "2026-04-30"]) == 0
    assert (
        f"{total} exception(s): 0 new, {total} still found, 0 resolved" in capsys.readouterr().out
    )
    for bad in (["run", "--as-of", "30/04/2026"], ["run", "--format", "xml"], ["walk"], []):
        with pytest.raises(SystemExit) as exit_:
            main(["--db", str(db_path), *bad])
        assert exit_.value.code == 2
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "none.duckdb"), "run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no warehouse at") and err.count("\n") == 1
