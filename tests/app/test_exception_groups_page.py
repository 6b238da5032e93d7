"""The Exceptions page as a queue of groups (issue 17 items 1 and 2), in AppTest on small firms
whose every figure is worked out by hand: groups biggest money first with low ones hidden by
default, a group decided at once from the page, one row per entry when a suggestion exists,
and names and plain words (not ids and snake_case) in the tables and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from exception_queue.findings import Finding, queue, sync_exceptions
from read_models import exception_review as er
from rules.classify.cascade import run_classify
from rules.classify.config import ClassifyConfig
from rules.engine import run_rules
from tests.billing.firm import build, entry
from tests.rules import classify_firm
from tests.support.app_pages import open_page, query, select_rows
from warehouse.db import connect

PAGE = "pages/exceptions.py"
USER = "Dana Ortiz"
T0 = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
"""
# Elena (P-1) and Sam (P-2) on Storefront (PR-1, Acme Corp)
ENTRIES = (
    entry("T-1", "P-1", "2026-03-02", "2", "PR-1")
    + entry("T-2", "P-1", "2026-03-04", "3", "PR-1")
    + entry("T-4", "P-2", "2026-03-03", "4", "PR-1")
)
# Storefront's unbilled time: 600.00 + 450.00 = 1,050.00 (high); invoice I-8's write-down
# 250.00 (medium: no project, so its invoice is the group); Elena's week of time without a
# project (no money: low, hidden by default).
FINDINGS = [
    Finding(
        "unbilled_time",
        "T-1",
        "entry T-1 by P-1 on PR-1 is not invoiced",
        amount=D("600.00"),
        currency="USD",
        project_id="PR-1",
    ),
    Finding(
        "unbilled_time",
        "T-4",
        "entry T-4 by P-2 on PR-1 is not invoiced",
        amount=D("450.00"),
        currency="USD",
        project_id="PR-1",
    ),
    Finding(
        "write_down",
        "I-8",
        "invoice I-8 bills below the card",
        amount=D("250.00"),
        currency="USD",
        invoice_id="I-8",
        client_id="CL-1",
    ),
    Finding("missing_project", "T-2", "entry T-2 by P-1 on 2026-03-04 (3.00 h) has no project"),
]


