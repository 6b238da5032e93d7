"""Rules engine, time-discipline kinds: under_reported_week, chronic_under_reporting,
team_under_reporting, missing_timesheet, missed_meeting_time, approval_overdue. Each has a
planted case that fires and near misses that do not; expected values worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from etl.loader import import_canonical
from rules.config import RulesConfig
from rules.engine import evaluate
from rules.prepare import prepare
from tests.conftest import write_folder

PROJECTS = "project_id,name,client_id,status,start_date,end_date\nPR-1,Storefront,CL-1,active,,\n"
CLIENTS = "client_id,name,currency\nCL-1,Acme Corp,USD\n"
ENTRY_HEADER = "entry_id,person_id,date,hours,project_id,submitted_at,approved_at\n"

# 2026: weeks start Monday. W1 02-02, W2 02-09, W3 02-16 (Mon 02-16 is Presidents' Day, a US
# public holiday), W4 02-23, W5 03-02, W6 03-09. As of Wed 03-18, W1..W6 are full weeks; the
# week of 03-16 is not.
WEEKS = [date(2026, 2, 2) + timedelta(weeks=i) for i in range(6)]
AS_OF = date(2026, 3, 18)


def build(con, tmp_path, firm, people, entries, time_off="", events=""):
    files = {
        "firm.yaml": "name: Kestrel Partners\nbase_currency: USD\n" + firm,
        "clients.csv": CLIENTS,
        "projects.csv": PROJECTS,
        "people.csv": people,
        "time_entries.csv": ENTRY_HEADER + entries,
        "time_off.csv": "person_id,date,hours,kind\n" + time_off,
    }
    if events:
        files["calendar_events.csv"] = (
            "event_id,person_id,start,end,title,external_attendees,status\n" + events
        )
    report = import_canonical(con, write_folder(tmp_path / "firm", files))
    assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]


def week_hours(person, hours_by_week):
    """Entries logging each week's hours: half on the Tuesday, half on the Wednesday."""
    rows = []
    for i, hours in enumerate(hours_by_week):
        if hours:
            for day in (1, 2):
                d = WEEKS[i] + timedelta(days=day)
                rows.append(f"{person}-{i}-{day},{person},{d},{D(hours) / 2},PR-1,,\n")
    return "".join(rows)


def found(con, kind, as_of=AS_OF):
    prepare(con, as_of)
    return {e.ref: e for e in evaluate(con, kind, as_of, RulesConfig())}


def refs(con, kind, as_of=AS_OF):
    return sorted(found(con, kind, as_of))


def wk(i):
    return WEEKS[i - 1].isoformat()


