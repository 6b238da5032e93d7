"""Parse speed of iCalendar exports: the demo firm's calendars written as one .ics per person.

The demo writes calendar_events.csv, not .ics; this turns each person's rows into the calendar
a Google export of them would be (UTC times, escaped titles, the external attendees), plus a
weekly standup series per person with an EXDATE and one moved instance so recurrence is
exercised. Parse only (no warehouse), best of three, window = the demo's whole history.

Run: .venv/bin/python bench/bench_ics.py [--people 24]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from demo import write_demo_folder
from etl.exports.ics import CalendarNames, parse_ics

RUNS = 3


def utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def write_calendars(folder: Path, out: Path) -> tuple[int, date, date]:
    people = {}
    with (folder / "people.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            people[row["person_id"]] = row["email"]
    by_person: dict[str, list[dict]] = defaultdict(list)
    with (folder / "calendar_events.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_person[row["person_id"]].append(row)
    starts = [r["start"][:10] for rows in by_person.values() for r in rows]
    first, last = date.fromisoformat(min(starts)), date.fromisoformat(max(starts))
    count = 0
    for person, rows in by_person.items():
        me = people.get(person, f"{person.lower()}@firm.example")
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
        lines += [f"X-WR-CALNAME:{me}", "X-WR-TIMEZONE:America/New_York"]
        monday = first - timedelta(days=first.weekday())
        series = [
            "BEGIN:VEVENT",
            f"UID:standup-{person}@bench",
            f"DTSTART;TZID=America/New_York:{monday:%Y%m%d}T093000",
            f"DTEND;TZID=America/New_York:{monday:%Y%m%d}T094500",
            "RRULE:FREQ=WEEKLY;BYDAY=MO",
            f"EXDATE;TZID=America/New_York:{monday + timedelta(weeks=2):%Y%m%d}T093000",
            "SUMMARY:Team standup",
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{me}",
            "END:VEVENT",
            "BEGIN:VEVENT",
            f"UID:standup-{person}@bench",
            f"RECURRENCE-ID;TZID=America/New_York:{monday + timedelta(weeks=3):%Y%m%d}T093000",
            f"DTSTART;TZID=America/New_York:{monday + timedelta(weeks=3, days=1):%Y%m%d}T140000",
            f"DTEND;TZID=America/New_York:{monday + timedelta(weeks=3, days=1):%Y%m%d}T141500",
            "SUMMARY:Team standup (moved)",
            "END:VEVENT",
        ]
        lines += series
        for row in rows:
            lines += [
                "BEGIN:VEVENT",
                f"UID:{row['event_id']}@bench",
                f"DTSTART:{utc(row['start'])}",
                f"DTEND:{utc(row['end'])}",
                f"SUMMARY:{escape(row['title'])}",
                f"STATUS:{row['status'].upper()}",
                f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{me}",
            ]
            lines += [
                f"ATTENDEE:mailto:guest{i}@client{row['client_id'] or 'x'}.example"
                for i in range(int(row["external_attendees"] or 0))
            ]
            lines.append("END:VEVENT")
            count += 1
        lines.append("END:VCALENDAR")
        (out / f"{person}.ics").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return count, first, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "firm", Path(tmp) / "ics"
        out.mkdir()
        write_demo_folder(folder, people=args.people)
        events, first, last = write_calendars(folder, out)
        files = sorted(out.glob("*.ics"))
        size_mb = sum(p.stat().st_size for p in files) / 1e6
        known = CalendarNames()
        times, rows = [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            rows = sum(
                parse_ics(p, known, person_id=p.stem, window=(first, last))
                .frames["calendar_events"]
                .height
                for p in files
            )
            times.append(time.perf_counter() - started)
    print(
        f"{len(files)} calendars, {events:,} single events + 1 weekly series each, {size_mb:.1f} MB"
    )
    print(f"window {first}..{last}: {rows:,} rows out")
    print(
        f"parse_ics, all files: best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)}"
    )
    sample = ROOT / "data" / "samples" / "calendar_E-001.ics"
    started = time.perf_counter()
    for _ in range(200):
        parse_ics(sample, known, person_id="E-001", window=(date(2026, 3, 1), date(2026, 3, 31)))
    print(
        f"sample calendar_E-001.ics: {(time.perf_counter() - started) / 200 * 1000:.2f} ms per parse"
    )


if __name__ == "__main__":
    main()
