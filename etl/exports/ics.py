"""An iCalendar (.ics, RFC 5545) export of one person's calendar -> canonical calendar_events.

One file is one person's calendar. Each busy VEVENT becomes a row; a recurring one becomes a
row per instance inside the import window. Cancelled events, events the owner declined,
transparent (free) blocks and all-day events are skipped with a reason; an event that cannot be
read (bad DTSTART, bad RRULE, ...) is a RowError naming the property and its value. Times are
written in UTC (`2026-03-16T08:00:00+00:00`).

Ids: `<person_id>:<UID>` for a single event, `<person_id>:<UID>@<instance start, UTC, compact>`
for an instance of a series (a moved instance keeps the id of the slot it came from, its
RECURRENCE-ID), so importing the same file again, or a later export of the same calendar,
upserts instead of duplicating. The person prefix keeps one meeting on two people's calendars
(same UID in both files) as two rows.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from operator import attrgetter
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from dateutil.rrule import rrulestr
from dateutil.tz import tzical

from core import clock
from etl.contract import ENTITIES
from etl.exports.batch import ExportBatch
from etl.exports.names import KnownNames, _rows, clean, name_key
from etl.exports.table import ExportFormatError, RowError, RowProblem, read_export_text

FRAME = "calendar_events"
COLUMNS = tuple(ENTITIES[FRAME].column_names)
PAST_DAYS, FUTURE_DAYS = 400, 31  # the default window around today
NO_TITLE = "(no title)"
RESOURCE_TYPES = {"RESOURCE", "ROOM"}
RESOURCE_DOMAINS = ("resource.calendar.google.com",)  # Google rooms carry no CUTYPE
SERIES_PROPS = {"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "DTSTART", "DTEND", "DURATION"}


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


# ---------------------------------------------------------------- content lines


@dataclass
class Prop:
    name: str
    params: dict[str, list[str]]
    value: str
    line: int

    def param(self, key: str) -> str:
        values = self.params.get(key)
        return values[0] if values else ""

    def text(self) -> str:
        return unescape(self.value)


@dataclass
class Component:
    kind: str
    line: int
    props: dict[str, list[Prop]] = field(default_factory=dict)
    source: list[str] = field(default_factory=list)  # logical lines, kept for VTIMEZONE

    def first(self, name: str) -> Prop | None:
        found = self.props.get(name)
        return found[0] if found else None

    def value(self, name: str) -> str:
        prop = self.first(name)
        return prop.value.strip() if prop else ""

    def raw(self) -> dict[str, str]:
        return {name: props[0].value for name, props in self.props.items()}


_NEWLINE = re.compile(r"\r\n|\n|\r")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_NAME = re.compile(r"([A-Za-z0-9-]+)=")
_PARAM_VALUE = re.compile(r'[^";:,]*')
_ESCAPE = re.compile(r"\\([\\;,nN])")


def unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the physical line (1-based) each starts on; CRLF/LF + space/tab folds."""
    lines: list[tuple[int, str]] = []
    for number, physical in enumerate(_NEWLINE.split(text), 1):
        if physical[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + physical[1:])
        elif physical.strip():
            lines.append((number, physical))
    return lines


def unescape(value: str) -> str:
    """TEXT escapes: `\\,` `\\;` `\\n` `\\\\`."""
    return _ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], value)


def parse_line(text: str, line: int) -> Prop:
    """`NAME;PARAM=a,"b;c":value` -> Prop; RowProblem when it is not a content line."""
    m = _NAME.match(text)
    if not m:
        raise RowProblem(f"line {line}: not an iCalendar property: {text[:40]!r}")
    name, i, params = m.group().upper(), m.end(), {}
    while i < len(text) and text[i] == ";":
        m = _PARAM_NAME.match(text, i + 1)
        if not m:
            raise RowProblem(f"line {line}: bad parameter in {text[:40]!r}")
        key, i, values = m[1].upper(), m.end(), []
        while True:
            if text.startswith('"', i):
                end = text.find('"', i + 1)
                if end < 0:
                    raise RowProblem(f"line {line}: unclosed quote in {text[:40]!r}")
                values.append(text[i + 1 : end])
                i = end + 1
            else:
                m = _PARAM_VALUE.match(text, i)
                values.append(m.group())
                i = m.end()
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            break
        params[key] = values
    if i >= len(text) or text[i] != ":":
        raise RowProblem(f"line {line}: no ':' after the property name in {text[:40]!r}")
    return Prop(name, params, text[i + 1 :], line)


