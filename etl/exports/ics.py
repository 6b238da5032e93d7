"""An iCalendar (.ics, RFC 5545) export of one person's calendar -> canonical calendar_events.

One file is one person's calendar. Each busy VEVENT becomes a row; a recurring one becomes a
row per instance inside the import window. Cancelled events, events the owner declined,
transparent (free) blocks and all-day events are skipped with a reason; an event that cannot be
read (bad DTSTART, bad RRULE, ...) is a RowError naming the property and its value. Times are
written in UTC (`2026-03-16T08:00:00+00:00`).

etl/exports/ics_read.py reads the file with the maintained libraries (icalendar,
recurring-ical-events) and knows where each event is; this module decides who the owner is and
applies the billing rules (what counts as busy, external attendees, the client hint).

Ids: `<person_id>:<UID>` for a single event, `<person_id>:<UID>@<instance start, UTC, compact>`
for an instance of a series (a moved instance keeps the id of the slot it came from, its
RECURRENCE-ID), so importing the same file again, or a later export of the same calendar,
upserts instead of duplicating. The person prefix keeps one meeting on two people's calendars
(same UID in both files) as two rows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from pathlib import Path

import polars as pl

from core import clock
from etl.contract import ENTITIES
from etl.exports.batch import ExportBatch
from etl.exports.ics_read import (
    Event,
    Length,
    Zones,
    all_of,
    expand,
    merged,
    param,
    raw_of,
    read_event,
    read_file,
    stamp,
    text_of,
    utc_text,
)
from etl.exports.names import KnownNames, _rows, clean, name_key
from etl.exports.table import ExportFormatError, RowError, RowProblem

FRAME = "calendar_events"
COLUMNS = tuple(ENTITIES[FRAME].column_names)
PAST_DAYS, FUTURE_DAYS = 400, 31  # the default window around today
NO_TITLE = "(no title)"
RESOURCE_TYPES = {"RESOURCE", "ROOM"}
RESOURCE_DOMAINS = ("resource.calendar.google.com",)  # Google rooms carry no CUTYPE


def default_window(today: date | None = None) -> tuple[date, date]:
    today = today or clock.today()
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


# ---------------------------------------------------------------- what the warehouse knows


@dataclass
class CalendarNames(KnownNames):
    """KnownNames plus client billing-email domains, for the client_id hint of an event."""

    client_domains: dict[str, str] = field(default_factory=dict)  # email domain -> client_id

    def __post_init__(self) -> None:
        super().__post_init__()
        self.client_domains = {k.strip().lower(): v for k, v in self.client_domains.items()}

    @classmethod
    def from_duckdb(cls, con) -> CalendarNames:
        known = super().from_duckdb(con)
        rows = _rows(con, "clients", ("client_id", "billing_email"))  # [] without the column
        known.client_domains = client_domains(rows)
        return known


def client_domains(rows) -> dict[str, str]:
    """(client_id, billing_email) -> {domain: client_id}; a domain two clients share is dropped."""
    owners: dict[str, set[str]] = defaultdict(set)
    for client_id, emails in rows:
        for email in re.split(r"[,;\s]+", emails or ""):
            if "@" in email:
                owners[domain_of(email)].add(client_id)
    return {d: next(iter(ids)) for d, ids in owners.items() if d and len(ids) == 1}


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().strip(">").lower() if "@" in email else ""


# ---------------------------------------------------------------- people


def email_of(prop) -> str:
    value = str(prop).strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if "@" not in value:
        value = param(prop, "EMAIL")
    return value.strip().lower() if "@" in value else ""


def participants(comp) -> list[str]:
    return [e for p in all_of(comp, "ORGANIZER") + all_of(comp, "ATTENDEE") if (e := email_of(p))]


def _match_person(text: str, known: KnownNames) -> str | None:
    by_id = {i.casefold(): i for i in known.ids["people"]}
    pieces = [text, *re.split(r"[_\s()+]+", text)]
    for lookup in (
        lambda p: by_id.get(p.casefold()),
        lambda p: known.people.get(p.strip().lower()),
        lambda p: known.people_by_name.get(name_key(p)),
    ):
        found = {hit for p in pieces if p and (hit := lookup(p))}
        if len(found) == 1:
            return found.pop()
    return None


def resolve_owner(
    path: Path, calname: str, events: list, known: KnownNames, person_id: str | None
) -> str:
    """The person whose calendar this is: --person, the file name, X-WR-CALNAME, then the known
    person who is organizer or attendee of the most events."""
    if person_id:
        return person_id
    found = _match_person(path.stem, known) or _match_person(calname, known)
    if found:
        return found
    seen = Counter(
        known.people[e] for comp in events for e in set(participants(comp)) if e in known.people
    )
    top = seen.most_common(2)
    if top and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    raise ExportFormatError(
        f"{path.name}: cannot tell whose calendar this is; "
        "name the file after the person_id or email, or pass --person"
    )


def owner_emails(
    path: Path, calname: str, events: list, known: KnownNames, person: str, warnings: list[str]
) -> set[str]:
    emails = {known.person_emails.get(person, "")}
    for text in (path.stem, calname):
        text = text.strip().lower()
        if (
            re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text)
            and known.people.get(text, person) == person
        ):
            emails.add(text)
    emails.discard("")
    if emails:
        return emails
    seen = Counter(e for comp in events for e in set(participants(comp)))
    if not seen:
        return set()
    guess = seen.most_common(1)[0][0]
    warnings.append(
        f"{path.name}: {person} has no known email; taking {guess} (in the most events) as theirs"
    )
    return {guess}


# ---------------------------------------------------------------- the file


@dataclass
class _Context:
    file: str
    person: str
    owner: set[str]
    firm: set[str]
    clients: dict[str, str]
    zones: Zones
    lo: datetime
    hi: datetime
    rows: list[list] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    outside: int = 0

    def is_firm(self, domain: str) -> bool:
        return any(domain == d or domain.endswith("." + d) for d in self.firm)

    def skip_reason(self, comp, event: Event) -> str | None:
        if text_of(comp, "STATUS").upper() == "CANCELLED":
            return "cancelled (STATUS:CANCELLED)"
        for prop in all_of(comp, "ATTENDEE"):
            if email_of(prop) in self.owner and param(prop, "PARTSTAT").upper() == "DECLINED":
                return f"declined by the owner (ATTENDEE {email_of(prop)} PARTSTAT=DECLINED)"
        if text_of(comp, "TRANSP").upper() == "TRANSPARENT":
            return "shown as free (TRANSP:TRANSPARENT)"
        if text_of(comp, "X-MICROSOFT-CDO-BUSYSTATUS").upper() == "FREE":
            return "shown as free (X-MICROSOFT-CDO-BUSYSTATUS:FREE)"
        if event.all_day:
            day = raw_of(comp).get("DTSTART", "")
            return f"all-day event (DTSTART;VALUE=DATE:{day}), not work time"
        return None

    def externals(self, comp) -> tuple[int, str | None]:
        """External attendees (organizer too, once) and the one client their domains point to."""
        emails: set[str] = set()
        for prop in all_of(comp, "ORGANIZER") + all_of(comp, "ATTENDEE"):
            email = email_of(prop)
            domain = domain_of(email)
            if (
                not email
                or email in self.owner
                or param(prop, "CUTYPE").upper() in RESOURCE_TYPES
                or domain.endswith(RESOURCE_DOMAINS)
                or self.is_firm(domain)
            ):
                continue
            emails.add(email)
        clients = {self.clients[d] for e in emails if (d := domain_of(e)) in self.clients}
        return len(emails), clients.pop() if len(clients) == 1 else None

    def emit(self, comp, line: int, event_id: str, start: datetime, length: Length) -> None:
        count, client = self.externals(comp)
        status = text_of(comp, "STATUS").lower()
        if status not in ("confirmed", "tentative"):
            status = "confirmed"
        for prop in all_of(comp, "ATTENDEE"):
            if email_of(prop) in self.owner and param(prop, "PARTSTAT").upper() == "TENTATIVE":
                status = "tentative"
        values = {
            "event_id": f"{self.person}:{event_id}",
            "person_id": self.person,
            "start": utc_text(start),
            "end": utc_text(length.end(start)),
            "title": clean(text_of(comp, "SUMMARY")) or NO_TITLE,
            "external_attendees": str(count),
            "client_id": client,
            "status": status,
        }
        self.rows.append([*(values[c] for c in COLUMNS), line, self.file])

    def skip(self, event: Event, reason: str, comp=None) -> None:
        self.skipped.append(RowError(self.file, event.line, reason, raw_of(comp or event.comp)))

    def error(self, event: Event, reason: str) -> None:
        self.errors.append(RowError(self.file, event.line, reason, raw_of(event.comp)))


def parse_ics(
    path: Path,
    known: KnownNames | None = None,
    *,
    person_id: str | None = None,
    window: tuple[date, date] | None = None,
    firm_domains: set[str] | None = None,
) -> ExportBatch:
    """One person's .ics export -> ExportBatch with frames["calendar_events"] (see module doc).

    `window` (first day, last day, both included; default 400 days back to 31 ahead) bounds the
    instance starts, in UTC, of every event; `firm_domains` (default: the domains of the known
    people's emails, else the owner's) decide which attendees are external.
    """
    path = Path(path)
    known = known if known is not None else KnownNames()
    ics = read_file(path)
    events, props = ics.events, ics.props
    warnings = [f"{path.name}: {n}" for n in ics.notes]
    calname = props.get("X-WR-CALNAME", "")
    person = resolve_owner(path, calname, events, known, person_id)
    owner = owner_emails(path, calname, events, known, person, warnings)
    if firm_domains is None:
        firm_domains = {domain_of(e) for e in known.people} or {domain_of(e) for e in owner}
    first, last = window or default_window()
    ctx = _Context(
        path.name,
        person,
        owner,
        {d.strip().lower().lstrip("@") for d in firm_domains if d.strip()},
        dict(getattr(known, "client_domains", None) or {}),
        Zones(props.get("X-WR-TIMEZONE", ""), path.name, warnings, ics.timezones),
        datetime.combine(first, time(), UTC),
        datetime.combine(last + timedelta(days=1), time(), UTC),
    )

    masters: dict[str, Event] = {}
    overrides: dict[tuple[str, str], Event] = {}
    for index, (comp, where) in enumerate(zip(events, ics.places, strict=True)):
        try:
            event = read_event(comp, index, where, ctx.zones)
        except RowProblem as problem:
            ctx.errors.append(RowError(path.name, where.line, str(problem), raw_of(comp)))
            continue
        key = event.uid if event.recurrence_id is None else (event.uid, stamp(event.recurrence_id))
        table = masters if event.recurrence_id is None else overrides
        kept = table.get(key)
        if kept is not None:  # the same UID twice: the higher SEQUENCE (then the later) wins
            old, new = (kept, event) if event.sequence >= kept.sequence else (event, kept)
            ctx.skip(old, f"superseded by line {new.line} (same UID, SEQUENCE)")
            event = new
        table[key] = event

    by_series: dict[str, list[Event]] = defaultdict(list)
    for event in overrides.values():
        by_series[event.uid].append(event)
    groups = [(master, by_series.pop(uid, [])) for uid, master in masters.items()]
    groups += [(None, orphans) for orphans in by_series.values()]  # series not in the file
    found, failed = expand(ctx.zones, ctx.lo, ctx.hi, groups)
    for master, moved in groups:
        reason = failed.get(master.index) if master is not None else None
        if reason:  # the series is an error; its moved instances are still explicit events
            ctx.error(master, reason)
        _series(ctx, None if reason else master, moved, found, master)

    if ctx.outside:
        warnings.append(
            f"{path.name}: {ctx.outside} event(s) outside the window {first}..{last} not imported"
        )
    schema = dict.fromkeys(COLUMNS, pl.Utf8) | {"_line": pl.Int64, "_file": pl.Utf8}
    frame = pl.DataFrame(ctx.rows, schema=schema, orient="row")
    by_line = attrgetter("line")
    errors = sorted(ics.errors + ctx.errors, key=by_line)
    return ExportBatch({FRAME: frame}, errors, sorted(ctx.skipped, key=by_line), warnings)


def _series(
    ctx: _Context,
    master: Event | None,
    moved: list[Event],
    found: dict[int, dict[str, datetime]],
    parent: Event | None,
) -> None:
    """A single event, or every instance of a series in the window, with its moved instances
    (which inherit from `parent`, the series, even when it could not be expanded)."""
    if master is not None:
        starts = found.get(master.index, {})
        comp = master.comp
        if not starts:
            ctx.outside += 1
        elif reason := ctx.skip_reason(comp, master):
            many = f"; {len(starts)} instance(s) in the window" if master.recurring else ""
            ctx.skip(master, reason + many)
        else:
            for key, start in sorted(starts.items()):
                event_id = f"{master.uid}@{key}" if master.recurring else master.uid
                ctx.emit(comp, master.line, event_id, start, master.length or Length())
    for event in moved:
        _instance(ctx, event, parent, found.get(event.index, {}))


def _instance(
    ctx: _Context, event: Event, master: Event | None, starts: dict[str, datetime]
) -> None:
    """A VEVENT with RECURRENCE-ID: it replaces (moves, retitles or cancels) one instance."""
    if not starts:
        ctx.outside += 1
        return
    comp = merged(event, master)
    length = event.length or (master.length if master else None) or Length()
    for key, start in sorted(starts.items()):
        reason = ctx.skip_reason(comp, event)
        if reason:
            ctx.skip(event, f"{reason}; instance {key} of {event.uid}", comp)
            continue
        ctx.emit(comp, event.line, f"{event.uid}@{key}", start, length)
