"""Calibration that cannot silently disappear, rules that never name a missing project, and
what the firm's own history teaches (rush and no-charge words, ticket prefixes, vendors), on
the small hand-written firm of tests/rules/classify_firm.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from rules.classify.cascade import run_classify
from rules.classify.config import ClassifyConfig, VendorRule, unknown_projects
from rules.classify.reliability import at_threshold, expected_calibration_error
from rules.classify.training import calibration_status, trained_model
from tests.rules.classify_firm import APPROVED, build

AS_OF = date(2026, 4, 30)
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ENTRIES = "T-1,P-1,2026-04-06,1,,,STORE-912 checkout bug,,,\n"


def test_calibration_holds_out_the_last_approved_weeks_whatever_their_date(con, tmp_path):
    build(con, tmp_path, ENTRIES)
    model = trained_model(con, date(2026, 5, 1), kind="nb")
    status = calibration_status(model)
    # history: 30 weekdays from Mon 2 Feb 2026, so the last approved day is Fri 13 March, six
    # weeks before the run; the held-out 28 days are 14 Feb - 13 Mar: 20 weekdays x 8 entries
    assert status["calibrated"] is True
    assert (status["from"], status["to"]) == ("2026-02-14", "2026-03-13")
    assert status["held_out_entries"] == 160


@pytest.mark.parametrize("kind", ["nb", "linear"])
def test_auto_apply_is_refused_without_calibration(con, tmp_path, kind):
    build(con, tmp_path, ENTRIES)
    # only the first week stays approved: 5 days x 8 entries = 40 held-out entries (< 100)
    con.execute("UPDATE time_entries SET approved_at = NULL WHERE date > DATE '2026-02-06'")
    config = ClassifyConfig(llm_below=0.0, auto_apply=True, local_model=kind)
    run = run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    assert run.summary["auto_applied"] == 0
    assert run.summary["calibration"]["calibrated"] is False
    assert "only 40 held-out entries" in run.summary["calibration"]["reason"]
    assert any(
        n.startswith("auto-apply refused: the local model is not calibrated (only 40")
        for n in run.notes
    )
    modelled = run.entries.filter(run.entries["method"] != "sow_line_defaults")
    assert modelled["confidence"].max() <= 0.9  # capped: never looks sure
    overrides = con.execute("SELECT count(*) FROM entry_overrides").fetchall()[0][0]
    assert overrides == 0


def test_a_config_rule_naming_a_missing_project_is_rejected(con, tmp_path):
    expenses = (
        "expense_id,person_id,date,amount,currency,description,vendor,project_id,split\n"
        "X-1,P-1,2026-04-09,48.00,USD,seats,Ghostware,,\n"
    )
    build(con, tmp_path, "", expenses=expenses)
    config = ClassifyConfig(llm_below=0.0, vendor_rules=(VendorRule("Ghostware", "PR-404", True),))
    assert unknown_projects(config, {"PR-1", "PR-2"}) == [
        "vendor rule 'Ghostware' names project PR-404, which does not exist"
    ]
    run = run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    assert "config rule not used: vendor rule 'Ghostware' names project PR-404" in run.notes[0]
    got = run.expenses.row(0, named=True)
    assert (got["method"], got["splits"]) == ("none", [])


def test_vendors_rush_no_charge_and_prefixes_are_learnt_from_history(con, tmp_path):
    row = "{id},P-1,2026-03-1{d},1,PR-1,S-1-DEV,{note},{bill},{wt}," + APPROVED + "\n"
    history = "".join(
        row.format(id=f"L-{i}{d}", d=d, note=note, bill=bill, wt=wt)
        for d in range(6, 9)  # three uses of each cue (MIN_CUE_USES)
        for i, (note, bill, wt) in enumerate(
            (
                (f"pager cart {d}", "true", "rush"),  # rush, though no configured word says so
                # no charge on a billing line, `goodwill` next to different words each time
                (
                    ("goodwill redo of cart", "cart totals goodwill", "goodwill - rounding")[d - 6],
                    "false",
                    "standard",
                ),
            )
        )
    ) + "".join(
        row.format(id=f"K-{d}", d=d, note=f"chk-{d}1 cart", bill="true", wt="standard")
        for d in range(6, 8)
    )  # a ticket prefix used twice, for PR-1 only
    targets = (
        "T-1,P-1,2026-04-06,1,PR-1,S-1-DEV,pager: checkout again,,,\n"
        "T-2,P-1,2026-04-06,1,PR-1,S-1-DEV,goodwill fix of totals,,,\n"
        "T-3,P-1,2026-04-06,1,PR-1,S-1-DEV,checkout totals,,,\n"
        "T-4,P-1,2026-04-07,1,,,CHK-77 portal api endpoint,,,\n"
    )
    expenses = (
        "expense_id,person_id,date,amount,currency,description,vendor,project_id,billable,"
        "approved_at\n"
        f"X-1,P-1,2026-03-02,10.00,USD,prints,Printly,PR-2,true,{APPROVED}\n"
        f"X-2,P-1,2026-03-09,12.00,USD,prints,Printly,PR-2,true,{APPROVED}\n"
        "X-3,P-1,2026-04-09,11.00,USD,more prints,printly,,,\n"
    )
    build(con, tmp_path, history + targets, expenses=expenses)
    run = run_classify(con, AS_OF, ClassifyConfig(llm_below=0.0), llm_mode="off", now=NOW)
    got = {
        r["entry_id"]: (r["project_id"], r["billable"], r["work_type"], r["method"])
        for r in run.entries.iter_rows(named=True)
    }
    assert got["T-1"] == ("PR-1", True, "rush", "sow_line_defaults")
    assert got["T-2"] == ("PR-1", False, "standard", "sow_line_defaults")
    assert got["T-3"] == ("PR-1", True, "standard", "sow_line_defaults")
    # `portal api endpoint` alone reads like PR-2, but CHK is PR-1's ticket prefix
    assert (got["T-4"][0], got["T-4"][3]) == ("PR-1", "ticket_key")
    expense = run.expenses.row(0, named=True)
    assert (expense["method"], expense["splits"], expense["billable"]) == (
        "learnt_vendor",
        [{"project_id": "PR-2", "share": "1.00"}],
        True,
    )


def test_expected_calibration_error_by_hand():
    conf = np.array([0.95, 0.95, 0.55, 0.55])
    right = np.array([True, False, True, True])
    # two bins of half the entries: |0.95 - 0.5| and |0.55 - 1.0| -> 0.5*0.45 + 0.5*0.45
    assert expected_calibration_error(conf, right) == pytest.approx(0.45)
    assert at_threshold(conf, right, 0.9) == (0.5, 0.5)