# Everyone 40 h/week (8 h a weekday); W3 has 32 h expected because of the holiday.
PEOPLE = """\
person_id,name,role,team,start_date
P-1,Elena Ruiz,Engineer,Engineering,
P-2,Sam Lee,Designer,Design,
P-3,Ava Chen,Engineer,Engineering,
P-4,Noor Haddad,Designer,Design,2026-03-02
P-5,Ivan Petrov,Analyst,Research,
P-6,Mia Wong,Consultant,Ops,
P-7,Leo Park,Consultant,Ops,
P-8,Zoe Adams,Sales,Sales,
P-9,Tom Reed,Sales,Sales,
P-10,Kai Berg,Analyst,,
"""
WEEKLY = {
    # W3..W6 low (16 < 0.8 x 32 = 25.6; 20 < 32): four in a row, ongoing -> chronic
    "P-1": [40, 40, 16, 20, 20, 20, 0],
    # W3 28 h of 32 (holiday): 0.875, not low (28 < 32 of a 40-h week would be);
    # W4 24 h with 16 h PTO: 24 of 24; W6 exactly 32 of 40 = 0.80, not strictly below
    "P-2": [40, 40, 28, 24, 40, 32],
    # W4..W6 low (30 < 32): only three in a row -> not chronic
    "P-3": [40, 40, 32, 30, 30, 30],
    # starts 03-02: W1..W4 have no expected hours, never low
    "P-4": [0, 0, 0, 0, 40, 40],
    # W1 fine, W2 low, W3 all time off (no expected hours), W4..W6 low: four low weeks
    # with W3 neither counting nor breaking the run -> chronic with weeks = 4
    "P-5": [40, 20, 0, 20, 20, 20],
    # Ops: each member low every other week (20 h), the other 40 h: team 60/80 = 0.75 every week
    # (W3, 64 h expected: 16 + 32 = 48 = 0.75)
    "P-6": [20, 40, 16, 40, 20, 40],
    "P-7": [40, 20, 32, 20, 40, 20],
    # Sales: P-8 low now and then (28 h of 40), P-9 full: team 68/80 = 0.85, W3 60/64, never low
    "P-8": [28, 40, 28, 40, 28, 40],
    "P-9": [40, 40, 32, 40, 40, 40],
    # no team; low W1..W4, then two good weeks: the run is over -> not chronic
    "P-10": [10, 10, 10, 10, 40, 40],
}
TIME_OFF = (
    # P-1: 4 h off on the holiday itself: the holiday's 8 h wins, W3 stays 32 h expected
    "P-1,2026-02-16,4,pto\n"
    # P-2: 16 h PTO in W4 -> 24 h expected
    "P-2,2026-02-24,8,pto\nP-2,2026-02-25,8,pto\n"
    # P-5: W3 Tue..Fri off; Monday is the holiday -> 0 h expected
    + "".join(f"P-5,2026-02-{d},8,pto\n" for d in (17, 18, 19, 20))
)


def team_firm(con, tmp_path):
    entries = "".join(week_hours(p, hours) for p, hours in WEEKLY.items())
    build(con, tmp_path, "holidays_country: US\n", PEOPLE, entries, TIME_OFF)


def test_under_reported_week(con, tmp_path):
    team_firm(con, tmp_path)
    by = found(con, "under_reported_week")
    assert sorted(by) == sorted(
        [f"P-1:{wk(i)}" for i in (3, 4, 5, 6)]
        + [f"P-3:{wk(i)}" for i in (4, 5, 6)]
        + [f"P-5:{wk(i)}" for i in (2, 4, 5, 6)]
        + [f"P-6:{wk(i)}" for i in (1, 3, 5)]
        + [f"P-7:{wk(i)}" for i in (2, 4, 6)]
        + [f"P-8:{wk(i)}" for i in (1, 5)]  # 28 < 32; W3 28 of 32 h expected is not low
        + [f"P-10:{wk(i)}" for i in (1, 2, 3, 4)]
    )
    # not: P-2's holiday week (28/32) and PTO week (24/24), P-2 at exactly 80 %, P-4 before
    # starting, P-5's all-off week, P-1's unfinished week of 03-16
    w3 = by[f"P-1:{wk(3)}"]
    assert w3.evidence["expected_hours"] == 32  # 40 - 8 (holiday beats the 4 h PTO)
    assert w3.evidence["capacity_hours"] == 40
    assert w3.evidence["logged_hours"] == 16
    assert w3.severity == "low" and "below 80%" in w3.detail
    # before W3 ended (as of Sat 02-21) it is not a full week yet
    assert f"P-1:{wk(3)}" not in refs(con, "under_reported_week", date(2026, 2, 21))
    assert f"P-1:{wk(3)}" in refs(con, "under_reported_week", date(2026, 2, 22))


def test_chronic_under_reporting(con, tmp_path):
    team_firm(con, tmp_path)
    by = found(con, "chronic_under_reporting")
    assert sorted(by) == ["P-1", "P-5"]  # not P-3 (3 weeks), P-10 (run over), P-6/P-7/P-8
    assert by["P-1"].evidence["weeks"] == 4
    assert by["P-1"].evidence["first_week"] == wk(3)
    assert by["P-1"].evidence["logged_hours"] == 76  # 16 + 20 + 20 + 20
    assert by["P-1"].evidence["expected_hours"] == 152  # 32 + 40 + 40 + 40
    assert by["P-5"].evidence["weeks"] == 4  # W2, W4, W5, W6: the all-off W3 is skipped
    assert by["P-5"].evidence["first_week"] == wk(2)
    assert by["P-1"].severity == "high"
    # as of the end of W5, P-1 has three low weeks only
    assert "P-1" not in refs(con, "chronic_under_reporting", date(2026, 3, 8))