@dataclass
class Calendar:
    props: dict[str, str]  # VCALENDAR properties (X-WR-TIMEZONE, X-WR-CALNAME), first wins
    events: list[Component]
    timezones: dict[str, str]  # TZID -> the VTIMEZONE block as text
    errors: list[tuple[int, str, dict]]  # (line, reason, raw) of events that never ended
    notes: list[str]


def read_calendar(text: str) -> Calendar:
    """Components by BEGIN/END; VEVENTs (nested VALARMs ignored), VTIMEZONEs, calendar props."""
    cal = Calendar({}, [], {}, [], [])
    stack: list[Component] = []
    for line, content in unfold(text):
        head = content.split(":", 1)
        key, value = head[0].strip().upper(), head[1].strip().upper() if len(head) > 1 else ""
        if key == "BEGIN":
            stack.append(Component(value, line))
            if stack[-1].kind == "VTIMEZONE" or (len(stack) > 1 and stack[-2].kind == "VTIMEZONE"):
                stack[-1].source.append(content)
            continue
        if key == "END":
            if all(c.kind != value for c in stack):
                continue  # a stray END closes nothing
            while stack[-1].kind != value:
                _unterminated(cal, stack.pop())
            done = stack.pop()
            if done.kind == "VEVENT" and len(stack) == 1 and stack[0].kind == "VCALENDAR":
                cal.events.append(done)
            elif done.kind == "VTIMEZONE":
                done.source.append(content)
                cal.timezones.setdefault(done.value("TZID"), "\r\n".join(done.source))
            elif stack and stack[-1].kind == "VTIMEZONE":
                stack[-1].source += [*done.source, content]
            continue
        if not stack:
            continue
        top = stack[-1]
        if top.kind == "VTIMEZONE" or (len(stack) > 1 and stack[-2].kind == "VTIMEZONE"):
            top.source.append(content)
        try:
            prop = parse_line(content, line)
        except RowProblem as problem:
            if top.kind == "VEVENT":
                cal.notes.append(f"{problem}; ignored")
            continue
        top.props.setdefault(prop.name, []).append(prop)
        if top.kind == "VCALENDAR":
            cal.props.setdefault(prop.name, prop.text().strip())
    for component in reversed(stack):
        _unterminated(cal, component)
    return cal


def _unterminated(cal: Calendar, component: Component) -> None:
    if component.kind == "VEVENT":
        reason = f"BEGIN:VEVENT has no END:VEVENT (UID {component.value('UID') or '?'})"
        cal.errors.append((component.line, reason, component.raw()))


# ---------------------------------------------------------------- dates, times and zones

_DATE_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$", re.IGNORECASE)
_DURATION = re.compile(
    r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE
)


