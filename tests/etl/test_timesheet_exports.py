"""Clockify reports without a duration column, and the FreshBooks, Hubstaff and Odoo timesheet
exports (issue 13, items 4 and 5): the shipped samples parsed with expectations worked out by
hand, bad rows quarantined with their line and reason, and the CLI end to end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from etl.__main__ import main as etl_main
from etl.exports import ExportFormatError, KnownNames, parse_export
from etl.exports.entries import billable_flag, billed_flag
from etl.exports.spans import StrictDates, parse_clock
from etl.exports.table import RowProblem

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
CLOCKIFY_SPAN = SAMPLES / "clockify_start_end_report.csv"
FRESHBOOKS = SAMPLES / "freshbooks_time_entries.csv"
HUBSTAFF = SAMPLES / "hubstaff_timesheet.csv"
ODOO = SAMPLES / "odoo_timesheets.csv"

CLOCKIFY_SPAN_HEADER = (
    "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
    "End Date,End Time,Billable Rate (USD),Billable Amount (USD)"
)
HUBSTAFF_HEADER = (
    "Member,Email,Client,Project,To-do,Date,Start,Stop,Duration,Activity,Idle,Manual,Notes"
)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_line(batch, frame: str = "time_entries") -> dict[int, dict]:
    return {row["_line"]: row for row in batch.frames[frame].iter_rows(named=True)}


def errors(batch) -> dict[int, str]:
    return {e.line: e.reason for e in batch.errors}


def names(batch, frame: str, column: str = "name") -> list[str]:
    return batch.frames[frame][column].to_list()


# ---------------------------------------------------------------- Clockify, start and end only


def test_clockify_start_end_sample():
    batch = parse_export("clockify-csv", CLOCKIFY_SPAN)
    assert batch.errors == [] and batch.warnings == []
    entries = by_line(batch)
    got = {line: (e["date"], e["hours"]) for line, e in entries.items()}
    assert got == {
        2: ("2026-04-06", "3.5"),  # 09:45 AM -> 01:15 PM: 3 h 30 min
        3: ("2026-04-07", "2.75"),  # 11:30 PM on the 7th -> 02:15 AM on the 8th: 30 min + 2 h 15
        4: ("2026-04-13", "0.3333"),  # 01:00 PM -> 01:20 PM: 20 min = 1/3 h
        5: ("2026-04-14", "0.6667"),  # 12:00 PM is noon -> 12:40 PM: 40 min = 2/3 h
        6: ("2026-04-15", "0.25"),  # 11:50 AM -> 12:05 PM, across noon: 15 min
        7: ("2026-04-16", "1.5"),  # 12:10 AM is 00:10 -> 01:40 AM: 1 h 30 min
        8: ("2026-04-17", "2.4917"),  # 08:05:30 AM -> 10:35:00 AM: 8970 s / 3600 = 2.49166…
    }
    # 3.5 + 2.75 + 0.3333 + 0.6667 + 0.25 + 1.5 + 2.4917
    assert sum(Decimal(e["hours"]) for e in entries.values()) == Decimal("11.4917")
    assert entries[3]["work_type"] == "rush"  # tags "Rush, cutover"
    assert entries[2]["person_id"] == "clockify-person-jordan-blake"
    assert entries[2]["sow_line_id"] == "clockify-task-acme-corp--website-redesign--development"
    assert (entries[5]["billable"], entries[2]["billable"]) == ("false", "true")
    assert entries[6]["project_id"] == "clockify-project-internal-tools"  # no client
    people = {r["name"]: r["team"] for r in batch.frames["people"].iter_rows(named=True)}
    assert people == {
        "Jordan Blake": "Engineering",
        "Aisha Karim": "Quality",
        "Tomas Novak": "Delivery",
    }
    assert batch.frames["clients"]["currency"].to_list() == ["USD", "USD"]


def test_clockify_start_end_ids_match_the_duration_report(tmp_path):
    """The same entry exported with and without durations gets the same id (so a later
    export of either kind updates it instead of adding a second one)."""
    with_duration = write(
        tmp_path,
        "d.csv",
        CLOCKIFY_SPAN_HEADER.replace("End Time,", "End Time,Duration (h),Duration (decimal),"),
        "Web,Acme,Fix,Dev,Ann Lee,,ann@x.example,,Yes,04/16/2026,09:45:00 AM,04/16/2026,"
        "01:15:00 PM,03:30:00,3.50,170.00,595.00",
    )
    without = write(
        tmp_path,
        "s.csv",
        CLOCKIFY_SPAN_HEADER,
        "Web,Acme,Fix,Dev,Ann Lee,,ann@x.example,,Yes,04/16/2026,09:45:00 AM,04/16/2026,"
        "01:15:00 PM,170.00,595.00",
    )
    one = by_line(parse_export("clockify-csv", with_duration))[2]
    two = by_line(parse_export("clockify-csv", without))[2]
    assert one["entry_id"] == two["entry_id"]
    assert one["hours"] == two["hours"] == "3.5"


def test_clockify_start_end_24_hour_day_first(tmp_path):
    path = write(
        tmp_path,
        "c.csv",
        CLOCKIFY_SPAN_HEADER,
        # 13/03 settles day-first for the whole file, so 02/03 is the 2nd of March
        "Audit,Tesco,Review,,Ann Lee,,ann@x.example,,Yes,02/03/2026,14:00,02/03/2026,15:30,0,0",
        "Audit,Tesco,Night run,,Ann Lee,,ann@x.example,,Yes,13/03/2026,21:30,14/03/2026,00:15,0,0",
        "Audit,Tesco,Seconds,,Ann Lee,,ann@x.example,,Yes,16/03/2026,08:00:00,16/03/2026,"
        "08:00:45,0,0",
    )
    entries = by_line(parse_export("clockify-csv", path))
    assert (entries[2]["date"], entries[2]["hours"]) == ("2026-03-02", "1.5")  # 14:00-15:30
    # 21:30 on the 13th to 00:15 on the 14th: 2 h 30 + 15 min = 2.75 h, dated on its start
    assert (entries[3]["date"], entries[3]["hours"]) == ("2026-03-13", "2.75")
    assert entries[4]["hours"] == "0.0125"  # 45 s / 3600 = 0.0125 h


def test_clockify_start_end_bad_rows_are_quarantined_with_line_and_reason(tmp_path):
    row = "Web,Acme,{n},Dev,Ann Lee,,ann@x.example,,Yes,{sd},{st},{ed},{et},0,0"
    path = write(
        tmp_path,
        "c.csv",
        CLOCKIFY_SPAN_HEADER,
        row.format(n="good", sd="03/16/2026", st="09:00 AM", ed="03/16/2026", et="10:00 AM"),
        row.format(n="backwards", sd="03/17/2026", st="05:00 PM", ed="03/17/2026", et="09:00 AM"),
        row.format(n="no such day", sd="02/30/2026", st="09:00 AM", ed="02/30/2026", et="10:00 AM"),
        row.format(n="bad clock", sd="03/18/2026", st="25:00", ed="03/18/2026", et="10:00 AM"),
        row.format(n="13 PM", sd="03/18/2026", st="13:00 PM", ed="03/18/2026", et="02:00 PM"),
        row.format(n="no end", sd="03/19/2026", st="09:00 AM", ed="03/19/2026", et=""),
        row.format(n="two days", sd="03/20/2026", st="09:00 AM", ed="03/22/2026", et="10:00 AM"),
        row.format(n="bad end date", sd="03/23/2026", st="09:00 AM", ed="03/45/2026", et="10 AM"),
    )
    batch = parse_export("clockify-csv", path)
    assert [e["notes"] for e in by_line(batch).values()] == ["good"]
    reasons = errors(batch)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert reasons[3] == "End Time 2026-03-17 09:00 is before Start Time 2026-03-17 17:00"
    assert reasons[4] == "Start Date: cannot parse date '02/30/2026'"
    assert reasons[5] == "Start Time: cannot parse time '25:00'"
    assert reasons[6] == "Start Time: cannot parse time '13:00 PM' (hour 13 with AM/PM)"
    assert reasons[7] == "End Time: empty (no duration column to fall back on)"
    assert "is more than 24 hours" in reasons[8]  # 9:00 on the 20th to 10:00 on the 22nd: 49 h
    assert reasons[9] == "End Date: cannot parse date '03/45/2026'"


def test_clockify_ambiguous_dates_are_quarantined_not_guessed(tmp_path):
    """No date above 12 anywhere: 03/04/2026 is the 4th of March or the 3rd of April, so the
    row is quarantined (the weekday guess could bill it in the wrong month); 04/04/2026 reads
    the same both ways and loads."""
    row = "Web,Acme,{n},Dev,Ann Lee,,ann@x.example,,Yes,{d},09:00 AM,{d},10:30 AM,0,0"
    path = write(
        tmp_path,
        "c.csv",
        CLOCKIFY_SPAN_HEADER,
        row.format(n="same both ways", d="04/04/2026"),
        row.format(n="ambiguous", d="03/04/2026"),
    )
    batch = parse_export("clockify-csv", path)
    entries = by_line(batch)
    assert [(e["notes"], e["date"], e["hours"]) for e in entries.values()] == [
        ("same both ways", "2026-04-04", "1.5")
    ]
    assert errors(batch) == {
        3: "Start Date: '03/04/2026' reads as 2026-04-03 (DD/MM/YYYY) or 2026-03-04 "
        "(MM/DD/YYYY) and no date in the file settles which; re-export with YYYY-MM-DD dates"
    }
    warning = (
        "c.csv: Start Date: 1 date(s) read both as DD/MM/YYYY and MM/DD/YYYY and no date in the "
        "file settles which: quarantined, not guessed"
    )
    assert batch.warnings == [warning]


def test_clockify_duration_report_quarantines_ambiguous_dates_too(tmp_path):
    """With duration columns the same rule holds: 03/04/2026 in a file that never shows a day
    above 12 is quarantined; a row whose durations are empty falls back to its times."""
    header = CLOCKIFY_SPAN_HEADER.replace("End Time,", "End Time,Duration (h),Duration (decimal),")
    row = "Web,Acme,{n},Dev,Ann Lee,,ann@x.example,,Yes,{d},09:00 AM,{d},10:30 AM,{h},{x},0,0"
    path = write(
        tmp_path,
        "c.csv",
        header,
        row.format(n="ambiguous", d="03/04/2026", h="01:30:00", x="1.50"),
        row.format(n="no durations", d="05/05/2026", h="", x=""),
    )
    batch = parse_export("clockify-csv", path)
    assert list(errors(batch)) == [2] and "reads as 2026-04-03" in errors(batch)[2]
    # 09:00 AM to 10:30 AM on 5 May (the same day both ways): 1.5 h
    assert [(e["date"], e["hours"]) for e in by_line(batch).values()] == [("2026-05-05", "1.5")]


def test_an_end_date_above_12_settles_the_order_for_the_start_dates(tmp_path):
    row = "Web,Acme,{n},Dev,Ann Lee,,ann@x.example,,Yes,{sd},11:00 PM,{ed},01:00 AM,0,0"
    path = write(
        tmp_path,
        "c.csv",
        CLOCKIFY_SPAN_HEADER,
        row.format(n="a", sd="03/04/2026", ed="03/05/2026"),
        row.format(n="b", sd="12/12/2026", ed="12/13/2026"),  # 13 can only be a day: MM/DD
    )
    entries = by_line(parse_export("clockify-csv", path))
    # 03/04 is March 4th; 11 PM to 1 AM the next day is 2 h
    assert (entries[2]["date"], entries[2]["hours"]) == ("2026-03-04", "2")
    assert (entries[3]["date"], entries[3]["hours"]) == ("2026-12-12", "2")


@pytest.mark.parametrize(
    ("text", "hms"),
    [
        ("9:45 AM", (9, 45, 0)),
        ("12:00 AM", (0, 0, 0)),  # midnight
        ("12:30 PM", (12, 30, 0)),  # half past noon
        ("01:15:20 pm", (13, 15, 20)),
        ("9:45am", (9, 45, 0)),
        ("9:45 p.m.", (21, 45, 0)),
        ("21:15", (21, 15, 0)),
        ("00:05:09", (0, 5, 9)),
    ],
)
def test_parse_clock(text, hms):
    assert parse_clock(text, "t") == dt.time(*hms)


@pytest.mark.parametrize("text", ["", "24:00", "9:60", "0:30 AM", "13:00 PM", "noon", "9"])
def test_parse_clock_rejects(text):
    with pytest.raises(RowProblem):
        parse_clock(text, "t")


def test_strict_dates():
    assert StrictDates(["13/01/2026"]).parse("02/01/2026", "d") == dt.date(2026, 1, 2)
    assert StrictDates(["01/13/2026"]).parse("02/01/2026", "d") == dt.date(2026, 2, 1)
    undecided = StrictDates(["02/01/2026", "05/05/2026"])
    assert undecided.order is None
    assert undecided.parse("05/05/2026", "d") == dt.date(2026, 5, 5)
    assert undecided.parse("2026-02-01", "d") == dt.date(2026, 2, 1)  # ISO is never ambiguous
    assert undecided.parse("02.01.2026", "d") == dt.date(2026, 1, 2)  # dotted: day first
    with pytest.raises(RowProblem, match="reads as"):
        undecided.parse("02/01/2026", "d")


# ---------------------------------------------------------------- FreshBooks


def test_freshbooks_sample():
    batch = parse_export("freshbooks-csv", FRESHBOOKS)
    assert batch.errors == []
    # title, company and date range above the header (line 5); the Total row on line 11
    assert [(s.line, s.reason) for s in batch.skipped] == [(11, "Total row")]
    entries = by_line(batch)
    got = {line: (e["date"], e["hours"], e["notes"]) for line, e in entries.items()}
    assert got == {
        6: ("2026-04-01", "2.5", "Homepage hero"),  # 2:30
        7: ("2026-04-02", "0.3333", "Icon set"),  # 0:20 = 1/3 h
        8: ("2026-04-14", "4.75", "Backfill orders, part 1"),  # 4:45
        9: ("2026-04-15", "1", "Internal planning"),  # 1:00
        10: ("2026-04-16", "7.1667", "Login screen"),  # 7:10 = 7 + 1/6
    }
    # the Total row says 15:45 = 15.75 h: 2.5 + 0.3333 + 4.75 + 1 + 7.1667
    assert sum(Decimal(e["hours"]) for e in entries.values()) == Decimal("15.75")
    billed = entries[6]
    assert (billed["invoice_id"], billed["locked"]) == ("freshbooks-billed", "true")
    assert (entries[7]["invoice_id"], entries[7]["locked"]) == (None, "false")
    assert [e["billable"] for e in entries.values()] == ["true", "true", "true", "false", "true"]
    assert all(e["approved_at"] is None for e in entries.values())
    assert billed["person_id"] == "freshbooks-person-elena-ruiz"
    assert billed["project_id"] == "freshbooks-project-acme-corp--website-redesign"
    assert billed["sow_line_id"] == "freshbooks-task-acme-corp--website-redesign--design"
    internal = entries[9]  # no client, no project: the service cannot become a SOW line
    assert (internal["project_id"], internal["sow_line_id"]) == (None, None)
    assert sorted(names(batch, "clients")) == ["Acme Corp", "Globex"]
    assert sorted(names(batch, "projects")) == ["Data Migration", "Mobile App", "Website Redesign"]
    assert sorted(names(batch, "people")) == ["Elena Ruiz", "Li Wei", "Sam Okafor"]


def test_freshbooks_start_and_end_time_accounts(tmp_path):
    """Accounts that track by start and end time: the hours are end minus start."""
    path = write(
        tmp_path,
        "fb.csv",
        "Date,Team Member,Client,Project,Service,Note,Start Time,End Time,Billable,Billed",
        "04/20/2026,Elena Ruiz,Acme Corp,Web,Design,Wireframes,9:45 AM,1:15 PM,Yes,No",
        "04/21/2026,Elena Ruiz,Acme Corp,Web,Design,Late fix,10:00 PM,11:50 PM,Yes,No",
        "04/22/2026,Elena Ruiz,Acme Corp,Web,Design,Backwards,3:00 PM,1:00 PM,Yes,No",
    )
    batch = parse_export("freshbooks-csv", path)
    entries = by_line(batch)
    assert entries[2]["hours"] == "3.5"  # 9:45 AM to 1:15 PM
    assert entries[3]["hours"] == "1.8333"  # 10:00 PM to 11:50 PM: 110 min = 1.8333 h
    assert errors(batch) == {4: "End Time 2026-04-22 13:00 is before Start Time 2026-04-22 15:00"}


def test_freshbooks_decimal_hours_and_known_names(tmp_path):
    """Decimal `Hours`; a client, project and person the warehouse knows are reused by name."""
    path = write(
        tmp_path,
        "fb.csv",
        "Date,Team Member,Client,Project,Service,Note,Hours,Billable,Billed",
        "2026-04-20,elena  ruiz,ACME corp,Website,Design,Wireframes,1.25,Yes,INV-0042",
        '2026-04-21,Elena Ruiz,Acme Corp,Website,Design,More,"0,5",Yes,',
    )
    known = KnownNames(
        clients={"Acme Corp": "CL-1"},
        projects={("CL-1", "Website"): "PR-1"},
        people_by_name={"Elena Ruiz": "P-1"},
        sow_lines={("PR-1", "Design"): "SOW-1"},
    )
    batch = parse_export("freshbooks-csv", path, known)
    entries = by_line(batch)
    assert [(e["person_id"], e["project_id"], e["sow_line_id"]) for e in entries.values()] == [
        ("P-1", "PR-1", "SOW-1"),
        ("P-1", "PR-1", "SOW-1"),
    ]
    assert [e["hours"] for e in entries.values()] == ["1.25", "0.5"]  # "0,5": decimal comma
    # an invoice number in Billed: billed in FreshBooks; empty: not billed
    assert [e["invoice_id"] for e in entries.values()] == ["freshbooks-billed", None]
    assert all(batch.frames[f].height == 0 for f in ("clients", "projects", "people", "sow_lines"))


def test_freshbooks_without_hours_or_times_is_refused(tmp_path):
    path = write(tmp_path, "fb.csv", "Date,Team Member,Client,Project,Note", "2026-04-20,A,B,C,D")
    with pytest.raises(ExportFormatError) as error:
        parse_export("freshbooks-csv", path)
    assert str(error.value) == (
        "fb.csv: missing required column 'Duration' (or both 'Start Time' and 'End Time')"
    )


# ---------------------------------------------------------------- Hubstaff


def test_hubstaff_sample():
    batch = parse_export("hubstaff-csv", HUBSTAFF)
    assert batch.errors == []
    assert [(s.line, s.reason) for s in batch.skipped] == [(7, "Total row")]
    entries = by_line(batch)
    got = {line: (e["date"], e["hours"]) for line, e in entries.items()}
    assert got == {
        2: ("2026-05-04", "2.75"),  # 2:45:00
        3: ("2026-05-04", "1.3333"),  # 1:20:00
        4: ("2026-05-05", "1.75"),  # 1:45:00
        5: ("2026-05-06", "0.5"),  # 0:30:00
        6: ("2026-05-07", "8.5"),  # 8:30:00
    }
    # Total row 14:50:00 = 14.8333 h: 2.75 + 1.3333 + 1.75 + 0.5 + 8.5
    assert sum(Decimal(e["hours"]) for e in entries.values()) == Decimal("14.8333")
    # two entries of the same to-do on the same day differ by their start time
    assert entries[2]["entry_id"] != entries[3]["entry_id"]
    assert entries[2]["sow_line_id"] == "hubstaff-task-acme-corp--website-redesign--checkout-fixes"
    assert entries[4]["sow_line_id"] is None  # no to-do
    assert entries[5]["project_id"] == "hubstaff-project-internal"  # a project without client
    assert {e["billable"] for e in entries.values()} == {None}  # left to classification
    assert entries[6]["notes"] == "Month-end reconciliation"
    people = {r["name"]: r["email"] for r in batch.frames["people"].iter_rows(named=True)}
    assert people == {
        "Jordan Blake": "jordan.blake@northwind.example",
        "Aisha Karim": "aisha.karim@northwind.example",
        "Tomas Novak": "tomas.novak@northwind.example",
    }


def test_hubstaff_without_duration_uses_start_and_stop(tmp_path):
    header = HUBSTAFF_HEADER.replace(",Duration", "")
    row = "Ann Lee,ann@x.example,Acme,Web,Fix,{d},{a},{b},50%,0%,0%,{n}"
    path = write(
        tmp_path,
        "h.csv",
        header,
        row.format(d="2026-05-04", a="9:45 am", b="1:15 pm", n="morning"),
        row.format(d="2026-05-04", a="2026-05-04 22:00", b="2026-05-05 01:30", n="stamps"),
        row.format(d="2026-05-05", a="11:00 pm", b="1:00 am", n="no stop date"),
    )
    batch = parse_export("hubstaff-csv", path)
    entries = by_line(batch)
    assert entries[2]["hours"] == "3.5"  # 9:45 am to 1:15 pm
    assert entries[3]["hours"] == "3.5"  # 22:00 to 01:30 the next day (the stamp says so)
    # Hubstaff splits entries at midnight; a Stop before its Start on one date is not guessed
    assert errors(batch) == {4: "Stop 2026-05-05 01:00 is before Start 2026-05-05 23:00"}


# ---------------------------------------------------------------- Odoo


def test_odoo_sample():
    batch = parse_export("odoo-csv", ODOO)
    assert batch.errors == [] and batch.skipped == []
    entries = by_line(batch)
    got = {line: (e["date"], e["hours"], e["notes"]) for line, e in entries.items()}
    assert got == {
        2: ("2026-06-01", "2.5", "Hero illustrations"),  # 02:30
        3: ("2026-06-01", "0.3333", None),  # 00:20; "/" is Odoo's "no description"
        4: ("2026-06-02", "7.75", "Backfill script"),  # 07:45
        5: ("2026-06-03", "1", "Team meeting"),  # 01:00
        6: ("2026-06-03", "0.0833", "Review, sign-off"),  # 00:05 = 5/60 = 0.08333…
    }
    # 2.5 + 0.3333 + 7.75 + 1 + 0.0833
    assert sum(Decimal(e["hours"]) for e in entries.values()) == Decimal("11.6666")
    assert batch.frames["clients"].height == 0  # no customer column: projects have no client
    assert sorted(names(batch, "projects")) == ["Data Migration", "Internal", "Website Redesign"]
    assert entries[2]["person_id"] == "odoo-person-elena-ruiz"
    assert entries[2]["sow_line_id"] == "odoo-task-website-redesign--homepage"
    assert entries[5]["sow_line_id"] is None  # no task
    assert {e["billable"] for e in entries.values()} == {None}
    people = batch.frames["people"]
    assert sorted(people["name"].to_list()) == ["Elena Ruiz", "Marcus Chen", "Priya Patel"]
    assert people["email"].to_list() == [None, None, None]


def test_odoo_decimal_hours_and_optional_columns(tmp_path):
    path = write(
        tmp_path,
        "o.csv",
        "Date,Employee,Customer,Project,Task,Description,Hours Spent,Billable Type,Invoice,"
        "Validated",
        "06/15/2026,Elena Ruiz,Acme Corp,Web,Design,Mockups,1.5,Billed on Timesheets,"
        "INV/2026/00012,True",
        '06/16/2026,Elena Ruiz,Acme Corp,Web,Design,Internal review,"0,25",Non Billable,,False',
        "06/17/2026,Elena Ruiz,Acme Corp,Web,Design,Oops,abc,Billed on Timesheets,,False",
        "06/18/2026,Elena Ruiz,Acme Corp,Web,Design,Empty hours,,Billed on Timesheets,,False",
    )
    batch = parse_export("odoo-csv", path)
    entries = by_line(batch)
    assert entries[2]["hours"] == "1.5" and entries[3]["hours"] == "0.25"
    assert (entries[2]["billable"], entries[3]["billable"]) == ("true", "false")
    assert (entries[2]["invoice_id"], entries[2]["locked"]) == ("odoo-invoiced", "true")
    assert (entries[3]["invoice_id"], entries[3]["locked"]) == (None, "false")
    assert entries[2]["approved_at"] == "2026-06-15T23:59:59+00:00"
    assert entries[3]["approved_at"] is None
    assert entries[2]["project_id"] == "odoo-project-acme-corp--web"
    assert errors(batch) == {
        4: "Hours Spent: cannot parse duration 'abc'",
        5: "Hours Spent: empty duration",
    }


def test_odoo_employee_matches_a_known_person_by_name(tmp_path):
    path = write(
        tmp_path,
        "o.csv",
        "Date,Employee,Project,Task,Description,Hours Spent",
        "2026-06-01,Elena Ruiz,Website,,Work,01:00",
    )
    known = KnownNames(people={"elena@firm.example": "P-1"}, people_by_name={"Elena Ruiz": "P-1"})
    batch = parse_export("odoo-csv", path, known)
    assert by_line(batch)[2]["person_id"] == "P-1"
    assert batch.frames["people"].height == 0


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Yes", True),
        ("no", False),
        ("Billed on Timesheets", True),
        ("Billed at a Fixed Price", True),
        ("Non Billable", False),
        ("Non-billable tasks", False),
        ("", None),
        ("maybe", None),
    ],
)
def test_billable_flag(text, flag):
    assert billable_flag(text) is flag


@pytest.mark.parametrize(
    ("text", "billed"),
    [("Billed", True), ("INV/2026/0001", True), ("Yes", True), ("Unbilled", False), ("", False)],
)
def test_billed_flag(text, billed):
    assert billed_flag(text) is billed


# ---------------------------------------------------------------- the CLI, end to end


def run(tmp_path, *argv: str) -> int:
    return etl_main(["--db", str(tmp_path / "w.duckdb"), *argv])


@pytest.mark.parametrize(
    ("source", "sample", "count", "hours"),
    [
        ("clockify-csv", CLOCKIFY_SPAN, 7, Decimal("11.4917")),
        ("freshbooks-csv", FRESHBOOKS, 5, Decimal("15.75")),
        ("hubstaff-csv", HUBSTAFF, 5, Decimal("14.8333")),
        ("odoo-csv", ODOO, 5, Decimal("11.6666")),
    ],
)
def test_cli_imports_each_sample_and_a_second_run_changes_nothing(
    tmp_path, capsys, source, sample, count, hours
):
    assert run(tmp_path, "import", source, str(sample), "--strict") == 0
    out = capsys.readouterr()
    assert out.err == "" and "0 row(s) quarantined" in out.out
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        loaded = con.execute("SELECT count(*), sum(hours) FROM time_entries").fetchone()
        sources = con.execute("SELECT DISTINCT source FROM time_entries").fetchall()
    assert loaded == (count, hours)
    assert sources == [(source.removesuffix("-csv"),)]
    assert run(tmp_path, "import", source, str(sample)) == 0
    capsys.readouterr()
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        again = con.execute("SELECT count(*), sum(hours) FROM time_entries").fetchone()
        history = con.execute("SELECT count(*) FROM entity_history").fetchone()
    assert again == (count, hours) and history == (0,)


def test_cli_quarantines_bad_rows_with_line_and_reason(tmp_path, capsys):
    path = write(
        tmp_path,
        "hub.csv",
        HUBSTAFF_HEADER,
        "Ann Lee,ann@x.example,Acme,Web,Fix,2026-05-04,9:00 am,10:00 am,1:00:00,50%,0%,0%,ok",
        "Ann Lee,ann@x.example,Acme,Web,Fix,2026-05-32,9:00 am,10:00 am,1:00:00,50%,0%,0%,bad",
        "Ann Lee,ann@x.example,Acme,Web,Fix,2026-05-05,9:00 am,10:00 am,30:00:00,50%,0%,0%,long",
        "Total,,,,,,,,32:00:00,,,,",
    )
    assert run(tmp_path, "import", "hubstaff-csv", str(path)) == 0
    out = capsys.readouterr().out
    assert "quarantined hub.csv:3" in out and "2 row(s) quarantined" in out
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT file, line, reason FROM quarantine ORDER BY line").fetchall()
        notes = con.execute("SELECT notes FROM time_entries").fetchall()
    assert [(f, line) for f, line, _ in rows] == [("hub.csv", 3), ("hub.csv", 4)]
    assert rows[0][2] == "Date: cannot parse date '2026-05-32'"
    assert "exceed 24" in rows[1][2]  # 30 h in one entry: the contract's 0-24 check
    assert notes == [("ok",)]
    # --strict: exit 1, one line on stderr
    assert run(tmp_path, "import", "hubstaff-csv", str(path), "--strict") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "quarantined (--strict)" in err


def test_cli_refuses_a_clockify_file_without_durations_or_times_in_one_line(tmp_path, capsys):
    path = write(
        tmp_path,
        "c.csv",
        "Project,Client,Description,User,Email,Start Date",
        "Web,Acme,x,Ann Lee,ann@x.example,2026-03-02",
    )
    assert run(tmp_path, "import", "clockify-csv", str(path)) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: c.csv: missing required column 'Duration (h)' or 'Duration (decimal)' "
        "(or both 'Start Time' and 'End Time')\n"
    )