def test_team_under_reporting(con, tmp_path):
    team_firm(con, tmp_path)
    by = found(con, "team_under_reporting")
    # Ops: no member chronic, but 60 of 80 h every week; Engineering: W3..W6 low
    # (W3 16+32 = 48 of 64 = 0.75; W4..W6 50 of 80); Research (P-5 alone) like P-5.
    # Not Sales (68 of 80 h = 0.85; W3 60 of 64) nor Design (P-2 + P-4).
    assert sorted(by) == ["Engineering", "Ops", "Research"]
    ops = by["Ops"].evidence
    assert (ops["weeks"], ops["logged_hours"], ops["expected_hours"]) == (6, 348, 464)
    # 5 x 60 + 48 = 348 h logged of 5 x 80 + 64 = 464 h expected
    assert ops["members"] == ["P-6", "P-7"]
    assert by["Engineering"].evidence["weeks"] == 4


# --- timesheets, approvals and meetings: a firm in New York, deadline Monday noon ------------
PEOPLE_2 = """\
person_id,name,role,manager_id,end_date
P-1,Elena Ruiz,Engineer,P-2,
P-2,Sam Lee,Lead,P-3,
P-3,Ava Chen,Director,,2026-03-06
P-4,Noor Haddad,Engineer,P-2,
"""
# US daylight time starts 03-08, so Monday noon in New York is 16:00 UTC on 03-09 and 03-16.
ENTRIES_2 = (
    # P-1 W5 submitted 03-09 15:59Z = 11:59 EDT: on time (late if the deadline were UTC noon);
    # never approved: 7 business days after 03-09 as of 03-18 -> approval_overdue
    "T-11,P-1,2026-03-02,8,PR-1,2026-03-09T15:59:00Z,\n"
    # P-1 W6 submitted 03-16 12:01 EDT: one minute late -> missing_timesheet;
    # unapproved but only 2 business days (03-17, 03-18) -> not overdue
    "T-12,P-1,2026-03-09,8,PR-1,2026-03-16T16:01:00Z,\n"
    "T-13,P-1,2026-03-11,8,PR-1,2026-03-16T16:01:00Z,\n"
    # P-2: nothing in W5 -> missing_timesheet; W6 exactly at the deadline, approved a
    # business day later
    "T-21,P-2,2026-03-09,8,PR-1,2026-03-16T12:00:00-04:00,2026-03-17T10:00:00-04:00\n"
    # P-3 left on 03-06: W5 on time and approved, W6 has no expected hours
    "T-31,P-3,2026-03-02,8,PR-1,2026-03-06T17:00:00Z,2026-03-10T10:00:00Z\n"
    # P-4 W5 on time; W6 one entry on time (Fri 03-13) and one late: not missing; both still
    # unapproved, earliest submission 03-13 -> 3 business days (03-16..03-18) -> overdue
    "T-41,P-4,2026-03-03,8,PR-1,2026-03-09T10:00:00Z,2026-03-09T12:00:00Z\n"
    "T-42,P-4,2026-03-10,8,PR-1,2026-03-13T15:00:00Z,\n"
    "T-43,P-4,2026-03-12,8,PR-1,2026-03-16T17:00:00Z,\n"
)
EVENTS_2 = (
    # P-1 logged nothing on 03-10: fires
    "E-1,P-1,2026-03-10T14:00:00Z,2026-03-10T15:30:00Z,Acme review,2,confirmed\n"
    # P-1 logged time on 03-11: not
    "E-2,P-1,2026-03-11T14:00:00Z,2026-03-11T15:00:00Z,Acme sync,1,\n"
    # internal attendees only: not
    "E-3,P-2,2026-03-10T14:00:00Z,2026-03-10T15:00:00Z,Team standup,0,\n"
    # cancelled: not
    "E-4,P-2,2026-03-10T16:00:00Z,2026-03-10T17:00:00Z,Globex pitch,3,cancelled\n"
    # 22:00 EDT on 03-10 (03-11 in UTC): P-4 logged 03-10 -> not
    "E-5,P-4,2026-03-11T02:00:00Z,2026-03-11T03:00:00Z,Late call,1,\n"
    # after the as-of date: not yet
    "E-6,P-4,2026-03-20T14:00:00Z,2026-03-20T15:00:00Z,Acme demo,2,\n"
)
FIRM_2 = 'timezone: America/New_York\ntimesheet_deadline: "mon 12:00"\nholidays_country: US\n'


