"""Hours from a start and an end (date + clock time), and dates that are never guessed.

Exports without a duration column (Clockify detailed reports in some workspaces, FreshBooks
accounts that track by start and end time, Hubstaff timesheets) say only when an entry started
and stopped. The hours are the exact difference: 9:45 AM to 1:15 PM is 3.5 h; an entry that
crosses midnight ends on its end date (11:15 PM on the 5th to 1:00 AM on the 6th is 1.75 h).
Times are local wall-clock times without a zone, so the difference is taken on the wall clock
(a night that changes the clock for daylight saving is off by that hour; no export we read says
which zone it was in).

Dates in `DD/MM/YYYY` or `MM/DD/YYYY` follow the workspace's setting. The order is read from
the whole file (a value above 12 settles it); when nothing in the file settles it, a date that
reads two ways (`03/04/2026`) is a RowProblem rather than a guess — the wrong month would
silently bill a month early or late. ISO dates, dotted dates (day first) and month names are
never ambiguous.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from etl.exports.cells import (
    _NUMERIC_DATE,
    ORDER_LABELS,
    _make_date,
    _year,
    detect_date_order,
    format_hours,
    parse_date,
)
from etl.exports.table import RowProblem, Table

MAX_SPAN = timedelta(hours=24)


class StrictDates:
    """Parses one export's dates in the order the file itself proves, never by a guess."""

    def __init__(self, values):
        order, guessed = detect_date_order(values)
        self.order: str | None = None if guessed else order
        self._cache: dict[str, date] = {}
        self._iso: dict[date, str] = {}
        self.ambiguous = 0  # cells refused because they read two ways

    def parse(self, value: str, label: str) -> date:
        hit = self._cache.get(value)
        if hit is not None:
            return hit
        v = value.strip()
        if not v:
            raise RowProblem(f"{label}: empty")
        m = _NUMERIC_DATE.match(v)
        if self.order is None and m and m[2] != ".":
            first, second, year = int(m[1]), int(m[3]), _year(m[4])
            dmy, mdy = _make_date(year, second, first), _make_date(year, first, second)
            if dmy and mdy and dmy != mdy:
                self.ambiguous += 1
                raise RowProblem(
                    f"{label}: {value!r} reads as {dmy} ({ORDER_LABELS['DMY']}) or {mdy} "
                    f"({ORDER_LABELS['MDY']}) and no date in the file settles which; "
                    "re-export with YYYY-MM-DD dates"
                )
            parsed = dmy or mdy
        else:
            parsed = parse_date(v, self.order or "MDY")
        if parsed is None:
            raise RowProblem(f"{label}: cannot parse date {value!r}")
        self._cache[value] = parsed
        return parsed

    def iso(self, value: str, label: str) -> str:
        return self.iso_of(self.parse(value, label))

    def iso_of(self, day: date) -> str:
        text = self._iso.get(day)
        if text is None:
            text = self._iso[day] = day.isoformat()
        return text


def strict_dates(table: Table, *fields: str) -> StrictDates:
    """The date order proven by every date cell of these columns (date parts of timestamps too)."""
    values = set()
    for v in table.values(*fields):
        values.add(split_stamp(v)[0] or v)
    return StrictDates(values)


_CLOCK = re.compile(
    r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?$"
)  # 9:45 AM, 09:45:00 PM, 9:45pm, 21:15, 21:15:30, 9:45 a.m.
_STAMP = re.compile(r"^(\S+?)(?:T|\s+)(\d{1,2}[:.]\d{2}.*)$")  # "2026-03-02 09:00", "…T09:00:00"


@lru_cache(maxsize=8192)
def split_stamp(text: str) -> tuple[str, str]:
    """'2026-03-02 9:00 AM' -> ('2026-03-02', '9:00 AM'); a bare time -> ('', time)."""
    v = text.strip()
    if _CLOCK.match(v):
        return "", v
    m = _STAMP.match(v)
    return (m[1], m[2].strip()) if m else ("", v)


def parse_clock(text: str, label: str) -> time:
    """A wall-clock time, 12 h with AM/PM or 24 h; anything else is a RowProblem."""
    v = text.strip()
    m = _CLOCK.match(v)
    if not v:
        raise RowProblem(f"{label}: empty time")
    if not m:
        raise RowProblem(f"{label}: cannot parse time {text!r}")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise RowProblem(f"{label}: cannot parse time {text!r} (hour {hour} with AM/PM)")
        hour = hour % 12 + (12 if m[4] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise RowProblem(f"{label}: cannot parse time {text!r}")
    return time(hour, minute, second)


def span_hours(start: datetime, end: datetime, start_label: str, end_label: str) -> str:
    """Exact hours from start to end (4 places); an end before the start, or a span over 24 h
    (usually a date read in the wrong order or a mistyped end date), is a RowProblem."""
    if end < start:
        raise RowProblem(
            f"{end_label} {end:%Y-%m-%d %H:%M} is before {start_label} {start:%Y-%m-%d %H:%M}"
        )
    if end - start > MAX_SPAN:
        raise RowProblem(
            f"{start_label} {start:%Y-%m-%d %H:%M} to {end_label} {end:%Y-%m-%d %H:%M} "
            "is more than 24 hours"
        )
    seconds = int((end - start).total_seconds())
    return format_hours(Decimal(seconds) / Decimal(3600))


def row_span(
    row: dict[str, str],
    table: Table,
    dates: StrictDates,
    day: date,
    start_field: str = "start_time",
    end_field: str = "end_time",
    end_date_field: str = "end_date",
) -> str:
    """Hours of one row from its start and end cells. The start is on `day` unless its cell
    carries a date; the end is on its end-date column (or its own date part), else on `day`."""
    start_label, end_label = table.label(start_field), table.label(end_field)
    start_day, start_clock = split_stamp(row[start_field])
    end_day, end_clock = split_stamp(row[end_field])
    if not row[end_field]:
        raise RowProblem(f"{end_label}: empty (no duration column to fall back on)")
    start_date = dates.parse(start_day, start_label) if start_day else day
    if end_day:
        end_date = dates.parse(end_day, end_label)
    elif table.has(end_date_field):
        end_date = dates.parse(row[end_date_field], table.label(end_date_field))
    else:
        end_date = start_date
    return _span(start_date, start_clock, end_date, end_clock, start_label, end_label)


@lru_cache(maxsize=65536)
def _span(
    start_date: date, start_clock: str, end_date: date, end_clock: str, start_label, end_label
) -> str:
    """Cached: a timesheet repeats the same start and end times day after day."""
    start = datetime.combine(start_date, parse_clock(start_clock, start_label))
    end = datetime.combine(end_date, parse_clock(end_clock, end_label))
    return span_hours(start, end, start_label, end_label)