class Zones:
    """TZID -> tzinfo: an IANA name (also at the end of a path), else the file's VTIMEZONE,
    else the calendar's zone with a warning. Floating times take the calendar's zone."""

    def __init__(self, cal: Calendar, file: str, warnings: list[str]):
        self.file, self.warnings, self.vtimezones = file, warnings, cal.timezones
        self._cache: dict[str, tzinfo] = {}
        name = cal.props.get("X-WR-TIMEZONE", "")
        self.default: tzinfo = _iana(name) or UTC
        self.default_name = name if _iana(name) else "UTC"
        if name and not _iana(name):
            warnings.append(f"{file}: X-WR-TIMEZONE {name!r} is not a known zone; using UTC")

    def zone(self, tzid: str) -> tzinfo:
        if tzid not in self._cache:
            self._cache[tzid] = _iana(tzid) or self._vtimezone(tzid) or self._unknown(tzid)
        return self._cache[tzid]

    def _vtimezone(self, tzid: str) -> tzinfo | None:
        block = self.vtimezones.get(tzid)
        if not block:
            return None
        try:
            return tzical(io.StringIO(block)).get(tzid)
        except (ValueError, KeyError, IndexError, TypeError):
            return None

    def _unknown(self, tzid: str) -> tzinfo:
        self.warnings.append(
            f"{self.file}: unknown TZID {tzid!r} (no IANA name, no usable VTIMEZONE); "
            f"its times are read as {self.default_name}"
        )
        return self.default

    def moment(self, value: str, params: dict[str, list[str]], label: str) -> tuple[datetime, bool]:
        """(aware datetime, is a DATE). A DATE is midnight in the calendar's zone."""
        m = _DATE_TIME.match(value.strip())
        if not m:
            raise RowProblem(f"{label}: cannot parse date-time {value!r}")
        try:
            if m[4] is None:
                return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=self.default), True
            tzid = (params.get("TZID") or [""])[0]
            zone = UTC if m[7] else self.zone(tzid) if tzid else self.default
            parts = (int(m[i]) for i in range(1, 7))
            return datetime(*parts, tzinfo=zone), False
        except ValueError:
            raise RowProblem(f"{label}: not a real date-time {value!r}") from None

    def prop(self, prop: Prop) -> tuple[datetime, bool]:
        return self.moment(prop.value, prop.params, f"{prop.name} (line {prop.line})")

    def values(self, props: list[Prop]) -> list[tuple[datetime, bool]]:
        """RDATE/EXDATE: comma-separated values; a PERIOD counts by its start."""
        return [
            self.moment(v.split("/", 1)[0], p.params, f"{p.name} (line {p.line})")
            for p in props
            for v in p.value.split(",")
            if v.strip()
        ]


def _iana(name: str) -> ZoneInfo | None:
    """'Europe/Berlin', also '/mozilla.org/20050126_1/Europe/Berlin' (a path ending in a name)."""
    parts = [p for p in name.strip().strip('"').split("/") if p]
    for i in range(len(parts)):
        candidate = "/".join(parts[i:])
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def stamp(moment: datetime) -> str:
    """An instance's start as it goes into the id: `20260316T140000Z`."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Length:
    """How long an event lasts: wall-clock part (days, or DTEND in the start's zone) + exact part."""

    wall: timedelta = timedelta(0)
    exact: timedelta = timedelta(0)

    def end(self, start: datetime) -> datetime:
        return (start + self.wall).astimezone(UTC) + self.exact


def parse_duration(prop: Prop) -> Length:
    m = _DURATION.match(prop.value.strip())
    if not m or not any(m.groups()[1:]):
        raise RowProblem(f"DURATION: cannot parse {prop.value!r}")
    if m[1] == "-":
        raise RowProblem(f"DURATION: negative {prop.value!r}")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in m.groups()[1:])
    return Length(timedelta(weeks=weeks, days=days), timedelta(0, seconds, 0, 0, minutes, hours))


# ---------------------------------------------------------------- one VEVENT


@dataclass
class Event:
    comp: Component
    uid: str
    start: datetime
    all_day: bool
    length: Length | None  # None: neither DTEND nor DURATION
    recurrence_id: datetime | None
    sequence: int

    @property
    def line(self) -> int:
        return self.comp.line


