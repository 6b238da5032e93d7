"""How long a note says the work took, for the under-reporting check: a stated count ("3h",
"10 hrs", "11 hours straight", "1h30"), a phrase ("the whole day"), or a clock span ("7am to
7pm", "9-6:30", "8:30–17:00", "from 9 till 9pm", "started 8am ... till 9pm"). People write
times loosely, so a span is read the way a colleague would: a bare "9-6:30" crosses noon
(9:00 to 18:30), "9-6pm" starts in the morning, "10pm-2am" runs past midnight. Bare number
ranges with neither am/pm nor minutes ("sections 2-3", "pages 1-12") count only after a
word that says a time follows (from, between, ran, worked, shift). An end time with no start
("went on till 9pm") assumes the office day began at 9:00 and says so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_START = Decimal(9)  # an evening end with no stated start: the day began at 9:00
CENT = Decimal("0.01")
MAX_SPAN = Decimal(18)  # longer than this is not a working day someone wrote down

_TIME = r"(\d{1,2})(?:[:.h](\d{2}))?\s?(am|pm|a\.m\.|p\.m\.)?"
_JOIN = r"\s?(?:-|–|—|to|till|til|'til|until|through|thru)\s?"
SPAN = re.compile(
    rf"(?<![\d:.#/])(?P<lead>\b(?:from|between|ran|worked|working|shift)\s+)?{_TIME}{_JOIN}{_TIME}(?![\d:/%])"
)
END_ONLY = re.compile(
    rf"\b(?:till|til|until|to|through|(?:left|finished|logged off|wrapped up)(?: at)?)\s+{_TIME}(?![\d:/%])"
)
START = re.compile(
    rf"\b(?:started|start|starting|began|begun|in at|since|from|arrived)\s+(?:at\s+)?{_TIME}(?![\d:/%])"
)
STATED = re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:hours?|hrs?|h)(?:(\d{2})\b|\b)")
PHRASES = (
    (re.compile(r"\b(whole|all|full|entire) day\b"), Decimal(8)),
    (re.compile(r"\b(whole|all|entire) afternoon\b"), Decimal(4)),
    (re.compile(r"\b(whole|all|entire) morning\b"), Decimal("3.5")),
)


@dataclass(frozen=True)
class Stated:
    """The longest time the note states, and how it was read (for the evidence)."""

    hours: Decimal
    how: str
    assumed_start: bool = False


def _clock(hour: str, minute: str | None, meridiem: str | None) -> Decimal | None:
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59:
        return None
    value = Decimal(h) + Decimal(m) / 60
    if meridiem:
        if h > 12 or h == 0:
            return None
        pm = meridiem.startswith("p")
        value = value % 12 + (12 if pm else 0)
    return value


def span_hours(
    start: tuple[str, str | None, str | None], end: tuple[str, str | None, str | None]
) -> Decimal | None:
    """Hours between two clock times as written (hour, minutes, am/pm), read loosely."""
    s, e = _clock(*start), _clock(*end)
    if s is None or e is None:
        return None
    s_ap, e_ap = start[2], end[2]
    if s_ap is None and e_ap is not None and s < 12:  # "9-6pm": 9 is morning unless it fits
        pm_start = s + 12
        s = pm_start if pm_start < e else s
    if e_ap is None and e <= s and e < 12:  # "9-6:30", "8am-6": the end is after noon
        e += 12
    if e <= s:  # "10pm-2am": past midnight
        e += 24
    hours = e - s
    if hours.as_tuple().exponent < -2:  # "8:20": thirds of an hour, to the cent of an hour
        hours = hours.quantize(CENT, ROUND_HALF_UP)
    return hours if Decimal("0.25") <= hours <= MAX_SPAN else None


def _spans(note: str) -> list[Stated]:
    """Clock spans; several in one note ("9am-1pm, 2-6pm") add up."""
    spans = []
    for m in SPAN.finditer(note):
        _lead, h1, m1, ap1, h2, m2, ap2 = m.groups()
        precise = ap1 or ap2 or m1 or m2
        if not precise and not (m.group("lead") and 6 <= int(h1) <= 11):
            continue  # "sections 2-3" is no time; "from 9 to 5" is
        hours = span_hours((h1, m1, ap1), (h2, m2, ap2))
        if hours is not None:
            spans.append((hours, m.group(0).strip()))
    if spans:
        total = sum((h for h, _ in spans), Decimal(0))
        return [Stated(total, "clock span " + " + ".join(f"'{t}'" for _, t in spans))]
    ends = [e for e in END_ONLY.finditer(note) if e.group(3)]  # "till 9pm", not "to 5 people"
    if not ends:
        return []
    end = ends[-1]
    start = next((s for s in START.finditer(note) if s.start() < end.start()), None)
    if start is not None:
        hours = span_hours(start.groups(), end.groups())
        return [Stated(hours, f"'{start.group(0)}' {end.group(0)}")] if hours else []
    e = _clock(*end.groups())
    if e is not None and e >= 17:  # an evening end with no start: the day began at 9:00
        return [Stated(e - DEFAULT_START, f"'{end.group(0)}' from 9:00", True)]
    return []


def stated_hours(note: str | None) -> Stated | None:
    """The longest duration the note states, or None."""
    text = (note or "").lower()
    found = _spans(text)
    for m in STATED.finditer(text):
        hours = Decimal(m.group(1)) + (Decimal(m.group(2)) / 60 if m.group(2) else 0)
        if hours <= MAX_SPAN and int(m.group(2) or 0) < 60:
            found.append(Stated(hours, f"'{m.group(0).strip()}'"))
    found += [
        Stated(hours, f"'{p.search(text).group(0)}'") for p, hours in PHRASES if p.search(text)
    ]
    return max(found, key=lambda s: (s.hours, not s.assumed_start), default=None)
