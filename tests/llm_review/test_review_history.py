"""The local review learning from the firm's own history (rules/llm_review/history.py): excuse
words and billed shares learnt from the notes, scope creep by fit, clock spans, and work the
day after a milestone was marked done. Each firm is a handful of notes written here; every
expectation is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from etl.loader import import_canonical
from rules.llm_review import kinds
from rules.llm_review.config import ReviewConfig, load_review_config
from rules.llm_review.hours import stated_hours
from rules.llm_review.run import judge
from tests.conftest import write_folder
from tests.llm_review.review_firm import FILES, HEADER, csv_rows

pytestmark = pytest.mark.clock
AS_OF_TEXT = "2026-10-30"
NO_EVENTS = "event_id,person_id,start,end,title,external_attendees,client_id,status\n"
MILESTONES = """
    milestone_id,project_id,name,amount,due_date,status,completed_on,accepted_on
    M-A2,PR-A,Dashboard handover,8000.00,2026-10-09,complete,2026-10-09,
"""


def build(con, tmp_path: Path, entries: tuple) -> None:
    """Harbor & Finch's clients, projects and SOW lines (tests/llm_review/review_firm.py), one
    milestone, no calendar, and the given entries."""
    files = {**FILES, "calendar_events.csv": NO_EVENTS, "milestones.csv": MILESTONES}
    folder = write_folder(tmp_path / "firm", files)
    (folder / "time_entries.csv").write_text(HEADER + csv_rows(entries), encoding="utf-8")
    report = import_canonical(con, folder)
    assert report.quarantined == 0


def review(con, days: int = 31, history_days: int = 365) -> dict[tuple[str, str], object]:
    config = ReviewConfig(days=days, history_days=history_days)
    result = judge(con, date.fromisoformat(AS_OF_TEXT), config, llm_mode="off")
    return {(f.kind, f.ref): f for f in result.findings}


def entry(entry_id, day, note, billable, project="PR-A", line="A-MIG", hours="2", person="P-1"):
    return (entry_id, person, day, hours, project, line, billable, note)


# September, before the window: the firm bills its nightly checks for Norland every time, and
# never bills an index rebuild, which its people mark "gratis" (no seed excuse word).
HISTORY = tuple(
    entry(f"S-{i}", f"2026-09-0{i}", "nightly checks for norland", "true") for i in range(1, 7)
) + tuple(
    entry(f"G-{i}", f"2026-09-1{i}", "index rebuild, gratis", "false", person="P-2")
    for i in range(1, 4)
)


def test_a_learnt_excuse_word_suppresses_leakage_and_billed_history_finds_it(con, tmp_path):
    window = (
        # 'gratis' is on 4 client entries, all unbilled: without this one, 3 of 3 -> an excuse
        entry("W-1", "2026-10-05", "snowflake index rebuild, gratis", "false"),
        # night/check/norla: 6 billed entries each, none unbilled (this one left out) -> 100%
        entry("W-2", "2026-10-06", "nightly checks for norland", "false"),
        # index/rebui: 3 + 1 entries besides this one, none billed -> 0%: not leakage
        entry("W-3", "2026-10-07", "index rebuild", "false", person="P-2"),
    )
    build(con, tmp_path, HISTORY + window)
    found = review(con)
    leaks = {ref for kind, ref in found if kind == kinds.LEAKAGE}
    assert leaks == {"W-2"}
    w2 = found[(kinds.LEAKAGE, "W-2")]
    # every word of the note has history: 0.6 + 0.3 * 3/3
    assert w2.confidence == pytest.approx(0.9)
    assert "billed 100% of the time" in w2.evidence["why"] and "check 6/6" in w2.evidence["why"]
    # with no history read (the window's own day only), W-1 names a billable SOW line's word
    # ('snowflake': "Data migration from the legacy ERP to Snowflake") and nothing excuses it;
    # W-2 has neither a work verb nor a SOW word, so the cue rules alone miss it
    blind = review(con, days=31, history_days=1)
    assert {ref for kind, ref in blind if kind == kinds.LEAKAGE} == {"W-1"}


def test_a_billed_activity_logged_on_the_no_charge_line_is_leakage(con, tmp_path):
    # no billable flag on the entry: A-NC "Warranty fixes (no charge)" makes it non-billable.
    # night/check/norla were billed 6 of 6 times before -> leakage; the index rebuild, never
    # billed (G-1..3), on the same line is not
    window = (
        entry("W-5", "2026-10-08", "nightly checks for norland", "", line="A-NC"),
        entry("W-6", "2026-10-09", "index rebuild", "", line="A-NC", person="P-2"),
    )
    build(con, tmp_path, HISTORY + window)
    found = review(con)
    assert set(found) == {(kinds.LEAKAGE, "W-5")}
    assert found[(kinds.LEAKAGE, "W-5")].evidence["entry"]["sow_line_id"] == "A-NC"


def test_history_days_limits_how_far_back_the_history_is_read(con, tmp_path):
    window = (
        entry("W-1", "2026-10-05", "snowflake index rebuild, gratis", "false"),
        entry("W-2", "2026-10-06", "nightly checks for norland", "false"),
    )
    build(con, tmp_path, HISTORY + window)
    # 55 days up to 10-30 start on 09-06: S-6 (09-06) and G-1..3 (09-11..13) are read, S-1..5
    # are not. 'gratis' still has 3 unbilled entries besides W-1 -> excused; 'night' has S-6
    # and W-2, one entry once W-2 is left out -> under MIN_SUPPORT (5): no billed share, and
    # W-2 has no work verb or SOW word -> not found
    assert review(con, history_days=55) == {}
    # 56 days start on 09-05: S-5 and S-6 -> still 2 < 5
    assert review(con, history_days=56) == {}
    # 59 days start on 09-02: S-2..S-6 -> 5 billed of 5 -> 100%: leakage
    assert set(review(con, history_days=59)) == {(kinds.LEAKAGE, "W-2")}


def test_a_seed_excuse_still_counts_without_history(con, tmp_path):
    build(
        con, tmp_path, (entry("W-1", "2026-10-05", "migrated snowflake tables, warranty", "false"),)
    )
    assert review(con) == {}


# In-scope history for the fit: Norland's finance team gets Tableau extracts, billed.
SCOPE_HISTORY = tuple(
    entry(f"T-{i}", f"2026-09-0{i}", "tableau extracts for dana's finance team", "true")
    for i in range(1, 4)
)


def test_an_ask_that_fits_a_sow_line_or_the_history_is_not_scope_creep_one_that_fits_none_is(
    con, tmp_path
):
    window = (
        # 'power', 'bi', 'dashb' are words of A-RPT "Reporting dashboards in Power BI"
        entry(
            "A-1",
            "2026-10-12",
            "norland asked us to add a margin page to the power bi dashboards",
            "true",
        ),
        # dana, table, extra: 3 billed notes each; 'more' is new -> 3 of 4 known, fits
        entry("A-2", "2026-10-13", "dana asked us for more tableau extracts", "true"),
        # norla is the client's name; set, shopi, produ, feed are new -> 1 of 5 known
        entry("A-3", "2026-10-14", "norland asked us to set up their shopify product feed", "true"),
        # the same words with no ask in them: new work is not necessarily an ask
        entry("A-4", "2026-10-15", "shopify product feed", "true"),
    )
    build(con, tmp_path, SCOPE_HISTORY + window)
    found = review(con)
    assert {ref for kind, ref in found if kind == kinds.SCOPE_CREEP} == {"A-3"}
    creep = found[(kinds.SCOPE_CREEP, "A-3")]
    assert creep.confidence == pytest.approx(0.6 + 0.3 * (1 - 1 / 5))
    assert "new: feed, produ, set, shopi" in creep.evidence["why"]


# A project with a rich billed history: 20 notes about Tableau extracts for Dana's team.
RICH_HISTORY = tuple(
    entry(f"R-{i}", f"2026-09-{i:02d}", "tableau extracts for dana's finance team", "true")
    for i in range(1, 21)
)


def test_new_work_with_no_ask_is_scope_creep_only_against_a_rich_history(con, tmp_path):
    window = (
        # shopi, produ, feed, websh: no SOW line, milestone or billed note uses them; no ask
        # cue; the project has 20 billed notes -> scope creep at the no-ask confidence 0.55
        entry("N-1", "2026-10-12", "shopify product feed for the webshop", "true"),
        # only 2 new words: too little to say (the window's notes are history too, so the
        # other notes here share no word with N-1: 2 billed uses would make it vocabulary)
        entry("N-2", "2026-10-13", "klaviyo flows", "true"),
        # every word is the project's own
        entry("N-3", "2026-10-14", "more tableau extracts for dana", "true"),
        # a SOW word (dashboards, A-RPT)
        entry("N-4", "2026-10-15", "zapier hooks and mailchimp lists into the dashboards", "true"),
    )
    build(con, tmp_path, RICH_HISTORY + window)
    found = review(con)
    assert {ref for kind, ref in found if kind == kinds.SCOPE_CREEP} == {"N-1"}
    creep = found[(kinds.SCOPE_CREEP, "N-1")]
    assert creep.confidence == pytest.approx(0.55)
    assert "new: feed, produ, shopi, websh" in creep.evidence["why"]


def test_below_a_rich_history_new_work_with_no_ask_is_not_judged(con, tmp_path):
    # 19 billed notes: under RICH_HISTORY (20), the project's vocabulary says too little
    window = (entry("N-1", "2026-10-12", "shopify product feed for the webshop", "true"),)
    build(con, tmp_path, RICH_HISTORY[1:] + window)
    assert review(con) == {}


def test_work_the_day_a_milestone_is_marked_complete_is_no_mismatch(con, tmp_path):
    # M-A2 "Dashboard handover" was marked complete on 10-09
    same_day = (entry("D-1", "2026-10-09", "still polishing the dashboard handover", "true"),)
    build(con, tmp_path, same_day)
    assert review(con) == {}  # the day it was marked done: finishing touches


def test_next_day_work_on_a_completed_milestone(con, tmp_path):
    window = (
        entry("D-1", "2026-10-09", "still polishing the dashboard handover", "true"),
        entry("D-2", "2026-10-10", "dashboard handover fixes again, totals wrong", "true"),
        entry("D-3", "2026-10-10", "dashboard handover retro notes", "true"),  # no work going on
    )
    build(con, tmp_path, window)
    found = review(con)
    assert set(found) == {(kinds.MILESTONE_MISMATCH, "M-A2")}
    mismatch = found[(kinds.MILESTONE_MISMATCH, "M-A2")]
    assert [e["entry_id"] for e in mismatch.evidence["entries"]] == ["D-2"]
    assert "marked complete on 2026-10-09" in mismatch.detail


@pytest.mark.parametrize(
    ("note", "hours"),
    [
        ("long day - workshop ran 7am to 7pm", "12"),
        ("worked 9-6:30", "9.5"),  # a bare end before the start crosses noon
        ("8:30–17:00 on site", "8.5"),
        ("8:30–17:15 on site", "8.75"),
        ("8:20-5pm", "8.67"),  # thirds of an hour, to the cent
        ("11:30-2pm cutover window", "2.5"),  # 11:30 in the morning to 14:00
        ("9-6pm", "9"),  # 9 is the morning: 21:00 would come after 18:00
        ("1-5pm", "4"),  # 13:00 fits before 17:00
        ("from 9 till 9pm", "12"),
        ("started 8am, calls, then till 9pm", "13"),
        ("in at 7:30, left at 6pm", "10.5"),
        ("10pm-2am prod release", "4"),  # past midnight
        ("9am-1pm, 2-6pm", "8"),  # two spans add up
        ("3h on the payroll tie-out", "3"),
        ("1h30 call", "1.5"),
        ("11 hours straight", "11"),
        ("spent the whole day on it", "8"),
    ],
)
def test_clock_spans_and_counts(note, hours):
    assert stated_hours(note).hours == Decimal(hours)


@pytest.mark.parametrize(
    "note",
    [
        "sections 2-3 of the report",
        "pages 1-12",
        "interviews #4 and #5",
        "from 1 to 12 rows",
        "40 hours budget left",
        "sent to 5 people",
        "UMB-319 fix 2026-10-05",
    ],
)
def test_numbers_that_are_no_time(note):
    assert stated_hours(note) is None


def test_an_end_time_alone_assumes_a_nine_oclock_start():
    stated = stated_hours("migration dry run went on till 9pm")
    assert (stated.hours, stated.assumed_start) == (Decimal(12), True)


def test_a_clock_span_longer_than_the_day_logged_is_under_reporting(con, tmp_path):
    window = (
        entry("U-1", "2026-10-20", "cutover support ran 7am to 7pm", "true", hours="8"),
        entry("U-2", "2026-10-21", "cutover support 9-5:30", "true", hours="8"),  # 8.5 - 8 < 1
        entry("U-3", "2026-10-22", "went on till 9pm", "true", hours="3"),  # 12 h from 9:00
    )
    build(con, tmp_path, window)
    found = review(con)
    assert set(found) == {
        (kinds.UNDER_REPORTING, "P-1:2026-10-20"),
        (kinds.UNDER_REPORTING, "P-1:2026-10-22"),
    }
    day = found[(kinds.UNDER_REPORTING, "P-1:2026-10-20")]
    assert (day.evidence["stated_hours"], day.evidence["logged_hours"]) == ("12", "8.00")
    assert day.evidence["stated_as"] == "clock span 'ran 7am to 7pm'"
    assumed = found[(kinds.UNDER_REPORTING, "P-1:2026-10-22")]
    assert assumed.confidence == pytest.approx(0.55)  # the start was assumed, not stated


def test_history_days_is_a_setting(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[review]\nhistory_days = 90\n", encoding="utf-8")
    assert load_review_config(path).history_days == 90
    path.write_text("[review]\nhistory_days = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="history_days = 0 is not valid"):
        load_review_config(path)
