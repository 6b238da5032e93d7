"""Reading an iCalendar (.ics, RFC 5545) file with the maintained libraries: `icalendar` parses
it (folded lines, escapes, parameters, TZID and VTIMEZONE, DATE vs DATE-TIME) and
`recurring-ical-events` expands RRULE/RDATE/EXDATE and RECURRENCE-ID overrides over a window.

What stays here is what they do not know: where each VEVENT is in the file (icalendar keeps no
line numbers, and refuses a whole file over one missing END), which zone floating times and
DATEs mean (the calendar's X-WR-TIMEZONE), RFC 5545's nominal days in a DURATION, and which
VEVENT an expanded instance comes from. The billing rules are in etl/exports/ics.py.
"""

from __future__ import annotations

import contextlib
import re
import warnings as py_warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.prop import vDDDLists, vDDDTypes, vDuration, vRecur
from icalendar.timezone import tzp

from etl.exports.table import ExportFormatError, RowError, RowProblem, read_export_text

SERIES_PROPS = {"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "DTSTART", "DTEND", "DURATION"}
TIME_PROPS = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE")
EXPANSION_ERRORS = (ValueError, TypeError, KeyError, OverflowError)  # dateutil, the library
SOURCE = "X-BILLING-SOURCE"  # marks which VEVENT of the file an expanded instance came from


# ---------------------------------------------------------------- where events are in the file

_NEWLINE = re.compile(r"\r\n|\n|\r")
_PROP_NAME = re.compile(r"([A-Za-z0-9-]+)\s*[;:]")


@dataclass
class Located:
    """One VEVENT of the calendar: the physical line of its BEGIN and of each property's first
    occurrence (with its unfolded text, for the DURATION split below)."""

    line: int
    props: dict[str, tuple[int, str]] = field(default_factory=dict)

    def line_of(self, name: str) -> int:
        return self.props.get(name, (self.line, ""))[0]


@dataclass
class _Open:
    kind: str
    line: int
    kept_from: int  # index in the kept lines where this component began
    events_from: int  # how many VEVENTs were located when it began
    located: Located | None = None
    uid: str = ""


def locate(text: str) -> tuple[str, list[Located], list[tuple[int, str, str]]]:
    """The text for icalendar, the VEVENTs directly in a VCALENDAR in file order with their
    lines, and the (line, UID, text) of every VEVENT that never ends.

    icalendar raises on the whole file for one missing END or one stray END; here a stray END
    is dropped, and a component that never ends is cut out (an unfinished VEVENT is reported),
    so the rest of the file still loads. Only BEGIN/END lines and property names are looked
    at; values are icalendar's to read."""
    kept: list[str] = []
    stack: list[_Open] = []
    events: list[Located] = []
    cut: list[tuple[int, str, str]] = []

    def drop(component: _Open) -> None:
        if component.kind == "VEVENT":
            cut.append((component.line, component.uid, "\r\n".join(kept[component.kept_from :])))
        del kept[component.kept_from :]
        del events[component.events_from :]

    pending: tuple[Located, str] | None = None  # the property whose text continuations extend
    for number, physical in enumerate(_NEWLINE.split(text), 1):
        if physical[:1] in (" ", "\t"):  # a folded continuation belongs to the line above
            if stack:
                kept.append(physical)
            if pending:
                located, name = pending
                line, logical = located.props[name]
                located.props[name] = (line, logical + physical[1:])
            continue
        pending = None
        head, _, value = physical.partition(":")
        key, value = head.strip().upper(), value.strip().upper()
        if key == "BEGIN":
            in_calendar = [o.kind for o in stack] == ["VCALENDAR"]
            located = Located(number) if value == "VEVENT" and in_calendar else None
            stack.append(_Open(value, number, len(kept), len(events), located))
            kept.append(physical)
        elif key == "END":
            if all(o.kind != value for o in stack):
                continue  # a stray END closes nothing
            while stack[-1].kind != value:
                drop(stack.pop())
            done = stack.pop()
            kept.append(physical)
            if done.located is not None:
                events.append(done.located)
        elif stack and physical.strip():
            kept.append(physical)
            top = stack[-1]
            if (m := _PROP_NAME.match(physical)) and top.kind == "VEVENT":
                name = m[1].upper()
                if top.located is not None and name not in top.located.props:
                    top.located.props[name] = (number, physical)
                    pending = (top.located, name)
                if name == "UID" and not top.uid:
                    top.uid = physical.partition(":")[2].strip()
    while stack:
        component = stack.pop()
        if component.kind == "VCALENDAR":
            kept.append("END:VCALENDAR")
        else:
            drop(component)
    return "\r\n".join(kept) + "\r\n", events, sorted(cut)


# ---------------------------------------------------------------- zones icalendar leaves open


class Zones:
    """icalendar resolves a TZID (IANA name, Windows name, vendor path, a VTIMEZONE); what it
    leaves without a zone is ours to place: floating times and DATEs take the calendar's zone
    (X-WR-TIMEZONE, else UTC), and so does a TZID nothing resolves, with a warning.

    A zone only a VTIMEZONE defines is built here from this file's block: icalendar caches such
    zones by TZID for the whole process, so a second file defining the same name differently
    would otherwise get the first file's offsets."""

    def __init__(self, name: str, file: str, warnings: list[str], timezones=()):
        self.file, self.warnings = file, warnings
        zone = _known_zone(name) if name else None
        self.default: tzinfo = zone or UTC
        self.default_name = name if zone else "UTC"
        self._unknown: set[str] = set()
        if name and not zone:
            warnings.append(f"{file}: X-WR-TIMEZONE {name!r} is not a known zone; using UTC")
        self.own: dict[str, tzinfo] = {}
        for block in timezones:
            tzid = text_of(block, "TZID")
            if tzid and tzid not in self.own and not isinstance(_known_zone(tzid), ZoneInfo):
                with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
                    self.own[tzid] = tzp.create_timezone(block)

    def aware(self, value: date | datetime, params) -> datetime:
        """A date-time with a zone; a DATE is midnight in the calendar's zone."""
        if not isinstance(value, datetime):
            return datetime.combine(value, time(), self.default)
        tzid = str(params.get("TZID", "") or "")
        if tzid in self.own:
            return value.replace(tzinfo=self.own[tzid])
        if value.tzinfo is None:
            if tzid and tzid not in self._unknown:
                self._unknown.add(tzid)
                self.warnings.append(
                    f"{self.file}: unknown TZID {tzid!r} (no IANA name, no usable VTIMEZONE); "
                    f"its times are read as {self.default_name}"
                )
            return value.replace(tzinfo=self.default)
        return value

    def _placed_here(self, value, params) -> bool:
        """Whether `aware` changes this value: a floating time, or one in a file-defined zone."""
        if isinstance(value, tuple):  # a PERIOD
            return any(self._placed_here(v, params) for v in value)
        return isinstance(value, datetime) and (
            value.tzinfo is None or str(params.get("TZID", "") or "") in self.own
        )

    def _pin(self, value, params):
        if isinstance(value, tuple):  # a PERIOD: (start, end or duration)
            return tuple(self._pin(v, params) for v in value)
        return self.aware(value, params) if self._placed_here(value, params) else value

    def pinned(self, comp: icalendar.Event) -> icalendar.Event:
        """A copy of the event with its date-times in the zones `aware` gives them, so the
        expansion compares instants (DATEs stay DATEs: all-day days stay whole)."""
        out = icalendar.Event()
        for name, value in comp.items():
            out[name] = value
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            prop = _one(comp, name)
            if prop is not None and self._placed_here(prop.dt, prop.params):
                out[name] = vDDDTypes(self.aware(prop.dt, prop.params))
        start = out.get("DTSTART")
        if start is not None and isinstance(start.dt, datetime) and "RRULE" in comp:
            out["RRULE"] = [self._until(rule, start.dt.tzinfo) for rule in all_of(comp, "RRULE")]
        for name in ("RDATE", "EXDATE"):
            lists = all_of(comp, name)
            if any(self._placed_here(v.dt, x.params) for x in lists for v in x.dts):
                out[name] = [vDDDLists([self._pin(v.dt, x.params) for v in x.dts]) for x in lists]
        return out

    @staticmethod
    def _until(rule: vRecur, zone: tzinfo | None) -> vRecur:
        """A DATE or floating UNTIL of a timed series is read in the zone of DTSTART, a DATE up
        to the end of that day (what calendar apps do; RFC 5545 wants a UTC DATE-TIME)."""
        until = (rule.get("UNTIL") or [None])[0]
        if until is None or _is_aware(until):
            return rule
        if not isinstance(until, datetime):
            until = datetime.combine(until, time(23, 59, 59))
        rule = vRecur(rule)
        rule["UNTIL"] = [until.replace(tzinfo=zone)]
        return rule


def _known_zone(name: str) -> tzinfo | None:
    with py_warnings.catch_warnings():
        py_warnings.simplefilter("ignore")  # a vendor-prefixed name is guessed, which is fine
        return tzp.timezone(name.strip().strip('"'))


def _is_aware(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


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


def duration_length(total: timedelta, text: str) -> Length:
    """RFC 5545: days and weeks are nominal (a day across a clock change is 23 or 25 hours),
    hours, minutes and seconds exact. icalendar gives one timedelta (P1D == PT24H), so the
    nominal part is read again from the property's text before its `T`."""
    value = text.rpartition(":")[2].strip().upper()
    try:
        nominal = vDuration.from_ical(value.partition("T")[0].lstrip("+") or "P")
    except ValueError:  # icalendar read the whole value, so this cannot happen; days, then
        nominal = timedelta(days=total.days)
    return Length(nominal, total - nominal)


# ---------------------------------------------------------------- one VEVENT


def _one(comp, name: str):
    """The property's value; its first when the event repeats a property that occurs once."""
    value = comp.get(name)
    return (value[0] if value else None) if isinstance(value, list) else value


def all_of(comp, name: str) -> list:
    value = comp.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


def text_of(comp, name: str) -> str:
    value = comp.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value is not None else ""


def raw_of(comp) -> dict[str, str]:
    """The event as the quarantine shows it: each property's first value as written."""
    out = {}
    for name, value in comp.items():
        first = value[0] if isinstance(value, list) and value else value
        text = first.to_ical() if hasattr(first, "to_ical") else str(first)
        out[name] = text.decode() if isinstance(text, bytes) else str(text)
    return out


@dataclass
class Event:
    comp: icalendar.Event
    index: int  # position among the file's VEVENTs
    line: int
    uid: str
    start: datetime
    all_day: bool
    length: Length | None  # None: neither DTEND nor DURATION
    recurrence_id: datetime | None
    sequence: int

    @property
    def recurring(self) -> bool:
        return "RRULE" in self.comp or "RDATE" in self.comp

    @property
    def this_and_future(self) -> bool:
        return param(_one(self.comp, "RECURRENCE-ID"), "RANGE").upper() == "THISANDFUTURE"


def read_event(comp: icalendar.Event, index: int, where: Located, zones: Zones) -> Event:
    uid = text_of(comp, "UID")
    if not uid:
        raise RowProblem("UID: missing")
    for name, reason in comp.errors:  # icalendar keeps a value it cannot read as vBroken
        if name in TIME_PROPS:
            value = raw_of(comp).get(name, "")
            raise RowProblem(
                f"{name} (line {where.line_of(name)}): cannot parse {value!r} ({reason})"
            )
    dtstart = _one(comp, "DTSTART")
    if dtstart is None:
        raise RowProblem("DTSTART: missing")
    start = zones.aware(dtstart.dt, dtstart.params)
    all_day = not isinstance(dtstart.dt, datetime)
    length = None
    if (dtend := _one(comp, "DTEND")) is not None:
        end = zones.aware(dtend.dt, dtend.params)
        if end < start:
            raw = raw_of(comp)
            raise RowProblem(f"DTEND {raw['DTEND']!r} is before DTSTART {raw['DTSTART']!r}")
        same_zone = end.tzinfo is start.tzinfo
        length = Length(end - start) if same_zone else Length(exact=end - start)
    elif (duration := _one(comp, "DURATION")) is not None:
        total = duration.dt
        if not isinstance(total, timedelta) or total < timedelta(0):
            what = "negative" if isinstance(total, timedelta) else "not a length"
            value = raw_of(comp)["DURATION"]
            raise RowProblem(f"DURATION (line {where.line_of('DURATION')}): {what} {value!r}")
        length = duration_length(total, where.props.get("DURATION", (0, ""))[1])
    elif all_day:
        length = Length(timedelta(days=1))
    recurrence = _one(comp, "RECURRENCE-ID")
    sequence = _one(comp, "SEQUENCE")
    return Event(
        comp,
        index,
        where.line,
        uid,
        start,
        all_day,
        length,
        zones.aware(recurrence.dt, recurrence.params) if recurrence is not None else None,
        sequence if isinstance(sequence, int) and sequence >= 0 else 0,
    )


def merged(override: Event, master: Event | None) -> icalendar.Event:
    """An overriding VEVENT inherits what it does not restate from its series."""
    if master is None:
        return override.comp
    comp = icalendar.Event()
    for name, value in master.comp.items():
        if name not in SERIES_PROPS:
            comp[name] = value
    for name, value in override.comp.items():
        comp[name] = value
    return comp


def param(prop, key: str) -> str:
    value = getattr(prop, "params", {}).get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


# ---------------------------------------------------------------- the file


@dataclass
class IcsFile:
    events: list  # icalendar VEVENTs directly in a VCALENDAR, in file order
    places: list[Located]  # where each of them is
    errors: list[RowError]  # VEVENTs that never end
    notes: list[str]  # lines icalendar could not read, the encoding note
    props: dict[str, str]  # X-WR-TIMEZONE, X-WR-CALNAME (the first calendar's that has one)
    timezones: list  # the VTIMEZONE blocks


def read_file(path: Path) -> IcsFile:
    """The file as icalendar reads it, with the line of each VEVENT (see `locate`)."""
    text, note = read_export_text(path)
    if not re.search(r"^BEGIN:VCALENDAR\s*$", text, re.IGNORECASE | re.MULTILINE):
        raise ExportFormatError(f"{path.name}: not an iCalendar file (no BEGIN:VCALENDAR)")
    clean_text, places, cut = locate(text)
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")  # e.g. a vendor-prefixed TZID guessed as IANA
            calendars = icalendar.Calendar.from_ical(clean_text, multiple=True)
    except ValueError as err:
        raise ExportFormatError(f"{path.name}: cannot read the calendar ({err})") from None
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    events = [c for cal in calendars for c in cal.subcomponents if c.name == "VEVENT"]
    if len(events) != len(places):  # cannot happen with balanced BEGIN/END; never misplace
        places = [Located(0) for _ in events]
    props: dict[str, str] = {}
    for cal in calendars:
        for name in ("X-WR-TIMEZONE", "X-WR-CALNAME"):
            if name not in props and text_of(cal, name):
                props[name] = text_of(cal, name)
    notes = [note] if note else []
    for comp, where in zip(events, places, strict=True):
        notes += [
            f"VEVENT at line {where.line}: {reason}; ignored"
            for name, reason in comp.errors
            if name is None
        ]
    errors = [
        RowError(
            path.name, line, f"BEGIN:VEVENT has no END:VEVENT (UID {uid or '?'})", _raw_cut(block)
        )
        for line, uid, block in cut
    ]
    timezones = [c for cal in calendars for c in cal.subcomponents if c.name == "VTIMEZONE"]
    return IcsFile(events, places, errors, notes, props, timezones)


def _raw_cut(block: str) -> dict[str, str]:
    """What a VEVENT that never ends says, for the quarantine; nothing if it cannot be read."""
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")
            return raw_of(icalendar.Event.from_ical(block + "\r\nEND:VEVENT\r\n"))
    except ValueError:
        return {}


# ---------------------------------------------------------------- expansion


def instances(
    zones: Zones, lo: datetime, hi: datetime, events: list[Event]
) -> dict[int, dict[str, datetime]]:
    """recurring-ical-events over these VEVENTs: {event index: {slot stamp: start}} for the
    instances starting in the window, each credited to the VEVENT it comes from (the series, or
    the override that moved it). The slot is the instance's RECURRENCE-ID; an override with
    RANGE=THISANDFUTURE moves every later slot by its own shift, and the library gives those
    instances its one RECURRENCE-ID, so their slot is their start less that shift."""
    calendar = icalendar.Calendar()
    by_index = {}
    for event in events:
        comp = zones.pinned(event.comp)
        comp[SOURCE] = str(event.index)
        calendar.add_component(comp)
        by_index[event.index] = event
    margin = timedelta(days=2)  # the library keeps what overlaps; we keep what starts inside
    found: dict[int, dict[str, datetime]] = defaultdict(dict)
    for comp in recurring_ical_events.of(calendar).between(lo - margin, hi + margin):
        start = zones.aware(comp["DTSTART"].dt, {})
        if not lo <= start < hi:
            continue
        source = by_index[int(comp[SOURCE])]
        if source.recurrence_id is not None and source.this_and_future:
            slot = start - (source.start - source.recurrence_id)
        else:
            slot = zones.aware(comp["RECURRENCE-ID"].dt, {})
        found[source.index][stamp(slot)] = start
    return found


def expand(
    zones: Zones, lo: datetime, hi: datetime, groups: list[tuple[Event | None, list[Event]]]
) -> tuple[dict[int, dict[str, datetime]], dict[int, str]]:
    """Instances in the window of every VEVENT ({index: {slot stamp: start}}) and the reason
    of each series that cannot be expanded ({master index: reason}).

    A single event needs no expansion; the series go to the library in one query, and only if
    that fails one by one, so one bad series costs its own rows and not the file's."""
    found: dict[int, dict[str, datetime]] = {}
    series = []
    for master, moved in groups:
        if master is not None and not moved and not master.recurring:
            if lo <= master.start < hi:
                found[master.index] = {stamp(master.start): master.start}
        else:
            series.append((master, moved))
    try:
        found |= instances(
            zones, lo, hi, [e for m, moved in series for e in [*([m] if m else []), *moved]]
        )
        return found, {}
    except EXPANSION_ERRORS:
        pass
    failed: dict[int, str] = {}
    for master, moved in series:
        try:
            found |= instances(zones, lo, hi, [*([master] if master else []), *moved])
        except EXPANSION_ERRORS as err:
            rule = raw_of(master.comp).get("RRULE") if master else None
            what = f"RRULE: cannot use {rule!r}" if rule else "cannot expand the series"
            if master is not None:
                failed[master.index] = f"{what} ({err})"
            with contextlib.suppress(*EXPANSION_ERRORS):  # the moved instances still count
                found |= instances(zones, lo, hi, moved)
    return found, failed