def read_event(comp: Component, zones: Zones) -> Event:
    uid = comp.value("UID")
    if not uid:
        raise RowProblem("UID: missing")
    dtstart = comp.first("DTSTART")
    if dtstart is None:
        raise RowProblem("DTSTART: missing")
    start, all_day = zones.prop(dtstart)
    length = None
    if (dtend := comp.first("DTEND")) is not None:
        end, _ = zones.prop(dtend)
        if end < start:
            raise RowProblem(f"DTEND {dtend.value!r} is before DTSTART {dtstart.value!r}")
        same_zone = end.tzinfo is start.tzinfo
        length = Length(end - start) if same_zone else Length(exact=end - start)
    elif (duration := comp.first("DURATION")) is not None:
        length = parse_duration(duration)
    elif all_day:
        length = Length(timedelta(days=1))
    recurrence = comp.first("RECURRENCE-ID")
    sequence = comp.value("SEQUENCE")
    return Event(
        comp,
        uid,
        start,
        all_day,
        length,
        zones.prop(recurrence)[0] if recurrence else None,
        int(sequence) if sequence.isdigit() else 0,
    )


def expand(event: Event, zones: Zones, lo: datetime, hi: datetime) -> dict[str, datetime]:
    """Instance starts in [lo, hi) by id stamp: DTSTART + RRULE + RDATE - EXDATE."""
    comp = event.comp
    starts = [event.start]
    for prop in comp.props.get("RRULE", []):
        rule_text = _until_in_utc(prop.value, event.start, zones)
        try:
            rule = rrulestr(rule_text, dtstart=event.start)
            starts += rule.between(lo, hi, inc=True)
        except (ValueError, TypeError, KeyError, OverflowError) as err:
            raise RowProblem(f"RRULE: cannot use {prop.value!r} ({err})") from None
    starts += [moment for moment, _ in zones.values(comp.props.get("RDATE", []))]
    out = {stamp(s): s for s in starts if lo <= s < hi}
    for moment, is_date in zones.values(comp.props.get("EXDATE", [])):
        if is_date and not event.all_day:  # a date excludes that day's instance
            day = moment.date()
            out = {k: s for k, s in out.items() if s.date() != day}
        else:
            out.pop(stamp(moment), None)
    return out


def _until_in_utc(rule: str, start: datetime, zones: Zones) -> str:
    """dateutil wants UNTIL in UTC when DTSTART has a zone; a floating or DATE UNTIL is read in
    the zone of DTSTART (a DATE: up to the end of that day)."""
    parts = []
    for part in rule.strip().split(";"):
        key, _, value = part.partition("=")
        if key.strip().upper() == "UNTIL" and not value.strip().upper().endswith("Z"):
            until, is_date = zones.moment(value, {}, "RRULE UNTIL")
            until = until.replace(tzinfo=start.tzinfo)
            if is_date:
                until += timedelta(days=1, seconds=-1)
            part = "UNTIL=" + stamp(until)
        parts.append(part)
    return ";".join(parts)


def merged(override: Component, master: Component | None) -> Component:
    """An overriding VEVENT inherits what it does not restate from its series."""
    if master is None:
        return override
    props = {k: v for k, v in master.props.items() if k not in SERIES_PROPS}
    props.update(override.props)
    return Component(override.kind, override.line, props)


# ---------------------------------------------------------------- people


def email_of(prop: Prop) -> str:
    value = prop.value.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if "@" not in value:
        value = prop.param("EMAIL")
    return value.strip().lower() if "@" in value else ""


def participants(comp: Component) -> list[str]:
    return [
        e
        for p in comp.props.get("ORGANIZER", []) + comp.props.get("ATTENDEE", [])
        if (e := email_of(p))
    ]


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


def resolve_owner(path: Path, cal: Calendar, known: KnownNames, person_id: str | None) -> str:
    """The person whose calendar this is: --person, the file name, X-WR-CALNAME, then the known
    person who is organizer or attendee of the most events."""
    if person_id:
        return person_id
    found = _match_person(path.stem, known) or _match_person(
        cal.props.get("X-WR-CALNAME", ""), known
    )
    if found:
        return found
    seen = Counter(
        known.people[e] for comp in cal.events for e in set(participants(comp)) if e in known.people
    )
    top = seen.most_common(2)
    if top and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    raise ExportFormatError(
        f"{path.name}: cannot tell whose calendar this is; "
        "name the file after the person_id or email, or pass --person"
    )