@pytest.fixture
def small_db(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("BILLING_TODAY", "2026-04-03")
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    try:
        build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", ENTRIES)
        sync_exceptions(con, FINDINGS, "rules", {}, now=T0)
    finally:
        con.close()
    return db


def groups_table(at):
    return next(df.value for df in at.dataframe if df.key and df.key.startswith("group_table"))


def findings_table(at):
    return next(df.value for df in at.dataframe if df.key and df.key.startswith("exception_table"))


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.clock
def test_groups_biggest_money_first_and_low_ones_hidden_by_default(monkeypatch, small_db):
    at = open_page(monkeypatch, small_db, PAGE, user=USER)
    groups = groups_table(at)
    assert groups["group_label"].tolist() == ["Storefront", "Invoice I-8"]
    assert groups["kind_label"].tolist() == [
        "Approved time not invoiced",
        "Invoice below the rate card",
    ]
    assert [D(str(v)) for v in groups["amount_base"]] == [D("1050.00"), D("250.00")]
    assert groups["severity"].tolist() == ["high", "medium"]
    assert groups["entries"].tolist() == [2, 1]
    assert metric(at, "Groups to decide") == "2"
    assert metric(at, "At stake (USD)") == "1,300"  # 1,050.00 + 250.00, whole units
    assert metric(at, "Findings in them") == "3"
    assert any("1 more group(s)" in c.value for c in at.caption)  # Elena's week, low
    # the findings table names people and projects, and ages from the entry date:
    # T-1 on 2 Mar is 32 days old on 3 Apr
    rows = findings_table(at).set_index("exception_id")
    assert rows.loc["unbilled_time:T-1", "person_name"] == "Elena Ruiz"
    assert rows.loc["unbilled_time:T-1", "project_name"] == "Storefront"
    assert rows.loc["unbilled_time:T-1", "age_days"] == 32
    assert rows.loc["unbilled_time:T-1", "detail"] == (
        "entry T-1 by Elena Ruiz on Storefront is not invoiced"
    )  # names, not P-1 / PR-1


@pytest.mark.clock
def test_a_group_is_decided_at_once_from_the_page(monkeypatch, small_db):
    at = open_page(monkeypatch, small_db, PAGE, user=USER)
    at = select_rows(at, "group_table", [0])  # Storefront's unbilled time, 2 findings
    at.radio(key="group_decision").set_value("reject").run()
    next(t for t in at.text_input if t.form_id == "decide_group").input("billed by hand")
    submit = next(b for b in at.button if b.form_id == "decide_group")
    assert submit.label == "Reject · 1 group, 2 findings"
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(
        small_db,
        "select exception_id, status, decided_by, decision_reason from "
        "exceptions where status <> 'open' order by 1",
    ) == [
        ("unbilled_time:T-1", "rejected", USER, "billed by hand"),
        ("unbilled_time:T-4", "rejected", USER, "billed by hand"),
    ]
    assert query(small_db, "select count(*) from audit_log where actor = ?", [USER]) == [(2,)]
    assert groups_table(at)["group_label"].tolist() == ["Invoice I-8"]


@pytest.mark.clock
def test_the_csv_has_plain_headers_names_and_kinds_in_words(small_db):
    con = connect(small_db)
    try:
        rows = queue(con, as_of=date(2026, 4, 3))
    finally:
        con.close()
    lines = list(csv.DictReader(io.StringIO(er.rows_csv(rows))))
    assert list(lines[0]) == list(er.CSV_COLUMNS.values())
    assert all("_" not in header for header in lines[0])  # no snake_case header
    t2 = next(r for r in lines if r["Reference"] == "T-2")
    assert (t2["Kind"], t2["Person"], t2["Group"]) == (
        "Time without a project",
        "Elena Ruiz",
        "Elena Ruiz, week of 2 Mar 2026",
    )
    assert t2["Detail"] == "entry T-2 by Elena Ruiz on 2026-03-04 (3.00 h) has no project"
    assert "P-1" not in er.rows_csv(rows)


AS_OF = date(2026, 4, 30)
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def classified_db(tmp_path: Path, monkeypatch) -> Path:
    """classify_firm's T-1 (no project, notes "STORE-912 checkout bug"): the rules flag it
    missing_project and the classifier suggests Storefront for it."""
    monkeypatch.setenv("BILLING_TODAY", "2026-05-01")
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    try:
        classify_firm.build(con, tmp_path, "T-1,P-1,2026-04-06,1,,,STORE-912 checkout bug,,,\n")
        run_classify(con, AS_OF, ClassifyConfig(llm_below=0.0), llm_mode="off", now=NOW)
        run_rules(con, AS_OF, now=NOW)
    finally:
        con.close()
    return db


@pytest.mark.clock
def test_one_row_per_entry_and_accepting_the_suggestion_resolves_it(monkeypatch, classified_db):
    assert query(
        classified_db, "select exception_id, status from exceptions where ref = 'T-1' order by 1"
    ) == [("classify_suggestion:T-1", "open"), ("missing_project:T-1", "open")]
    at = open_page(monkeypatch, classified_db, PAGE, user=USER)
    next(m for m in at.multiselect if m.label == "Severity").set_value([]).run()  # every group
    entry_rows = findings_table(at)
    entry_rows = entry_rows[entry_rows["ref"] == "T-1"]
    assert entry_rows["exception_id"].tolist() == ["classify_suggestion:T-1"]  # one, not two
    groups = groups_table(at)
    row = int(groups.index[groups["kind"] == "classify_suggestion"][0])
    assert groups.loc[row, "group_label"] == "Elena Ruiz, week of 6 Apr 2026"
    at = select_rows(at, "group_table", [row])
    next(b for b in at.button if b.label.startswith("Accept the suggestions")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(
        classified_db, "select exception_id, status from exceptions where ref = 'T-1' order by 1"
    ) == [("classify_suggestion:T-1", "approved"), ("missing_project:T-1", "resolved")]
    assert query(
        classified_db, "select project_id from effective_time_entries where entry_id = 'T-1'"
    ) == [("PR-1",)]


@pytest.mark.clock
def test_the_evidence_names_the_person_and_project_of_the_source_rows(small_db):
    live = er.evidence("unbilled_time:T-1", small_db)["live"]
    records = er.evidence_view(live).records
    fields = dict(zip(records["field"], records["time_entry"], strict=True))
    assert (fields["Person"], fields["Project"]) == ("Elena Ruiz", "Storefront")
    assert "Person (id)" not in fields and "Project (id)" not in fields  # the name stands in
