"""Tracker exports end to end: the shipped samples load into the warehouse through the same
contract checks as a canonical folder; bad rows are quarantined with their line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.export_import import import_export
from etl.loader import import_canonical
from tests.conftest import ROOT, write_folder
from tests.etl.canonical_fixtures import BASE_FILES
from tests.support.demo import DEMO_AS_OF

SAMPLES = ROOT / "data" / "samples"


def entry(con, where: str, params: list):
    return con.execute(
        "SELECT e.date, e.hours, e.billable, e.approved_at IS NOT NULL, e.invoice_id, p.name, "
        f"pr.name, c.name FROM time_entries e JOIN people p USING (person_id) "
        f"LEFT JOIN projects pr USING (project_id) LEFT JOIN clients c ON c.client_id = pr.client_id "
        f"WHERE {where}",
        params,
    ).fetchall()


def test_harvest_sample_loads_and_reimport_changes_nothing(con):
    report = import_export(con, "harvest-csv", SAMPLES / "harvest_detailed_time.csv")
    assert report.quarantined == 0
    # 15 data rows in the sample, one of them an exact repeat (still a separate entry)
    assert con.execute("SELECT count(*) FROM time_entries").fetchall() == [(15,)]
    rows = entry(con, "e.notes = ?", ["Set up staging environment"])
    import datetime as dt

    assert rows == [
        (
            dt.date(2026, 1, 5),
            Decimal("2.25"),
            True,
            True,
            "harvest-invoiced",
            "Marcus Chen",
            "Website Redesign",
            "Acme Corp",
        )
    ]
    # "Mapping workshop": Hours 1.33 (not the rounded 1.5), not approved
    assert entry(con, "e.notes = ?", ["Mapping workshop"])[0][1:4] == (Decimal("1.33"), True, False)
    currencies = dict(con.execute("SELECT name, currency FROM clients").fetchall())
    assert currencies == {"Acme Corp": "USD", "Globex": "USD", "Initech GmbH": "EUR"}
    again = import_export(con, "harvest-csv", SAMPLES / "harvest_detailed_time.csv")
    assert all(s.new == 0 and s.updated == 0 for s in again.entities)


def test_exports_reuse_clients_and_people_already_in_the_warehouse(con, tmp_path):
    import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))  # Acme Corp is CL-1
    import_export(con, "toggl-csv", SAMPLES / "toggl_detailed_report.csv")
    acme = con.execute("SELECT client_id FROM clients WHERE name = 'Acme Corp'").fetchall()
    assert acme == [("CL-1",)]
    hero = entry(con, "e.notes = ? AND e.date = ?", ["Homepage hero illustrations", "2026-02-02"])
    # 09:00 to 11:30 is 2.5 h, billable, no approval in a Toggl export
    assert hero[0][1:4] == (Decimal("2.5"), True, False) and hero[0][7] == "Acme Corp"
    rush = con.execute("SELECT work_type FROM time_entries WHERE notes = 'Fix failed nightly load'")
    assert rush.fetchall() == [("rush",)]


def test_clockify_us_dates_and_twelve_hour_times(con):
    import_export(con, "clockify-csv", SAMPLES / "clockify_detailed_report.csv")
    import datetime as dt

    rows = entry(con, "e.notes = ? ORDER BY e.date", ["Accessibility audit"])
    # 03/03/2026 and 03/16/2026: US order (16 cannot be a month)
    assert [r[0] for r in rows] == [dt.date(2026, 3, 3), dt.date(2026, 3, 16)]
    # 01:00 PM to 01:20 PM is 20 minutes = 0.3333 h (not the 2-place 0.33); 09:30 AM-12:00 PM 2.5 h
    assert [r[1] for r in rows] == [Decimal("0.3333"), Decimal("2.5")]


def test_bad_rows_in_an_export_are_quarantined_with_their_line(con, tmp_path):
    header = (SAMPLES / "harvest_detailed_time.csv").read_text().splitlines()[0]
    good = "2026-01-05,Acme Corp,Website Redesign,ACME-WEB,Design,ok,3.5,3.5,Yes,No,No,Elena,Ruiz,Designer,Yes,,,,,USD,"
    bad_date = good.replace("2026-01-05", "2026-13-45").replace(",ok,", ",bad date,")
    too_long = good.replace("3.5,3.5", "30,30").replace(",ok,", ",too long,")
    path = tmp_path / "harvest.csv"
    path.write_text(f"{header}\n{good}\n{bad_date}\n{too_long}\n")
    report = import_export(con, "harvest-csv", path)
    rows = con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
    assert [line for line, _ in rows] == [3, 4]
    assert "2026-13-45" in rows[0][1]
    assert "exceed 24" in rows[1][1]
    assert con.execute("SELECT notes FROM time_entries").fetchall() == [("ok",)]
    assert report.quarantined == 2


def test_missing_column_in_an_export_is_one_clear_error(con, tmp_path):
    path = tmp_path / "toggl.csv"
    path.write_text(
        "User,Email,Client,Project,Description,Billable,Start date,Start time\n"
        "Elena Ruiz,e@x.com,Acme,Web,x,Yes,2026-02-02,09:00:00\n"
    )
    report = import_export(con, "toggl-csv", path)
    assert len(report.file_errors) == 1
    assert "toggl.csv" in report.file_errors[0] and "Duration" in report.file_errors[0]
    assert con.execute("SELECT count(*) FROM time_entries").fetchall() == [(0,)]


def calendar(day) -> str:
    """A one-event calendar on `day`: a client meeting with two outside attendees."""
    stamp = day.strftime("%Y%m%d")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:kickoff-1\r\nDTSTAMP:{stamp}T080000Z\r\n"
        f"DTSTART:{stamp}T140000Z\r\nDTEND:{stamp}T153000Z\r\n"
        "SUMMARY:Acme kickoff\\, scope\r\n"
        "ORGANIZER:mailto:elena@kestrel.example\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:elena@kestrel.example\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@acme.example\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:bob@acme.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.mark.clock
def test_ics_files_in_a_canonical_folder_load_as_calendar_events(con, tmp_path):
    import datetime as dt

    day = DEMO_AS_OF - dt.timedelta(days=10)  # inside the import window around today
    people = (
        "person_id,name,role,email\nP-1,Elena Ruiz,Engineer,elena@kestrel.example\n"
        "P-2,Sam Lee,Designer,sam@kestrel.example\n"
    )
    folder = write_folder(tmp_path / "firm", BASE_FILES | {"people.csv": people})
    (folder / "P-1.ics").write_text(calendar(day))
    report = import_canonical(con, folder)
    assert report.quarantined == 0
    rows = con.execute(
        'SELECT event_id, person_id, title, external_attendees, start, "end" FROM calendar_events'
    ).fetchall()
    start = dt.datetime.combine(day, dt.time(14, 0), tzinfo=dt.UTC)
    # the organizer is the owner (firm domain); both acme.example invitees count
    assert rows == [
        (
            "P-1:kickoff-1",
            "P-1",
            "Acme kickoff, scope",
            2,
            start,
            start + dt.timedelta(hours=1, minutes=30),
        )
    ]
    again = import_canonical(con, folder)
    assert {s.entity: s.unchanged for s in again.entities}["calendar_events"] == 1


def test_ics_whose_owner_is_unknown_is_refused_in_one_line(tmp_path, db_path):
    import subprocess
    import sys

    path = tmp_path / "someone.ics"
    path.write_text(calendar(DEMO_AS_OF))
    result = subprocess.run(
        [sys.executable, "-m", "etl", "--db", str(db_path), "import", "ics", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1
    assert "someone.ics: cannot tell whose calendar this is" in result.stderr
    assert "Traceback" not in result.stderr