def owner_emails(
    path: Path, cal: Calendar, known: KnownNames, person: str, warnings: list[str]
) -> set[str]:
    emails = {known.person_emails.get(person, "")}
    for text in (path.stem, cal.props.get("X-WR-CALNAME", "")):
        text = text.strip().lower()
        if (
            re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text)
            and known.people.get(text, person) == person
        ):
            emails.add(text)
    emails.discard("")
    if emails:
        return emails
    seen = Counter(e for comp in cal.events for e in set(participants(comp)))
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

    def skip_reason(self, comp: Component, event: Event) -> str | None:
        if comp.value("STATUS").upper() == "CANCELLED":
            return "cancelled (STATUS:CANCELLED)"
        for prop in comp.props.get("ATTENDEE", []):
            if email_of(prop) in self.owner and prop.param("PARTSTAT").upper() == "DECLINED":
                return f"declined by the owner (ATTENDEE {email_of(prop)} PARTSTAT=DECLINED)"
        if comp.value("TRANSP").upper() == "TRANSPARENT":
            return "shown as free (TRANSP:TRANSPARENT)"
        if comp.value("X-MICROSOFT-CDO-BUSYSTATUS").upper() == "FREE":
            return "shown as free (X-MICROSOFT-CDO-BUSYSTATUS:FREE)"
        if event.all_day:
            return f"all-day event (DTSTART;VALUE=DATE:{comp.value('DTSTART')}), not work time"
        return None

    def externals(self, comp: Component) -> tuple[int, str | None]:
        """External attendees (organizer too, once) and the one client their domains point to."""
        emails: set[str] = set()
        for prop in comp.props.get("ORGANIZER", []) + comp.props.get("ATTENDEE", []):
            email = email_of(prop)
            domain = domain_of(email)
            if (
                not email
                or email in self.owner
                or prop.param("CUTYPE").upper() in RESOURCE_TYPES
                or domain.endswith(RESOURCE_DOMAINS)
                or self.is_firm(domain)
            ):
                continue
            emails.add(email)
        clients = {self.clients[d] for e in emails if (d := domain_of(e)) in self.clients}
        return len(emails), clients.pop() if len(clients) == 1 else None

    def emit(self, comp: Component, event_id: str, start: datetime, length: Length) -> None:
        count, client = self.externals(comp)
        status = comp.value("STATUS").lower()
        if status not in ("confirmed", "tentative"):
            status = "confirmed"
        for prop in comp.props.get("ATTENDEE", []):
            if email_of(prop) in self.owner and prop.param("PARTSTAT").upper() == "TENTATIVE":
                status = "tentative"
        title = clean(unescape(comp.value("SUMMARY"))) or NO_TITLE
        values = {
            "event_id": f"{self.person}:{event_id}",
            "person_id": self.person,
            "start": utc_text(start),
            "end": utc_text(length.end(start)),
            "title": title,
            "external_attendees": str(count),
            "client_id": client,
            "status": status,
        }
        self.rows.append([*(values[c] for c in COLUMNS), comp.line, self.file])

    def skip(self, line: int, reason: str, comp: Component) -> None:
        self.skipped.append(RowError(self.file, line, reason, comp.raw()))

    def error(self, line: int, reason: str, comp: Component) -> None:
        self.errors.append(RowError(self.file, line, reason, comp.raw()))


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
    text, note = read_export_text(path)
    if not re.search(r"^BEGIN:VCALENDAR\s*$", text, re.IGNORECASE | re.MULTILINE):
        raise ExportFormatError(f"{path.name}: not an iCalendar file (no BEGIN:VCALENDAR)")
    cal = read_calendar(text)
    warnings = [f"{path.name}: {n}" for n in ([note] if note else []) + cal.notes]
    errors = [RowError(path.name, line, reason, raw) for line, reason, raw in cal.errors]
    person = resolve_owner(path, cal, known, person_id)
    owner = owner_emails(path, cal, known, person, warnings)
    if firm_domains is None:
        firm_domains = {domain_of(e) for e in known.people} or {domain_of(e) for e in owner}
    first, last = window or default_window()
    ctx = _Context(
        path.name,
        person,
        owner,
        {d.strip().lower().lstrip("@") for d in firm_domains if d.strip()},
        dict(getattr(known, "client_domains", None) or {}),
        Zones(cal, path.name, warnings),
        datetime.combine(first, time(), UTC),
        datetime.combine(last + timedelta(days=1), time(), UTC),
    )

    masters: dict[str, Event] = {}
    overrides: dict[tuple[str, str], Event] = {}
    for comp in cal.events:
        try:
            event = read_event(comp, ctx.zones)
        except RowProblem as problem:
            ctx.error(comp.line, str(problem), comp)
            continue
        key = event.uid if event.recurrence_id is None else (event.uid, stamp(event.recurrence_id))
        table = masters if event.recurrence_id is None else overrides
        kept = table.get(key)
        if kept is not None:  # the same UID twice: the higher SEQUENCE (then the later) wins
            old, new = (kept, event) if event.sequence >= kept.sequence else (event, kept)
            ctx.skip(old.line, f"superseded by line {new.line} (same UID, SEQUENCE)", old.comp)
            event = new
        table[key] = event

    by_series: dict[str, list[Event]] = defaultdict(list)
    for event in overrides.values():
        by_series[event.uid].append(event)
    for uid, master in masters.items():
        _series(ctx, master, by_series.pop(uid, []))
    for orphans in by_series.values():  # moved instances whose series is not in the file
        for event in orphans:
            _instance(ctx, event, None)

    if ctx.outside:
        warnings.append(
            f"{path.name}: {ctx.outside} event(s) outside the window {first}..{last} not imported"
        )
    schema = dict.fromkeys(COLUMNS, pl.Utf8) | {"_line": pl.Int64, "_file": pl.Utf8}
    frame = pl.DataFrame(ctx.rows, schema=schema, orient="row")
    by_line = attrgetter("line")
    errors = sorted(errors + ctx.errors, key=by_line)
    return ExportBatch({FRAME: frame}, errors, sorted(ctx.skipped, key=by_line), warnings)


