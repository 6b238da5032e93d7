"""Suggestions in the exception queue: one-click acceptance writes the entry's missing fields
as overrides (audited), auto-apply is off by default and audited when on, and both can be
undone; the CLI prints DESIGN.md's JSON and fails in one line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from exception_queue.findings import decide
from rules.__main__ import main
from rules.classify import apply
from rules.classify.cascade import run_classify
from rules.classify.config import ClassifyConfig, SplitRule, VendorRule
from rules.engine import run_rules
from tests.rules.classify_firm import build

AS_OF = date(2026, 4, 30)
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
ENTRIES = (
    "T-1,P-1,2026-04-06,1,,,STORE-912 checkout bug,,,\n"  # ticket key: PR-1, S-1-DEV
    "T-7,P-1,2026-04-08,1,PR-2,S-2-DEV,URGENT prod down,,,\n"  # billable true, rush
)
EXPENSES = (
    "expense_id,person_id,date,amount,currency,description,vendor,project_id,split\n"
    "X-1,P-1,2026-04-09,48.00,USD,Figma seats,Figma,,\n"  # vendor rule
    "X-2,P-1,2026-04-09,1250.00,USD,AWS shared staging cluster,Amazon Web Services,,\n"  # split
    "X-3,P-1,2026-04-10,310.00,USD,Hotel 2 nights (STORE),Marriott,,\n"  # project code
    "X-4,P-1,2026-04-10,40.00,USD,Team lunch,Cafe,,\n"  # nothing to go on
)
OFF = ClassifyConfig(llm_below=0.0)


def effective(con, entry_id: str) -> tuple:
    return con.execute(
        "SELECT project_id, sow_line_id, billable, work_type FROM effective_time_entries "
        "WHERE entry_id = ?",
        [entry_id],
    ).fetchall()[0]


def test_suggestions_wait_in_the_queue_until_accepted(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    run_classify(con, AS_OF, OFF, llm_mode="off", now=NOW)
    queue = con.execute(
        "SELECT exception_id, status, source, project_id FROM exceptions ORDER BY 1"
    ).fetchall()
    assert queue == [
        ("classify_suggestion:T-1", "open", "classify", "PR-1"),
        ("classify_suggestion:T-7", "open", "classify", "PR-2"),
    ]
    assert effective(con, "T-1") == (None, None, None, None)  # auto-apply is off by default
    assert (
        apply.accept(con, ["classify_suggestion:T-1", "classify_suggestion:T-7"], "dana", now=LATER)
        == 2
    )
    assert effective(con, "T-1") == ("PR-1", "S-1-DEV", True, "standard")
    assert effective(con, "T-7") == ("PR-2", "S-2-DEV", True, "rush")
    overrides = con.execute(
        "SELECT field, value, decided_by FROM entry_overrides WHERE entry_id = 'T-7' ORDER BY field"
    ).fetchall()
    # T-7 had its project and line: only the two empty fields are written
    assert overrides == [("billable", "true", "dana"), ("work_type", "rush", "dana")]
    accepted = con.execute(
        "SELECT status, decided_by FROM classify_suggestions "
        "WHERE object_id = 'T-1' AND status <> 'superseded'"
    ).fetchall()
    assert accepted == [("accepted", "dana")]
    actions = con.execute(
        "SELECT action, object_type, object_id FROM audit_log "
        "WHERE actor = 'dana' ORDER BY audit_id"
    ).fetchall()
    assert actions == [
        ("classify_accepted", "time_entry", "T-1"),
        ("approve", "exception", "classify_suggestion:T-1"),
        ("classify_accepted", "time_entry", "T-7"),
        ("approve", "exception", "classify_suggestion:T-7"),
    ]


def test_accept_from_a_missing_project_row_and_undo(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    run_classify(con, AS_OF, OFF, llm_mode="off", now=NOW)
    run_rules(con, AS_OF)
    apply.accept(con, "missing_project:T-1", "dana", now=LATER)
    assert effective(con, "T-1")[:2] == ("PR-1", "S-1-DEV")
    apply.undo(con, "missing_project:T-1", "dana", now=LATER)
    assert effective(con, "T-1") == (None, None, None, None)
    assert con.execute("SELECT count(*) FROM entry_overrides").fetchall() == [(0,)]
    status = con.execute(
        "SELECT status FROM exceptions WHERE exception_id = 'missing_project:T-1'"
    ).fetchall()
    assert status == [("open",)]


def test_accept_refuses_rows_without_a_suggestion_and_writes_nothing(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    run_classify(con, AS_OF, OFF, llm_mode="off", now=NOW)
    apply.accept(con, "classify_suggestion:T-1", "dana", now=LATER)
    with pytest.raises(ValueError, match="no open suggestion for T-1"):
        apply.accept(con, ["classify_suggestion:T-7", "classify_suggestion:T-1"], "dana")
    assert effective(con, "T-7") == ("PR-2", "S-2-DEV", None, None)  # all or nothing


def test_auto_apply_is_audited_and_can_be_undone(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    config = ClassifyConfig(llm_below=0.0, auto_apply=True, auto_apply_threshold=0.98)
    result = run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    conf = dict(zip(result.entries["entry_id"], result.entries["confidence"], strict=True))
    applied = sorted(e for e, c in conf.items() if c >= 0.98)
    assert "T-7" in applied and result.summary["auto_applied"] == len(applied)
    assert effective(con, "T-7") == ("PR-2", "S-2-DEV", True, "rush")
    row = con.execute(
        "SELECT status, decided_by FROM exceptions WHERE exception_id = 'classify_suggestion:T-7'"
    ).fetchall()
    assert row == [("approved", "classify (auto)")]
    apply.undo(con, "classify_suggestion:T-7", "dana", now=LATER)
    assert effective(con, "T-7") == ("PR-2", "S-2-DEV", None, None)
    # the next run suggests it again but never re-applies what a person undid
    run_classify(con, AS_OF, config, llm_mode="off", now=LATER)
    assert effective(con, "T-7") == ("PR-2", "S-2-DEV", None, None)


def test_decisions_survive_a_rerun(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    run_classify(con, AS_OF, OFF, llm_mode="off", now=NOW)
    decide(con, "classify_suggestion:T-1", "reject", "dana", "wrong project", now=NOW)
    run_classify(con, AS_OF, OFF, llm_mode="off", now=LATER)
    row = con.execute(
        "SELECT status, decided_by FROM exceptions WHERE exception_id = 'classify_suggestion:T-1'"
    ).fetchall()
    assert row == [("rejected", "dana")]


def test_expense_rules_suggest_projects_and_splits(con, tmp_path):
    build(con, tmp_path, "", expenses=EXPENSES)
    config = ClassifyConfig(
        llm_below=0.0,
        vendor_rules=(VendorRule("figma", "PR-9", False),),  # vendor names match in any case
        split_rules=(SplitRule("shared staging", {"PR-1": 60, "PR-2": 40}),),
    )
    result = run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    got = {
        r["expense_id"]: (r["splits"], r["billable"], r["method"])
        for r in result.to_json()["expenses"]
    }
    assert got == {
        "X-1": ([{"project_id": "PR-9", "share": "1.00"}], False, "vendor_rule"),
        "X-2": (
            [{"project_id": "PR-1", "share": "0.60"}, {"project_id": "PR-2", "share": "0.40"}],
            True,
            "split_rule",
        ),
        "X-3": ([{"project_id": "PR-1", "share": "1.00"}], True, "project_code"),
        "X-4": ([], None, "none"),
    }


def test_cli_prints_the_design_json(db_path, con, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    build(con, tmp_path, ENTRIES)
    con.close()
    code = main(
        [
            "--db",
            str(db_path),
            "classify",
            "--llm",
            "off",
            "--format",
            "json",
            "--as-of",
            "2026-04-30",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"entries", "expenses"}
    t7 = next(e for e in doc["entries"] if e["entry_id"] == "T-7")
    assert t7 == {
        "entry_id": "T-7",
        "project_id": "PR-2",
        "sow_line_id": "S-2-DEV",
        "billable": True,
        "work_type": "rush",
        "confidence": 1.0,
        "method": "sow_line_defaults",
    }


def test_cli_llm_on_without_a_key_is_a_one_line_error(db_path, con, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr("rules.classify.llm.SECRETS_PATH", tmp_path / "no-secrets.toml")
    build(con, tmp_path, ENTRIES)
    con.close()
    assert main(["--db", str(db_path), "classify", "--llm", "on"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --llm on needs an Anthropic API key")
    config = tmp_path / "rules.toml"
    config.write_text("[classify]\nllm_below = 1.01\n")  # every entry would go to the LLM
    assert (
        main(
            [
                "--db",
                str(db_path),
                "classify",
                "--llm",
                "auto",
                "--as-of",
                "2026-04-30",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    notes = [line for line in capsys.readouterr().err.splitlines() if "API key" in line]
    assert len(notes) == 1  # said once


def test_an_applied_row_resolved_by_a_rerun_can_still_be_undone(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    config = ClassifyConfig(llm_below=0.0, auto_apply=True)
    run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    run_classify(con, AS_OF, config, llm_mode="off", now=LATER)  # T-7 is classified now
    before = con.execute(
        "SELECT status, resolved_at IS NOT NULL FROM exceptions "
        "WHERE exception_id = 'classify_suggestion:T-7'"
    ).fetchall()
    assert before == [("approved", True)]
    apply.undo(con, "classify_suggestion:T-7", "dana", now=LATER)
    after = con.execute(
        "SELECT status, resolved_at FROM exceptions WHERE exception_id = 'classify_suggestion:T-7'"
    ).fetchall()
    assert after == [("open", None)]
    assert effective(con, "T-7") == ("PR-2", "S-2-DEV", None, None)
