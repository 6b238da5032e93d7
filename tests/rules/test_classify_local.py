"""The local cascade on a small hand-written set of notes (tests/rules/classify_firm.py): which
method answers each entry and what it suggests, worked out from the history by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from rules.classify import data, deterministic
from rules.classify.config import ClassifyConfig
from rules.classify.local import classify_entries
from rules.classify.training import trained_model
from tests.rules.classify_firm import build

AS_OF = date(2026, 4, 30)
ENTRIES = (
    "T-1,P-1,2026-04-06,1,,,STORE-912 checkout bug,,,\n"  # ticket key STORE -> PR-1; fix -> DEV
    "T-2,P-1,2026-04-06,1,,,port-31 api endpoint,,,\n"  # lower-case key PORT -> PR-2 dev work
    "T-3,P-1,2026-04-07,1,,,timesheets,,,\n"  # only ever admin
    "T-4,P-1,2026-04-07,1,,,globex status,,,\n"  # the Globex status calls: PM of PR-2
    "T-5,P-2,2026-04-07,1,,,wirefames checkout,,,\n"  # typo; P-2 designs for PR-1
    "T-6,P-1,2026-04-08,1,PR-1,,cart api refactor,,,\n"  # project given: which of its lines
    "T-7,P-1,2026-04-08,1,PR-2,S-2-DEV,URGENT prod down,,,\n"  # line given: billable, rush
    "T-8,P-3,2026-04-08,1,PR-3,,api endpoint for orders,,,\n"  # new project, no history
    "T-9,P-3,2026-03-02,1,,,dentist,,,\n"  # P-3's only candidate that day is internal admin
)
# entry -> (project, SOW line, billable, work type, method)
EXPECTED = {
    "T-1": ("PR-1", "S-1-DEV", True, "standard", "ticket_key"),
    "T-2": ("PR-2", "S-2-DEV", True, "standard", "ticket_key"),
    "T-3": ("PR-9", "S-9-ADM", False, "standard", "local_model"),
    "T-4": ("PR-2", "S-2-PM", True, "standard", "local_model"),
    "T-5": ("PR-1", "S-1-DES", True, "standard", "local_model"),
    "T-6": ("PR-1", "S-1-DEV", True, "standard", "local_model"),
    "T-7": ("PR-2", "S-2-DEV", True, "rush", "sow_line_defaults"),
    "T-8": ("PR-3", "S-3-DEV", True, "standard", "sow_description"),
    "T-9": ("PR-9", "S-9-ADM", False, "standard", "single_project"),
}


@pytest.fixture
def classified(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    catalog = data.catalog(con)
    targets = data.targets(con, AS_OF)
    model = trained_model(con, date(2026, 5, 1))
    pairs = data.candidates(con, targets, AS_OF)
    return classify_entries(model, targets, pairs, catalog, ClassifyConfig().rush_pattern)


def test_each_note_gets_the_expected_suggestion(classified):
    got = {
        r["entry_id"]: (
            r["project_id"],
            r["sow_line_id"],
            r["billable"],
            r["work_type"],
            r["method"],
        )
        for r in classified.iter_rows(named=True)
    }
    assert got == EXPECTED


def test_confidence_is_a_probability_and_certain_for_given_lines(classified):
    conf = dict(zip(classified["entry_id"], classified["confidence"], strict=True))
    assert all(0.0 <= c <= 1.0 for c in conf.values())
    assert conf["T-7"] == 1.0  # project and line given: billable follows from the line


def test_candidates_are_the_persons_projects_and_internal_work(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    data.catalog(con)
    pairs = data.candidates(con, data.targets(con, AS_OF), AS_OF)
    lines = pairs.group_by("entry_id").agg(pl.col("sow_line_id").sort()).sort("entry_id")
    by_entry = dict(zip(lines["entry_id"], lines["sow_line_id"].to_list(), strict=True))
    # P-2 logged only PR-1 design and admin: PR-1's two lines and admin, never Globex's
    assert by_entry["T-5"] == ["S-1-DES", "S-1-DEV", "S-9-ADM"]
    # P-3 on 2026-03-02: PR-3 starts 2026-04-01, so only the internal admin line
    assert by_entry["T-9"] == ["S-9-ADM"]
    # a given project keeps its own lines
    assert by_entry["T-6"] == ["S-1-DES", "S-1-DEV"]


def test_the_model_is_cached_by_the_history_digest(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    first = trained_model(con, date(2026, 5, 1), tmp_path / "cache")
    again = trained_model(con, date(2026, 5, 1), tmp_path / "cache")
    assert again is first and len(list((tmp_path / "cache").iterdir())) == 1
    # approving more history changes the digest: a new model is trained
    con.execute("UPDATE time_entries SET approved_at = now() WHERE entry_id = 'T-7'").fetchall()
    retrained = trained_model(con, date(2026, 5, 1), tmp_path / "cache")
    assert retrained.digest != first.digest and len(list((tmp_path / "cache").iterdir())) == 2


def test_a_glued_ticket_key_is_trusted_only_when_unambiguous():
    prefixes = pl.DataFrame({"prefix": ["acme", "tsti", "tsti2"], "project_id": ["A", "T", "T2"]})
    notes = {
        "N-1": "TSTI-214 fix",  # separated: TSTI
        "N-2": "tsti2 14 retest",  # separated: TSTI2
        "N-3": "TSTI214 fix",  # TSTI's 214 or TSTI2's 14: no rule
        "N-4": "ACME142 checkout",  # glued, but no other code starts with acme
        "N-5": "#142 checkout",  # names no project
    }
    targets = pl.DataFrame({"entry_id": list(notes), "notes": list(notes.values())})
    found = deterministic.ticket_projects(targets, prefixes).sort("entry_id")
    assert found.rows() == [("N-1", "T"), ("N-2", "T2"), ("N-4", "A")]