def _series(ctx: _Context, master: Event, moved: list[Event]) -> None:
    """A single event, or every instance of a series in the window, with its moved instances."""
    comp = master.comp
    recurring = any(k in comp.props for k in ("RRULE", "RDATE"))
    try:
        starts = expand(master, ctx.zones, ctx.lo, ctx.hi)
    except RowProblem as problem:  # the moved instances are still explicit events
        ctx.error(master.line, str(problem), comp)
        starts = {}
    else:
        if not starts and not moved:
            ctx.outside += 1
    for event in moved:
        starts.pop(stamp(event.recurrence_id), None)
    if starts:
        reason = ctx.skip_reason(comp, master)
        if reason:
            many = f"; {len(starts)} instance(s) in the window" if recurring else ""
            ctx.skip(master.line, reason + many, comp)
        else:
            for key, start in sorted(starts.items()):
                event_id = f"{master.uid}@{key}" if recurring else master.uid
                ctx.emit(comp, event_id, start, master.length or Length())
    for event in moved:
        _instance(ctx, event, master)


def _instance(ctx: _Context, event: Event, master: Event | None) -> None:
    """A VEVENT with RECURRENCE-ID: it replaces (moves, retitles or cancels) one instance."""
    if not ctx.lo <= event.start < ctx.hi:
        ctx.outside += 1
        return
    comp = merged(event.comp, master.comp if master else None)
    key = stamp(event.recurrence_id)
    reason = ctx.skip_reason(comp, event)
    if reason:
        ctx.skip(event.line, f"{reason}; instance {key} of {event.uid}", comp)
        return
    length = event.length or (master.length if master else None) or Length()
    ctx.emit(comp, f"{event.uid}@{key}", event.start, length)
