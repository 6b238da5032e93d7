"""iCalendar (.ics) calendars -> canonical calendar_events; expectations worked out by hand.

The sample is Elena Ruiz's (E-001) Google Calendar export, zone America/New_York. US daylight
saving time starts on Sunday 2026-03-08, so 09:30 New York is 14:30Z before and 13:30Z after.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from etl.contract import ENTITIES
from etl.exports.ics import CalendarNames, default_window, parse_ics, unescape, unfold
from etl.exports.names import KnownNames
from etl.exports.table import ExportFormatError
from etl.loader import import_canonical, run_load, stage_frame
from tests.conftest import ROOT, write_folder

SAMPLE = ROOT / "data" / "samples" / "calendar_E-001.ics"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
FIRM = {
    "elena.ruiz@firm.com": "E-001",
    "marc.dubois@firm.com": "E-002",
    "priya.shah@firm.com": "E-003",
}
NAMES = {"Elena Ruiz": "E-001", "Marc Dubois": "E-002", "Priya Shah": "E-003"}


def known(**extra) -> CalendarNames:
    return CalendarNames(people=FIRM, people_by_name=NAMES, **extra)


def rows(batch) -> dict[str, dict]:
    return {r["event_id"]: r for r in batch.frames["calendar_events"].iter_rows(named=True)}


def write_ics(tmp_path: Path, *events: str, name: str = "E-001.ics", head: str = "") -> Path:
    """A calendar with the given VEVENT bodies (lines without BEGIN/END), CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    lines += [line for line in head.strip().splitlines() if line]
    for body in events:
        lines += ["BEGIN:VEVENT", *[x.strip() for x in body.strip().splitlines()], "END:VEVENT"]
    path = tmp_path / name
    path.write_bytes(("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode())
    return path


def one(tmp_path, body: str, head: str = "", **kw):
    batch = parse_ics(write_ics(tmp_path, body, head=head), known(), window=MARCH, **kw)
    return batch, list(rows(batch).values())


# ---------------------------------------------------------------- the sample, by hand


@pytest.fixture(scope="module")
def sample():
    clients = {"acme.example": "CL-1", "globex.example": "CL-2"}
    return parse_ics(SAMPLE, known(client_domains=clients), window=MARCH)


def test_sample_frame_is_canonical_strings_with_line_and_file(sample):
    frame = sample.frames["calendar_events"]
    assert list(sample.frames) == ["calendar_events"]
    assert frame.columns == [*ENTITIES["calendar_events"].column_names, "_line", "_file"]
    assert frame.schema["_line"] == pl.Int64
    assert all(frame.schema[c] == pl.Utf8 for c in frame.columns if c != "_line")
    assert frame["_file"].unique().to_list() == ["calendar_E-001.ics"]
    assert frame["person_id"].unique().to_list() == ["E-001"]
    assert frame["event_id"].n_unique() == frame.height == 7
    assert sample.errors == []


def test_sample_weekly_standup_instances_in_march(sample):
    # Mondays 09:30-09:45 New York from 03-02; 03-23 is an EXDATE; 03-16 moved to Tue 03-17 14:00
    standup = {k: v for k, v in rows(sample).items() if "standup" in k}
    assert {k: (v["start"], v["end"], v["_line"]) for k, v in standup.items()} == {
        "E-001:standup-7f3a@google.com@20260302T143000Z": (
            "2026-03-02T14:30:00+00:00",  # EST, UTC-5
            "2026-03-02T14:45:00+00:00",
            26,
        ),
        "E-001:standup-7f3a@google.com@20260309T133000Z": (
            "2026-03-09T13:30:00+00:00",  # EDT, UTC-4
            "2026-03-09T13:45:00+00:00",
            26,
        ),
        # the moved instance keeps the id of its original slot (its RECURRENCE-ID)
        "E-001:standup-7f3a@google.com@20260316T133000Z": (
            "2026-03-17T18:00:00+00:00",
            "2026-03-17T18:15:00+00:00",
            54,
        ),
        "E-001:standup-7f3a@google.com@20260330T133000Z": (
            "2026-03-30T13:30:00+00:00",
            "2026-03-30T13:45:00+00:00",
            26,
        ),
    }
    moved = standup["E-001:standup-7f3a@google.com@20260316T133000Z"]
    assert moved["title"] == "Team standup (moved to Tuesday)"
    assert {v["external_attendees"] for v in standup.values()} == {"0"}


def test_sample_client_meetings(sample):
    by_id = rows(sample)
    acme = by_id["E-001:acme-qbr-2026q1@google.com"]
    # John (accepted) and Sara (declined: still invited) at acme.example; Elena and Marc are
    # the firm; the conference room is a resource
    assert (acme["title"], acme["external_attendees"], acme["client_id"]) == (
        "Acme Corp, Q1 review ; roadmap",
        "2",
        "CL-1",
    )
    assert (acme["start"], acme["end"], acme["status"]) == (
        "2026-03-18T15:00:00+00:00",
        "2026-03-18T16:30:00+00:00",
        "confirmed",
    )
    globex = by_id["E-001:globex-workshop@google.com"]
    # 13:00 EDT + DURATION PT1H30M; the boardroom (CUTYPE=ROOM) is not a person
    assert (globex["start"], globex["end"]) == (
        "2026-03-25T17:00:00+00:00",
        "2026-03-25T18:30:00+00:00",
    )
    assert (globex["external_attendees"], globex["client_id"], globex["status"]) == (
        "1",
        "CL-2",
        "tentative",
    )


def test_sample_floating_time_takes_the_calendar_zone(sample):
    lunch = rows(sample)["E-001:lunch-learn-03@firm.com"]
    # 12:00 floating, X-WR-TIMEZONE America/New_York (EDT) -> 16:00Z; no STATUS -> confirmed
    assert (lunch["start"], lunch["end"], lunch["status"]) == (
        "2026-03-12T16:00:00+00:00",
        "2026-03-12T17:00:00+00:00",
        "confirmed",
    )
    assert lunch["client_id"] is None


def test_sample_skipped_events_with_reasons(sample):
    assert [(s.line, s.reason) for s in sample.skipped] == [
        (100, "declined by the owner (ATTENDEE elena.ruiz@firm.com PARTSTAT=DECLINED)"),
        (115, "cancelled (STATUS:CANCELLED)"),
        (128, "all-day event (DTSTART;VALUE=DATE:20260326), not work time"),
        (138, "shown as free (TRANSP:TRANSPARENT)"),
    ]
    assert sample.skipped[0].raw["SUMMARY"] == "Initech product demo"
    assert sample.warnings == [
        "calendar_E-001.ics: 1 event(s) outside the window 2026-03-01..2026-03-31 not imported"
    ]


def test_window_bounds_every_event(tmp_path):
    april = parse_ics(SAMPLE, known(), window=(date(2026, 4, 1), date(2026, 4, 30)))
    # UNTIL=20260406T135959Z keeps 04-06 13:30Z, the last Monday; nothing else is in April
    assert list(rows(april)) == ["E-001:standup-7f3a@google.com@20260406T133000Z"]
    assert april.skipped == []
    january = parse_ics(SAMPLE, known(), window=(date(2026, 1, 1), date(2026, 1, 31)))
    assert list(rows(january)) == ["E-001:kickoff-2026@google.com"]


def test_default_window_is_400_days_back_to_31_ahead():
    assert default_window(date(2026, 4, 1)) == (
        date(2026, 4, 1) - timedelta(days=400),
        date(2026, 5, 2),
    )


def test_reimport_gives_the_same_ids(sample):
    again = parse_ics(SAMPLE, known(), window=MARCH)
    assert again.frames["calendar_events"]["event_id"].to_list() == (
        sample.frames["calendar_events"]["event_id"].to_list()
    )


# ---------------------------------------------------------------- lines, folding, escapes


def test_unfold_joins_continuations_and_keeps_the_first_physical_line():
    text = "BEGIN:VEVENT\r\nSUMMARY:Acme\r\n  review\r\n\t part 2\nUID:x\n\nEND:VEVENT"
    assert unfold(text) == [
        (1, "BEGIN:VEVENT"),
        (2, "SUMMARY:Acme review part 2"),
        (5, "UID:x"),
        (7, "END:VEVENT"),
    ]


def test_unescape_text():
    assert unescape(r"a\, b\; c\nd\Ne\\n") == "a, b; c\nd\ne\\n"


def test_folded_summary_split_inside_an_escape_and_quoted_params(tmp_path):
    path = tmp_path / "E-001.ics"
    path.write_bytes(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:fold-1\r\nDTSTART:20260310T150000Z\r\n"
        b"SUMMARY:Quarterly review with Initech\\\r\n , Globex and Acme \\; budget\r\n"
        b'ORGANIZER;CN="Doe; John: CFO":MAILTO:John.Doe@Acme.example\r\n'
        b'ATTENDEE;CN="Lee, Sara";PARTSTAT=ACCEPTED:mailto:sara@acme.example\r\n'
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    batch = parse_ics(path, known(), window=MARCH)
    (row,) = rows(batch).values()
    assert row["title"] == "Quarterly review with Initech, Globex and Acme ; budget"
    assert row["external_attendees"] == "2"  # the organizer and Sara, both at acme.example
    assert row["_line"] == 2


# ---------------------------------------------------------------- times


def test_duration_counts_days_on_the_wall_clock_and_hours_exactly(tmp_path):
    head = "X-WR-TIMEZONE:America/New_York"
    # 2026-03-07 12:00 EST; the clocks go forward that night
    batch = parse_ics(
        write_ics(
            tmp_path,
            "UID:d1\nDTSTART:20260307T120000\nDURATION:P1D",
            "UID:d2\nDTSTART:20260307T120000\nDURATION:PT24H",
            "UID:d3\nDTSTART:20260307T120000\nDURATION:PT1H30M",
            "UID:d4\nDTSTART:20260307T120000",
            head=head,
        ),
        known(),
        window=MARCH,
    )
    ends = {k.split(":")[1]: v["end"] for k, v in rows(batch).items()}
    assert ends == {
        "d1": "2026-03-08T16:00:00+00:00",  # 12:00 EDT next day: 23 hours
        "d2": "2026-03-08T17:00:00+00:00",
        "d3": "2026-03-07T18:30:00+00:00",
        "d4": "2026-03-07T17:00:00+00:00",  # neither DTEND nor DURATION: an instant
    }


def test_unreadable_events_are_errors_naming_property_and_value(tmp_path):
    path = write_ics(
        tmp_path,
        "UID:ok\nDTSTART:20260310T090000Z\nDTEND:20260310T100000Z",
        "UID:b1\nDTSTART:2026-03-10 09:00\nDTEND:20260310T100000Z",
        "UID:b2\nDTSTART:20260310T090000Z\nDURATION:1 hour",
        "UID:b3\nDTSTART:20260310T090000Z\nDTEND:20260310T080000Z",
        "UID:b4\nDTSTART:20260310T090000Z\nRRULE:FREQ=SOMETIMES",
        "DTSTART:20260310T090000Z",
        "UID:b6\nDTSTART:20260231T090000Z",
    )
    batch = parse_ics(path, known(), window=MARCH)
    assert list(rows(batch)) == ["E-001:ok"]
    assert [(e.line, e.reason) for e in batch.errors] == [
        (9, "DTSTART (line 11): cannot parse date-time '2026-03-10 09:00'"),
        (14, "DURATION: cannot parse '1 hour'"),
        (19, "DTEND '20260310T080000Z' is before DTSTART '20260310T090000Z'"),
        (24, "RRULE: cannot use 'FREQ=SOMETIMES' (invalid 'FREQ': SOMETIMES)"),
        (29, "UID: missing"),
        (32, "DTSTART (line 34): not a real date-time '20260231T090000Z'"),
    ]
    assert batch.errors[0].raw["UID"] == "b1"


def test_floating_times_without_a_calendar_zone_are_utc(tmp_path):
    _, (row,) = one(tmp_path, "UID:f\nDTSTART:20260310T090000\nDTEND:20260310T100000")
    assert (row["start"], row["end"]) == ("2026-03-10T09:00:00+00:00", "2026-03-10T10:00:00+00:00")


def test_tzid_iana_path_vtimezone_and_unknown(tmp_path):
    head = """
        X-WR-TIMEZONE:Europe/Berlin
        BEGIN:VTIMEZONE
        TZID:Pacific Standard Time
        BEGIN:STANDARD
        DTSTART:16011104T020000
        RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
        TZOFFSETFROM:-0700
        TZOFFSETTO:-0800
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:16010311T020000
        RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
        TZOFFSETFROM:-0800
        TZOFFSETTO:-0700
        END:DAYLIGHT
        END:VTIMEZONE
    """
    head = "\n".join(line.strip() for line in head.splitlines())
    path = write_ics(
        tmp_path,
        "UID:iana\nDTSTART;TZID=Asia/Tokyo:20260310T090000",
        "UID:path\nDTSTART;TZID=/mozilla.org/20050126_1/Asia/Kolkata:20260310T090000",
        'UID:win\nDTSTART;TZID="Pacific Standard Time":20260310T090000',
        "UID:mars\nDTSTART;TZID=Mars Standard Time:20260310T090000",
        "UID:float\nDTSTART:20260310T090000",
        head=head,
    )
    batch = parse_ics(path, known(), window=MARCH)
    starts = {k.split(":")[1]: v["start"] for k, v in rows(batch).items()}
    assert starts == {
        "iana": "2026-03-10T00:00:00+00:00",
        "path": "2026-03-10T03:30:00+00:00",
        "win": "2026-03-10T16:00:00+00:00",  # PDT since 03-08, from the VTIMEZONE block
        "mars": "2026-03-10T08:00:00+00:00",  # read as the calendar's Europe/Berlin (CET)
        "float": "2026-03-10T08:00:00+00:00",
    }
    assert batch.warnings == [
        (
            "E-001.ics: unknown TZID 'Mars Standard Time' (no IANA name, no usable VTIMEZONE); "
            "its times are read as Europe/Berlin"
        )
    ]


# ---------------------------------------------------------------- recurrence


def test_rrule_count_rdate_exdate_and_date_until(tmp_path):
    path = write_ics(
        tmp_path,
        """
        UID:daily
        DTSTART;TZID=Europe/London:20260302T100000
        DTEND;TZID=Europe/London:20260302T103000
        RRULE:FREQ=DAILY;COUNT=4
        RDATE;TZID=Europe/London:20260310T150000,20260311T150000
        EXDATE:20260303T100000Z
        """,
        """
        UID:weekly
        DTSTART;TZID=Europe/London:20260324T090000
        RRULE:FREQ=WEEKLY;UNTIL=20260331
        """,
    )
    batch = parse_ics(path, known(), window=MARCH)
    assert list(rows(batch)) == [
        "E-001:daily@20260302T100000Z",
        "E-001:daily@20260304T100000Z",
        "E-001:daily@20260305T100000Z",
        "E-001:daily@20260310T150000Z",
        "E-001:daily@20260311T150000Z",
        # London moves to BST on 03-29: 09:00 BST is 08:00Z; UNTIL as a date includes that day
        "E-001:weekly@20260324T090000Z",
        "E-001:weekly@20260331T080000Z",
    ]


def test_recurrence_id_cancels_or_declines_one_instance(tmp_path):
    path = write_ics(
        tmp_path,
        """
        UID:sync
        DTSTART:20260302T160000Z
        DTEND:20260302T170000Z
        RRULE:FREQ=WEEKLY;COUNT=3
        SUMMARY:Client sync
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:elena.ruiz@firm.com
        ATTENDEE:mailto:kim@acme.example
        """,
        "UID:sync\nRECURRENCE-ID:20260309T160000Z\nDTSTART:20260309T160000Z\nSTATUS:CANCELLED",
        """
        UID:sync
        RECURRENCE-ID:20260316T160000Z
        DTSTART:20260316T163000Z
        ATTENDEE;PARTSTAT=TENTATIVE:mailto:elena.ruiz@firm.com
        """,
    )
    batch = parse_ics(path, known(), window=MARCH)
    by_id = rows(batch)
    assert list(by_id) == ["E-001:sync@20260302T160000Z", "E-001:sync@20260316T160000Z"]
    moved = by_id["E-001:sync@20260316T160000Z"]
    # the override inherits SUMMARY and the series' length; its own ATTENDEE list replaces
    assert (moved["title"], moved["start"], moved["end"]) == (
        "Client sync",
        "2026-03-16T16:30:00+00:00",
        "2026-03-16T17:30:00+00:00",
    )
    assert (moved["status"], moved["external_attendees"]) == ("tentative", "0")
    assert by_id["E-001:sync@20260302T160000Z"]["external_attendees"] == "1"
    assert [(s.line, s.reason) for s in batch.skipped] == [
        (13, "cancelled (STATUS:CANCELLED); instance 20260309T160000Z of sync")
    ]


def test_a_skipped_series_is_one_skip_and_a_later_sequence_wins(tmp_path):
    path = write_ics(
        tmp_path,
        "UID:free\nDTSTART:20260302T080000Z\nRRULE:FREQ=DAILY;COUNT=5\nTRANSP:TRANSPARENT",
        "UID:dup\nSEQUENCE:2\nDTSTART:20260305T080000Z\nSUMMARY:new time",
        "UID:dup\nSEQUENCE:1\nDTSTART:20260304T080000Z\nSUMMARY:old time",
    )
    batch = parse_ics(path, known(), window=MARCH)
    assert [(r["event_id"], r["title"]) for r in rows(batch).values()] == [
        ("E-001:dup", "new time")
    ]
    assert [(s.line, s.reason) for s in batch.skipped] == [
        (4, "shown as free (TRANSP:TRANSPARENT); 5 instance(s) in the window"),
        (16, "superseded by line 10 (same UID, SEQUENCE)"),
    ]


# ---------------------------------------------------------------- attendees


def test_external_attendees_firm_domains_and_organizer(tmp_path):
    body = """
        UID:m
        DTSTART:20260310T090000Z
        ORGANIZER:mailto:pat@partner.example
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:pat@partner.example
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:elena.ruiz@firm.com
        ATTENDEE;PARTSTAT=DECLINED:mailto:lee@acme.example
        ATTENDEE:mailto:marc.dubois@eu.firm.com
        ATTENDEE;CUTYPE=RESOURCE:mailto:projector@acme.example
        ATTENDEE;CN=No Email:
        """
    _, (row,) = one(tmp_path, body)
    # pat (organizer and attendee: once) and lee; eu.firm.com is a firm subdomain
    assert row["external_attendees"] == "2"
    _, (row,) = one(tmp_path, body, firm_domains={"firm.com", "partner.example"})
    assert row["external_attendees"] == "1"
    alone = parse_ics(
        write_ics(tmp_path, body, head="X-WR-CALNAME:elena.ruiz@firm.com"),
        KnownNames(),
        person_id="E-001",
        window=MARCH,
    )
    # nothing known: the owner's domain (from X-WR-CALNAME) is the firm's
    assert rows(alone)["E-001:m"]["external_attendees"] == "2"


def test_client_hint_only_when_the_domains_name_one_client(tmp_path):
    clients = {"acme.example": "CL-1", "globex.example": "CL-2"}
    path = write_ics(
        tmp_path,
        "UID:a\nDTSTART:20260310T090000Z\nATTENDEE:mailto:x@acme.example\n"
        "ATTENDEE:mailto:y@gmail.example",
        "UID:b\nDTSTART:20260310T090000Z\nATTENDEE:mailto:x@acme.example\n"
        "ATTENDEE:mailto:y@globex.example",
    )
    batch = parse_ics(path, known(client_domains=clients), window=MARCH)
    assert {k: v["client_id"] for k, v in rows(batch).items()} == {
        "E-001:a": "CL-1",
        "E-001:b": None,  # two clients in one meeting: no hint
    }
    plain = parse_ics(path, KnownNames(people=FIRM), window=MARCH)  # no billing emails known
    assert set(plain.frames["calendar_events"]["client_id"].to_list()) == {None}


# ---------------------------------------------------------------- whose calendar


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("E-002.ics", ""),
        ("calendar_e-002.ics", ""),
        ("marc.dubois@firm.com.ics", ""),
        ("Marc Dubois.ics", ""),
        ("export.ics", "X-WR-CALNAME:marc.dubois@firm.com"),
        ("export.ics", "X-WR-CALNAME:Marc Dubois"),
        ("export.ics", ""),  # the known person on the most events
    ],
)
def test_whose_calendar(tmp_path, name, head):
    events = [
        f"UID:{i}\nDTSTART:2026031{i}T090000Z\nORGANIZER:mailto:marc.dubois@firm.com\n"
        f"ATTENDEE:mailto:{who}"
        for i, who in enumerate(["elena.ruiz@firm.com", "x@acme.example", "ann@acme.example"])
    ]
    batch = parse_ics(write_ics(tmp_path, *events, name=name, head=head), known(), window=MARCH)
    assert set(batch.frames["calendar_events"]["person_id"].to_list()) == {"E-002"}


def test_person_argument_wins_and_unknown_owner_is_refused(tmp_path):
    path = write_ics(tmp_path, "UID:1\nDTSTART:20260310T090000Z", name="calendar.ics")
    batch = parse_ics(path, known(), person_id="E-003", window=MARCH)
    assert rows(batch)["E-003:1"]["person_id"] == "E-003"
    with pytest.raises(ExportFormatError) as err:
        parse_ics(path, known(), window=MARCH)
    assert str(err.value) == (
        "calendar.ics: cannot tell whose calendar this is; name the file after the person_id "
        "or email, or pass --person"
    )


def test_owner_email_is_guessed_when_unknown(tmp_path):
    events = [
        "UID:1\nDTSTART:20260310T090000Z\nATTENDEE;PARTSTAT=DECLINED:mailto:me@firm.example",
        (
            "UID:2\nDTSTART:20260311T090000Z\nATTENDEE:mailto:me@firm.example\n"
            "ATTENDEE:mailto:c@client.example"
        ),
    ]
    batch = parse_ics(write_ics(tmp_path, *events), KnownNames(), person_id="P-9", window=MARCH)
    assert [s.reason for s in batch.skipped] == [
        "declined by the owner (ATTENDEE me@firm.example PARTSTAT=DECLINED)"
    ]
    assert rows(batch)["P-9:2"]["external_attendees"] == "1"
    assert batch.warnings == [
        "E-001.ics: P-9 has no known email; taking me@firm.example (in the most events) as theirs"
    ]


# ---------------------------------------------------------------- the file as a whole


def test_not_a_calendar_empty_missing_and_unterminated(tmp_path):
    for name, text, message in [
        ("a.ics", "", "a.ics: empty file"),
        ("b.ics", "event_id,start\n1,2\n", "b.ics: not an iCalendar file (no BEGIN:VCALENDAR)"),
    ]:
        (tmp_path / name).write_text(text)
        with pytest.raises(ExportFormatError, match=re.escape(message)):
            parse_ics(tmp_path / name, known(), person_id="E-001")
    with pytest.raises(ExportFormatError, match="c.ics: file not found"):
        parse_ics(tmp_path / "c.ics", known(), person_id="E-001")
    path = tmp_path / "E-001.ics"
    path.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:cut\nDTSTART:20260310T090000Z\n")
    batch = parse_ics(path, known(), window=MARCH)
    assert [(e.line, e.reason) for e in batch.errors] == [
        (2, "BEGIN:VEVENT has no END:VEVENT (UID cut)")
    ]
    assert batch.frames["calendar_events"].height == 0


def test_sample_stages_into_the_warehouse_and_reimport_changes_nothing(con, tmp_path):
    folder = write_folder(
        tmp_path / "firm",
        {
            "clients.csv": """
                client_id,name,currency,billing_email
                CL-1,Acme Corp,USD,ap@acme.example
                CL-2,Globex,USD,invoices@globex.example
            """,
            "people.csv": """
                person_id,name,role,email
                E-001,Elena Ruiz,Engineer,elena.ruiz@firm.com
                E-002,Marc Dubois,Manager,marc.dubois@firm.com
            """,
        },
    )
    import_canonical(con, folder)
    names = CalendarNames.from_duckdb(con)
    assert names.client_domains == {"acme.example": "CL-1", "globex.example": "CL-2"}

    def load():
        batch = parse_ics(SAMPLE, CalendarNames.from_duckdb(con), window=MARCH)
        frame = batch.frames["calendar_events"].drop("_file")
        stats = []

        def body(load, report):
            stats.append(
                stage_frame(con, load, ENTITIES["calendar_events"], SAMPLE.name, frame, [])
            )

        run_load(con, "ics", SAMPLE, body)
        return stats[0]

    first = load()
    assert (first.new, first.quarantined) == (7, 0)
    staged = con.execute(
        'SELECT client_id, external_attendees, "end" - start FROM calendar_events '
        "WHERE event_id = 'E-001:acme-qbr-2026q1@google.com'"
    ).fetchall()
    assert staged == [("CL-1", 2, timedelta(hours=1, minutes=30))]
    again = load()
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)


def test_alarms_and_stray_end_lines_do_not_break_the_event(tmp_path):
    _, (row,) = one(
        tmp_path,
        """
        UID:alarm
        DTSTART:20260310T090000Z
        BEGIN:VALARM
        ACTION:EMAIL
        ATTENDEE:mailto:someone@elsewhere.example
        SUMMARY:Reminder
        END:VALARM
        END:VTODO
        SUMMARY:Real title
        """,
    )
    assert (row["title"], row["external_attendees"]) == ("Real title", "0")
