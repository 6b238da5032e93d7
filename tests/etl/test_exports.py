"""Tracker CSV exports (Harvest, Toggl, Clockify) parsed into canonical rows; expectations by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.contract import ENTITIES
from etl.exports import ExportFormatError, KnownNames, parse_export
from etl.exports.cells import (
    currency_code,
    detect_date_order,
    detect_decimal_comma,
    parse_date,
    parse_decimal,
    parse_duration,
)
from etl.exports.names import entity_id, slug

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
HARVEST = SAMPLES / "harvest_detailed_time.csv"
TOGGL = SAMPLES / "toggl_detailed_report.csv"
CLOCKIFY = SAMPLES / "clockify_detailed_report.csv"

HARVEST_HEADER = (
    "Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,Invoiced?,"
    "Approved?,First Name,Last Name,Roles,Employee?,Billable Rate,Billable Amount,Cost Rate,"
    "Cost Amount,Currency,External Reference URL"
)
TOGGL_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount (USD)"
)
CLOCKIFY_HEADER = (
    "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
    "End Date,End Time,Duration (h),Duration (decimal),Billable Rate (USD),Billable Amount (USD)"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def by_line(batch, frame: str = "time_entries") -> dict[int, dict]:
    return {row["_line"]: row for row in batch.frames[frame].iter_rows(named=True)}


def ids(batch, frame: str) -> list[str]:
    key = ENTITIES[frame].key[0]
    return batch.frames[frame][key].to_list()


# ---------------------------------------------------------------- the frames' shape


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("harvest-csv", HARVEST),
        ("toggl-csv", TOGGL),
        ("clockify-csv", CLOCKIFY),
        ("clockify-csv", SAMPLES / "clockify_start_end_report.csv"),
        ("freshbooks-csv", SAMPLES / "freshbooks_time_entries.csv"),
        ("hubstaff-csv", SAMPLES / "hubstaff_timesheet.csv"),
        ("odoo-csv", SAMPLES / "odoo_timesheets.csv"),
    ],
)
def test_frames_are_canonical_strings_with_line_and_file(kind, path):
    batch = parse_export(kind, path, KnownNames())
    assert set(batch.frames) == {"clients", "projects", "people", "sow_lines", "time_entries"}
    assert batch.errors == []
    for name, frame in batch.frames.items():
        canonical = set(ENTITIES[name].column_names)
        assert set(frame.columns) - {"_line", "_file"} <= canonical
        assert frame.schema["_line"] == pl.Int64
        assert all(frame.schema[c] == pl.Utf8 for c in frame.columns if c != "_line")
        assert frame["_file"].unique().to_list() in ([path.name], [])
        assert frame[ENTITIES[name].key[0]].n_unique() == frame.height


# ---------------------------------------------------------------- Harvest


def test_harvest_sample():
    batch = parse_export("harvest-csv", HARVEST, KnownNames())
    clients = {r["name"]: r for r in batch.frames["clients"].iter_rows(named=True)}
    assert {n: r["currency"] for n, r in clients.items()} == {
        "Acme Corp": "USD",
        "Globex": "USD",
        "Initech GmbH": "EUR",  # "Euro - EUR"
    }
    assert clients["Acme Corp"]["client_id"] == "harvest-client-acme-corp"
    projects = {r["name"]: r for r in batch.frames["projects"].iter_rows(named=True)}
    assert projects["Data Migration"] == {
        "project_id": "harvest-project-globex--data-migration",
        "name": "Data Migration",
        "client_id": "harvest-client-globex",
        "code": "GLX-DM",
        "_line": 5,
        "_file": "harvest_detailed_time.csv",
    }
    people = {r["name"]: r for r in batch.frames["people"].iter_rows(named=True)}
    assert {n: (r["role"], r["employment"]) for n, r in people.items()} == {
        "Elena Ruiz": ("Designer", "employee"),
        "Marcus Chen": ("Developer", "contractor"),
        "Priya Patel": ("Project Manager", "employee"),  # first of "Project Manager, Analyst"
    }
    # tasks per project: Acme Design/Development/Meetings, Globex Analysis/Development,
    # Initech Development/Project Management
    assert batch.frames["sow_lines"].height == 7
    assert batch.frames["time_entries"].height == 15

    entries = by_line(batch)
    first = entries[2]
    assert first["date"] == "2026-01-05" and first["hours"] == "3.5"
    assert first["person_id"] == "harvest-person-elena-ruiz"
    assert first["project_id"] == "harvest-project-acme-corp--website-redesign"
    assert first["sow_line_id"] == "harvest-task-acme-corp--website-redesign--design"
    assert first["notes"] == "Homepage wireframes, v2"
    assert first["approved_at"] == "2026-01-05T23:59:59+00:00"
    assert (first["invoice_id"], first["locked"]) == ("harvest-invoiced", "true")
    assert first["source"] == "harvest" and first["source_id"] == first["entry_id"]

    initech = entries[8]  # approved, not invoiced, Euro client, 7.5 h
    assert (initech["hours"], initech["billable"]) == ("7.5", "true")
    assert initech["approved_at"] == "2026-01-08T23:59:59+00:00"
    assert (initech["invoice_id"], initech["locked"]) == (None, "false")
    assert entries[6]["hours"] == "1.33" and entries[6]["approved_at"] is None  # not Hours Rounded
    assert entries[10]["billable"] == "false"
    assert entries[12]["notes"] == 'Design review with "Acme" marketing'
    # lines 15 and 16 are the same entry twice: the second gets an occurrence counter
    assert entries[16]["entry_id"] == entries[15]["entry_id"] + "-2"
    approved = sum(e["approved_at"] is not None for e in entries.values())
    invoiced = sum(e["invoice_id"] is not None for e in entries.values())
    assert (approved, invoiced) == (7, 2)
    hours = sum(Decimal(e["hours"]) for e in entries.values())
    assert hours == Decimal("44.08")


def test_harvest_ids_are_stable_across_parses():
    one = parse_export("harvest-csv", HARVEST, KnownNames())
    two = parse_export("harvest-csv", HARVEST, KnownNames())
    for name in one.frames:
        assert one.frames[name].equals(two.frames[name])


def test_entry_id_ignores_hours(tmp_path):
    row = "2026-01-05,Acme Corp,Web,,Design,Wireframes,{h},,Yes,No,No,Elena,Ruiz,Designer,Yes,,,,,USD,"
    before = parse_export(
        "harvest-csv", write(tmp_path, "a.csv", f"{HARVEST_HEADER}\n{row.format(h='3.5')}\n")
    )
    after = parse_export(
        "harvest-csv", write(tmp_path, "b.csv", f"{HARVEST_HEADER}\n{row.format(h='4')}\n")
    )
    assert ids(before, "time_entries") == ids(after, "time_entries")
    assert after.frames["time_entries"]["hours"].to_list() == ["4"]


def test_harvest_reuses_known_ids_and_emits_only_new_entities():
    known = KnownNames(
        clients={"acme corp": "CL-1"},
        projects={("CL-1", "website redesign"): "P-1"},
        people={"elena@firm.example": "PER-7"},
        people_by_name={"elena ruiz": "PER-7"},
        sow_lines={("P-1", "design"): "SOW-1"},
    )
    batch = parse_export("harvest-csv", HARVEST, known)
    assert ids(batch, "clients") == ["harvest-client-globex", "harvest-client-initech-gmbh"]
    assert "P-1" not in ids(batch, "projects") and batch.frames["projects"].height == 2
    assert ids(batch, "people") == ["harvest-person-marcus-chen", "harvest-person-priya-patel"]
    sow = batch.frames["sow_lines"]
    assert sow.filter(pl.col("project_id") == "P-1")["code"].to_list() == [
        "Development",
        "Meetings",
    ]
    first = by_line(batch)[2]
    assert (first["person_id"], first["project_id"], first["sow_line_id"]) == (
        "PER-7",
        "P-1",
        "SOW-1",
    )


def test_known_project_found_by_code(tmp_path):
    row = "2026-01-05,Acme Corp,Website (2026),ACME-WEB,Design,x,1,,Yes,No,No,Elena,Ruiz,,,,,,,USD,"
    path = write(tmp_path, "h.csv", f"{HARVEST_HEADER}\n{row}\n")
    batch = parse_export(
        "harvest-csv",
        path,
        KnownNames(clients={"Acme Corp": "CL-1"}, project_codes={"acme-web": "P-1"}),
    )
    assert batch.frames["projects"].height == 0
    assert by_line(batch)[2]["project_id"] == "P-1"


def test_harvest_decimal_comma_variant(tmp_path):
    text = (
        "Date;Client;Project;Project Code;Task;Notes;Hours;Billable?;Invoiced?;Approved?;"
        "First Name;Last Name;Department;Employee?;Billable Rate;Billable Amount;Currency\n"
        "26.01.2026;Müller Bau GmbH;Neubau Lager;MB-01;Planung;Abstimmung Statik;7,5;Yes;No;Yes;"
        "Jürgen;Weiß;Engineering;Yes;95,00;712,50;Euro - EUR\n"
        '27.01.2026;Müller Bau GmbH;Neubau Lager;MB-01;Planung;Pläne, Rev. B;"0,25";Yes;No;No;'
        "Jürgen;Weiß;Engineering;Yes;95,00;23,75;Euro - EUR\n"
    )
    batch = parse_export("harvest-csv", write(tmp_path, "harvest_de.csv", text), KnownNames())
    assert batch.errors == []
    entries = by_line(batch)
    assert (entries[2]["date"], entries[2]["hours"]) == ("2026-01-26", "7.5")
    assert (entries[3]["date"], entries[3]["hours"]) == ("2026-01-27", "0.25")
    assert entries[3]["notes"] == "Pläne, Rev. B"
    person = batch.frames["people"].row(0, named=True)
    assert (person["person_id"], person["name"], person["role"]) == (
        "harvest-person-jurgen-weiss",
        "Jürgen Weiß",
        "Engineering",
    )
    assert batch.frames["clients"].row(0, named=True)["currency"] == "EUR"


# ---------------------------------------------------------------- Toggl


def test_toggl_sample():
    batch = parse_export("toggl-csv", TOGGL, KnownNames())
    assert TOGGL.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM must not hide the User column
    assert ids(batch, "clients") == ["toggl-client-acme-corp", "toggl-client-globex"]
    assert batch.frames["clients"]["currency"].to_list() == ["USD", "USD"]  # Amount (USD)
    assert ids(batch, "projects") == [
        "toggl-project-acme-corp--website-redesign",
        "toggl-project-globex--data-migration",
        "toggl-project-acme-corp--mobile-app",
    ]
    people = batch.frames["people"]
    assert people["person_id"].to_list() == [
        "toggl-person-elena-ruiz",
        "toggl-person-sam-okafor",
        "toggl-person-li-wei",
    ]
    assert people["email"].to_list()[0] == "elena.ruiz@northwind.example"
    assert people["role"].unique().to_list() == ["Unknown"]
    assert batch.frames["sow_lines"].height == 3  # line 3 has no task
    entries = by_line(batch)
    assert len(entries) == 8
    assert entries[5]["hours"] == "1.3333"  # 01:20:00
    assert entries[6]["hours"] == "1.6667"  # 01:40:00, across midnight: dated by start
    assert entries[6]["date"] == "2026-02-04"
    assert entries[9]["hours"] == "0.3333"
    standup = entries[4]  # no client, no project
    assert (standup["project_id"], standup["sow_line_id"], standup["billable"]) == (
        None,
        None,
        "false",
    )
    assert {line for line, e in entries.items() if e["work_type"] == "rush"} == {
        3,
        6,
    }  # not "brushup"
    assert entries[7]["notes"] == "Login screen, error states"
    assert entries[7]["entry_id"] != entries[8]["entry_id"]


def test_toggl_amount_header_gives_currency_and_known_email_wins(tmp_path):
    text = (
        TOGGL_HEADER.replace("(USD)", "(EUR)")
        + "\nElena R.,Elena.Ruiz@Firm.example,Initech,ERP,,Call,Yes,2026-02-02,09:00:00,"
        "2026-02-02,10:00:00,01:00:00,,100.00\n"
    )
    known = KnownNames(people={"elena.ruiz@firm.example": "PER-7"})
    batch = parse_export("toggl-csv", write(tmp_path, "t.csv", text), known)
    assert batch.frames["clients"]["currency"].to_list() == ["EUR"]
    assert batch.frames["people"].height == 0
    assert by_line(batch)[2]["person_id"] == "PER-7"


def test_columns_are_found_by_name_in_any_order_and_case(tmp_path):
    header = "  duration ,TAGS,start DATE,Amount (),  user  ,E-Mail,Project,Description,Start time"
    row = "00:30:00,,2026-02-02,5,Ann Lee,,Web,Call,09:00:00"
    batch = parse_export("toggl-csv", write(tmp_path, "t.csv", f"{header}\n{row}\n"))
    entry = by_line(batch)[2]
    assert (entry["hours"], entry["date"], entry["notes"]) == ("0.5", "2026-02-02", "Call")
    assert entry["person_id"] == "toggl-person-ann-lee"
    assert entry["project_id"] == "toggl-project-web"  # a project without a client
    assert batch.frames["people"]["email"].to_list() == [None]  # "E-Mail" is not a known alias


def test_namesakes_with_different_emails_are_different_people(tmp_path):
    rows = [
        "John Smith,john@a.example,,,,A,No,2026-02-02,09:00:00,,,01:00:00,,",
        "John Smith,john@b.example,,,,B,No,2026-02-02,10:00:00,,,01:00:00,,",
    ]
    known = KnownNames(people={"john@c.example": "P-9"}, people_by_name={"john smith": "P-9"})
    batch = parse_export(
        "toggl-csv", write(tmp_path, "t.csv", TOGGL_HEADER + "\n" + "\n".join(rows)), known
    )
    new = ids(batch, "people")
    # the known John Smith (P-9) has a third email; the second new one gets a hash suffix
    assert new[0] == "toggl-person-john-smith" and new[1].startswith("toggl-person-john-smith-")
    assert [e["person_id"] for e in by_line(batch).values()] == new


# ---------------------------------------------------------------- Clockify


def test_clockify_sample():
    batch = parse_export("clockify-csv", CLOCKIFY, KnownNames())
    assert batch.warnings == []  # 03/16/2026 and 03/17/2026 settle MM/DD/YYYY
    entries = by_line(batch)
    assert [e["date"] for e in entries.values()] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-05",
        "2026-03-09",
        "2026-03-11",
        "2026-03-16",
        "2026-03-17",
        "2026-03-18",
    ]
    audit = entries[3]  # 00:20:00 next to a decimal 0.33: the exact duration wins
    assert audit["hours"] == "0.3333"
    assert audit["person_id"] == "clockify-person-aisha-karim"
    assert audit["sow_line_id"] == "clockify-task-acme-corp--website-redesign--qa"
    assert entries[6]["hours"] == "2.1667"  # 02:10:00, decimal says 2.17
    assert entries[4]["work_type"] == "rush" and entries[4]["date"] == "2026-03-05"
    assert entries[9]["project_id"] is None  # no project
    assert entries[6]["project_id"] == "clockify-project-internal-tools"
    projects = {r["name"]: r["client_id"] for r in batch.frames["projects"].iter_rows(named=True)}
    assert projects == {
        "Website Redesign": "clockify-client-acme-corp",
        "Data Migration": "clockify-client-globex",
        "Onboarding": "clockify-client-globex",
        "Internal Tools": None,
    }
    people = {r["name"]: r["team"] for r in batch.frames["people"].iter_rows(named=True)}
    assert people == {
        "Jordan Blake": "Engineering",
        "Aisha Karim": "Quality",
        "Tomas Novak": "Delivery",
    }
    assert batch.frames["clients"]["currency"].to_list() == ["USD", "USD"]
    assert sum(Decimal(e["hours"]) for e in entries.values()) == Decimal(20)


def test_clockify_decimal_only_and_day_first_dates(tmp_path):
    header = CLOCKIFY_HEADER.replace("Duration (h),", "").replace("Billable Rate (USD),", "")
    header = header.replace("Billable Amount (USD)", "Billable Amount (GBP)")
    rows = [
        "Audit,Tesco,Review,,Ann Lee,,ann@x.example,,Yes,02/03/2026,14:00,02/03/2026,15:30,1.50,150",
        "Audit,Tesco,Review,,Ann Lee,,ann@x.example,,Yes,13/03/2026,09:00,13/03/2026,09:45,0.75,75",
    ]
    batch = parse_export("clockify-csv", write(tmp_path, "c.csv", header + "\n" + "\n".join(rows)))
    entries = by_line(batch)
    assert (entries[2]["date"], entries[2]["hours"]) == ("2026-03-02", "1.5")
    assert (entries[3]["date"], entries[3]["hours"]) == ("2026-03-13", "0.75")
    assert batch.frames["clients"]["currency"].to_list() == ["GBP"]


def test_clockify_compact_duration(tmp_path):
    header = CLOCKIFY_HEADER.replace("Duration (decimal),", "").replace(",Billable Rate (USD)", "")
    row = "P,C,D,,Ann Lee,,ann@x.example,,Yes,2026-03-02,9:00,2026-03-02,10:30,1:30,150"
    batch = parse_export("clockify-csv", write(tmp_path, "c.csv", f"{header}\n{row}\n"))
    assert by_line(batch)[2]["hours"] == "1.5"


# ---------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1:30:00", "1.5"),
        ("01:30:00", "1.5"),
        ("1:30", "1.5"),
        ("0:20:00", "0.3333"),
        ("25:00:00", "25"),
        ("1.5", "1.5"),
        ("1,5", "1.5"),
        (" 7,25 ", "7.25"),
        ("2", "2"),
        ("PT1H30M", "1.5"),
        ("PT45M", "0.75"),
        ("pt1h", "1"),
        ("PT0H0M30S", "0.0083"),
        ("P1DT2H", "26"),
        ("1h 30m", "1.5"),
        ("90m", "1.5"),
        ("1,234.5", "1234.5"),
        ("0.33333", "0.3333"),
        ("0.00005", "0.0001"),
        ("-1:00:00", "-1"),
    ],
)
def test_parse_duration(text, hours):
    assert parse_duration(text) == Decimal(hours)


@pytest.mark.parametrize("text", ["", "abc", "1:75", "1:30:61", "PT", "P", "1.2.3,4", "1:30 h"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [
        ("$4,250.00", None, "4250.00"),
        ("€ 1.234,50", None, "1234.50"),
        ("1 234,50 EUR", None, "1234.50"),
        ("(123.45)", None, "-123.45"),
        ("-$12.00", None, "-12.00"),
        ("12.00-", None, "-12.00"),
        ("1,500", None, "1500"),
        ("1,500", True, "1.500"),
        ("1.500", True, "1500"),
        ("1.500", None, "1.500"),
        ("7,5", None, "7.5"),
        ("CHF 1'250.75", None, "1250.75"),
        ("1,234,567.8", None, "1234567.8"),
        ("0", None, "0"),
    ],
)
def test_parse_decimal(text, decimal_comma, value):
    assert parse_decimal(text, decimal_comma) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "12abc34", "1,23,4", "1.2.3,4,5"])
def test_parse_decimal_rejects(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_detect_decimal_comma():
    assert detect_decimal_comma(["1.500", "7,5"]) is True
    assert detect_decimal_comma(["1,500.00"]) is False
    assert detect_decimal_comma(["1,500", "12"]) is None


def test_date_formats_and_order_detection():
    assert (
        parse_date("2026-01-15")
        == parse_date("15.01.2026")
        == parse_date("15 Jul 2026").replace(month=1)
    )
    assert parse_date("Jan 15, 2026").isoformat() == "2026-01-15"
    assert parse_date("15-Jan-26").isoformat() == "2026-01-15"
    assert parse_date("03/04/2026", "DMY").isoformat() == "2026-04-03"
    assert parse_date("03/04/2026", "MDY").isoformat() == "2026-03-04"
    assert parse_date("31/31/2026", "DMY") is None
    assert detect_date_order(["01/02/2026", "25/02/2026"]) == ("DMY", None)  # EU
    assert detect_date_order(["01/02/2026", "02/25/2026"]) == ("MDY", None)  # US
    assert detect_date_order(["2026-02-01", "26.01.2026"]) == ("MDY", None)  # nothing to decide
    # 2026-03-02..06 are Mon-Fri; read DD/MM they would be days in Feb-Jun incl. weekends
    order, warning = detect_date_order(
        ["02/03/2026", "03/03/2026", "04/03/2026", "05/03/2026", "06/03/2026"]
    )
    assert order == "DMY" and "weekends" in warning
    order, warning = detect_date_order(["01/01/2026", "02/02/2026"])
    assert (order, warning) == ("MDY", None)  # day == month: no ambiguity to report


def test_ambiguous_dates_are_reported(tmp_path):
    row = "{d},Acme,Web,,Design,x,1,,Yes,No,No,Elena,Ruiz,,,,,,,USD,"
    # 2026-01-05 (Mon) and 2026-05-01 (Fri) are weekdays either way: the default MM/DD wins
    text = HARVEST_HEADER + "\n" + "\n".join(row.format(d=d) for d in ("01/05/2026", "05/01/2026"))
    batch = parse_export("harvest-csv", write(tmp_path, "h.csv", text))
    assert [e["date"] for e in by_line(batch).values()] == ["2026-01-05", "2026-05-01"]
    assert batch.warnings == [
        "h.csv: Date: day and month are ambiguous in every date; read as MM/DD/YYYY (the default)"
    ]


def test_currency_code_and_ids():
    assert [
        currency_code(c) for c in ("USD", "Euro - EUR", "eur", "US Dollar (USD)", "€", "", "All")
    ] == [
        "USD",
        "EUR",
        "EUR",
        "USD",
        "EUR",
        None,
        "ALL",
    ]
    assert slug("Café Müller & Söhne, Inc.") == "cafe-muller-sohne-inc"
    assert slug("株式会社").startswith("x") and slug("株式会社") == slug("株式会社")
    assert entity_id("harvest", "project", "", "Internal") == "harvest-project-internal"
    assert entity_id("harvest", "project", "Acme Corp", "Web") == "harvest-project-acme-corp--web"


# ---------------------------------------------------------------- bad rows and bad files


def test_bad_duration_and_bad_date_become_row_errors(tmp_path):
    rows = [
        "2026-01-05,Acme,Web,,Design,ok,1.5,,Yes,No,No,Elena,Ruiz,,,,,,,USD,",
        '2026-01-05,Acme,Web,,Design,"two\nlines",abc,,Yes,No,No,Elena,Ruiz,,,,,,,USD,',
        "2026-02-30,Acme,Web,,Design,bad date,2,,Yes,No,No,Elena,Ruiz,,,,,,,USD,",
        "2026-01-06,Acme,Web,,Design,ok,,,Yes,No,No,Elena,Ruiz,,,,,,,USD,",
        "2026-01-07,Acme,Web,,Design,ok,2,,Yes,No,No,Elena,Ruiz,,,,,,,USD,",
    ]
    batch = parse_export(
        "harvest-csv", write(tmp_path, "h.csv", HARVEST_HEADER + "\n" + "\n".join(rows))
    )
    assert [(e.file, e.line, e.reason) for e in batch.errors] == [
        ("h.csv", 3, "Hours: cannot parse duration 'abc'"),  # its notes span lines 3-4
        ("h.csv", 5, "Date: cannot parse date '2026-02-30'"),
        ("h.csv", 6, "Hours: empty duration"),
    ]
    assert batch.errors[0].raw["Notes"] == "two\nlines" and batch.errors[0].raw["Hours"] == "abc"
    assert list(by_line(batch)) == [2, 7]


def test_ragged_row_is_an_error(tmp_path):
    rows = ["2026-01-05,Acme,Web,,Design,1,5 hours,1.5,,Yes,No,No,Elena,Ruiz,,,,,,,USD,https://x"]
    batch = parse_export("harvest-csv", write(tmp_path, "h.csv", HARVEST_HEADER + "\n" + rows[0]))
    assert batch.errors[0].line == 2 and "22 fields, the header has 21" in batch.errors[0].reason


@pytest.mark.parametrize(
    ("kind", "header", "column"),
    [
        ("harvest-csv", HARVEST_HEADER.replace(",Hours,", ",Time,"), "Hours"),
        ("harvest-csv", HARVEST_HEADER.replace("Date,", "Day,"), "Date"),
        ("harvest-csv", HARVEST_HEADER.replace("First Name,Last Name", "A,B"), "First Name"),
        ("toggl-csv", TOGGL_HEADER.replace(",Duration,", ",Length,"), "Duration"),
        ("toggl-csv", TOGGL_HEADER.replace("User,Email", "Who,Mail"), "User"),
        (
            # no duration column and no End Time: nothing gives the hours
            "clockify-csv",
            CLOCKIFY_HEADER.replace("Duration (h),Duration (decimal)", "X,Y").replace(
                "End Time", "Z"
            ),
            "'Duration (h)' or 'Duration (decimal)' (or both 'Start Time' and 'End Time')",
        ),
    ],
)
def test_missing_required_column(tmp_path, kind, header, column):
    path = write(tmp_path, "export.csv", header + "\n")
    with pytest.raises(ExportFormatError) as error:
        parse_export(kind, path)
    named = column if column.startswith("'") else repr(column)
    assert str(error.value) == f"export.csv: missing required column {named}"


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(ExportFormatError, match="empty.csv: empty file"):
        parse_export("toggl-csv", write(tmp_path, "empty.csv", "\n"))
    with pytest.raises(ExportFormatError, match="nope.csv: file not found"):
        parse_export("toggl-csv", tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="unknown export kind"):
        parse_export("tempo-csv", tmp_path / "nope.csv")


def test_latin1_and_cp1252_files(tmp_path):
    row = "Zoë Müller,zoe@x.example,Café Noir,Relaunch,,Entwürfe – v2,Yes,2026-02-02,09:00:00,,,01:00:00,,"
    path = write(tmp_path, "t.csv", TOGGL_HEADER + "\r\n" + row + "\r\n", encoding="cp1252")
    batch = parse_export("toggl-csv", path)
    assert batch.frames["clients"]["name"].to_list() == ["Café Noir"]
    assert batch.frames["people"]["name"].to_list() == ["Zoë Müller"]
    assert by_line(batch)[2]["notes"] == "Entwürfe – v2"  # the en dash is cp1252-only
    assert batch.warnings == ["t.csv: not UTF-8: read as Windows-1252 (Latin-1)"]
    latin1 = write(
        tmp_path,
        "l.csv",
        (TOGGL_HEADER + "\n" + row.replace("–", "-"))
        .encode("latin-1")
        .replace(b"Noir", b"Noir\x81")
        .decode("latin-1"),
        encoding="latin-1",
    )
    assert parse_export("toggl-csv", latin1).frames["clients"]["name"].to_list() == [
        "Café Noir\x81"
    ]


def test_preamble_skipped_total_rows_dropped_tab_delimited(tmp_path):
    header = TOGGL_HEADER.replace(",", "\t")
    lines = [
        "Detailed report",
        "01/02/2026 - 28/02/2026",
        "",
        header,
        "Elena Ruiz\telena@x.example\tAcme\tWeb\t\tSketches\tYes\t2026-02-02\t09:00:00\t\t\t1:00:00\t\t",
        "Elena Ruiz\telena@x.example\tAcme\tWeb\t\tSketches\tYes\t2026-02-03\t09:00:00\t\t\t2:00:00\t\t",
        "Total\t\t\t\t\t\t\t\t\t\t\t3:00:00\t\t",
        "\t\t\t\t\t\t\t\t\t\t\t\t\t",
        "Generated by Toggl Track",
    ]
    text = "\n".join(lines)
    batch = parse_export("toggl-csv", write(tmp_path, "toggl.tsv", text))
    assert list(by_line(batch)) == [5, 6]
    assert [(s.line, s.reason) for s in batch.skipped] == [
        (7, "Total row"),
        (9, "not a time entry (no date, no duration)"),
    ]
    assert batch.errors == []


def test_total_row_of_a_harvest_export_semicolons(tmp_path):
    text = (
        "Date;Client;Project;Task;Notes;Hours;First Name;Last Name\n"
        "15.01.2026;Acme;Web;Design;x;1,5;Elena;Ruiz\n"
        "Date;Client;Project;Task;Notes;Hours;First Name;Last Name\n"
        "16.01.2026;Acme;Web;Design;y;2,5;Elena;Ruiz\n"
        ";;;;Total;4,0;;\n"
    )
    batch = parse_export("harvest-csv", write(tmp_path, "h.csv", text))
    assert [e["hours"] for e in by_line(batch).values()] == ["1.5", "2.5"]
    assert [(s.line, s.reason) for s in batch.skipped] == [(3, "repeated header"), (5, "Total row")]


# ---------------------------------------------------------------- KnownNames from the warehouse


def test_known_names_from_empty_and_filled_duckdb():
    con = duckdb.connect()
    empty = KnownNames.from_duckdb(con)
    assert (empty.clients, empty.projects, empty.people, empty.default_currency) == (
        {},
        {},
        {},
        "USD",
    )
    con.execute("CREATE TABLE clients (client_id VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO clients VALUES ('CL-1', 'Acme  Corp')")
    con.execute(
        "CREATE TABLE projects (project_id VARCHAR, client_id VARCHAR, name VARCHAR, code VARCHAR)"
    )
    con.execute(
        "INSERT INTO projects VALUES ('P-1', 'CL-1', 'Website Redesign', 'ACME-WEB'), "
        "('P-2', NULL, 'Internal', NULL)"
    )
    con.execute("CREATE TABLE people (person_id VARCHAR, name VARCHAR, email VARCHAR)")
    con.execute("INSERT INTO people VALUES ('PER-7', 'Elena Ruiz', 'Elena@Firm.example')")
    con.execute(
        "CREATE TABLE sow_lines (sow_line_id VARCHAR, project_id VARCHAR, code VARCHAR, "
        "description VARCHAR)"
    )
    con.execute("INSERT INTO sow_lines VALUES ('SOW-1', 'P-1', 'D-1', 'Design')")
    con.execute("CREATE TABLE firm (name VARCHAR, base_currency VARCHAR)")
    con.execute("INSERT INTO firm VALUES ('Northwind', 'EUR')")
    known = KnownNames.from_duckdb(con)
    assert known.clients == {"acme corp": "CL-1"}
    assert known.projects == {("CL-1", "website redesign"): "P-1", ("", "internal"): "P-2"}
    assert known.project_codes == {"acme-web": "P-1"}
    assert known.people == {"elena@firm.example": "PER-7"}
    assert known.people_by_name == {"elena ruiz": "PER-7"}
    assert known.sow_lines == {("P-1", "design"): "SOW-1", ("P-1", "d-1"): "SOW-1"}
    assert known.default_currency == "EUR"
    batch = parse_export("harvest-csv", HARVEST, known)
    assert by_line(batch)[2]["sow_line_id"] == "SOW-1"
    assert "harvest-client-acme-corp" not in ids(batch, "clients")
    assert batch.frames["clients"]["currency"].to_list() == ["USD", "EUR"]  # from the file


# ---------------------------------------------------------------- speed


def test_100k_rows_parse_every_row(tmp_path):
    # Speed is bench/bench_import.py's job (docs/benchmarks.md); this checks nothing is lost
    # on a file large enough to take the bulk path.
    lines = HARVEST.read_text().splitlines()
    body = [lines[1 + i % 15].replace("Bug fixes", f"Bug fixes {i}") for i in range(100_000)]
    path = write(tmp_path, "big.csv", "\n".join([lines[0], *body]) + "\n")
    batch = parse_export("harvest-csv", path)
    entries = batch.frames["time_entries"]
    assert entries.height == 100_000
    expected = [line for i in range(100_000) if "Bug fixes" in (line := lines[1 + i % 15])]
    assert expected, "the sample's rows name 'Bug fixes' somewhere"
    numbered = entries.filter(pl.col("notes").str.starts_with("Bug fixes "))
    assert numbered.height == len(expected)


def test_clockify_compact_clock_beats_the_two_place_decimal(tmp_path):
    # 10 minutes: "0:10" is exact (0.1667 h); the decimal column rounds it to 0.17
    row = (
        "P,C,D,,Ann Lee,,ann@x.example,,Yes,2026-03-02,9:00,2026-03-02,9:10,0:10,0.17,150.00,25.00"
    )
    batch = parse_export("clockify-csv", write(tmp_path, "c.csv", f"{CLOCKIFY_HEADER}\n{row}\n"))
    assert by_line(batch)[2]["hours"] == "0.1667"