def timesheet_firm(con, tmp_path):
    build(con, tmp_path, FIRM_2, PEOPLE_2, ENTRIES_2, events=EVENTS_2)


def test_missing_timesheet(con, tmp_path):
    timesheet_firm(con, tmp_path)
    by = found(con, "missing_timesheet")
    assert sorted(by) == ["P-1:2026-03-09", "P-2:2026-03-02"]
    late = by["P-1:2026-03-09"].evidence
    assert late["deadline"].startswith("2026-03-16 16:00:00")
    assert late["entries"] == 2 and late["expected_hours"] == 40
    assert by["P-2:2026-03-02"].evidence["entries"] == 0
    # as of Sun 03-15, W6's deadline (Mon 03-16 noon) has not come yet
    assert refs(con, "missing_timesheet", date(2026, 3, 15)) == ["P-2:2026-03-02"]


def test_missed_meeting_time(con, tmp_path):
    timesheet_firm(con, tmp_path)
    by = found(con, "missed_meeting_time")
    assert sorted(by) == ["E-1"]
    assert by["E-1"].evidence["hours"] == 1.5
    assert by["E-1"].evidence["external_attendees"] == 2
    assert by["E-1"].severity == "medium"


def test_approval_overdue(con, tmp_path):
    timesheet_firm(con, tmp_path)
    by = found(con, "approval_overdue")
    assert sorted(by) == ["P-1:2026-03-02", "P-4:2026-03-09"]
    p1 = by["P-1:2026-03-02"].evidence
    assert p1["business_days"] == 7  # 03-10..03-13, 03-16..03-18
    assert (p1["approver_id"], p1["approver"]) == ("P-2", "Sam Lee")
    assert (p1["escalate_to_id"], p1["escalate_to"]) == ("P-3", "Ava Chen")
    p4 = by["P-4:2026-03-09"].evidence
    assert p4["business_days"] == 3 and p4["entry_ids"] == ["T-42", "T-43"]
    assert "Ava Chen" in by["P-4:2026-03-09"].suggested_action
    # as of 03-17 P-4 has waited 2 business days: not yet overdue
    assert refs(con, "approval_overdue", date(2026, 3, 17)) == ["P-1:2026-03-02"]


def test_approval_overdue_skips_public_holidays(con, tmp_path):
    # submitted Fri 02-13; Mon 02-16 is Presidents' Day: as of Wed 02-18 only 02-17 and 02-18
    # count (2, not overdue); as of Thu 02-19 three business days have passed
    entries = "T-1,P-1,2026-02-12,8,PR-1,2026-02-13T15:00:00Z,\n"
    build(con, tmp_path, FIRM_2, PEOPLE_2, entries)
    assert refs(con, "approval_overdue", date(2026, 2, 18)) == []
    assert refs(con, "approval_overdue", date(2026, 2, 19)) == ["P-1:2026-02-09"]


def test_missing_timesheet_needs_a_source_that_records_submission(con, tmp_path):
    # no entry has a submitted_at: the source does not track submission, nothing is judged
    team_firm(con, tmp_path)
    assert refs(con, "missing_timesheet") == []
