"""The one place "today" and "now" come from, so tests and demos can pin the date.

Every default that means "today" (the demo's anchor, rules, aging, late fees, reminders, the
app's default period) asks this module. `BILLING_TODAY=YYYY-MM-DD` pins the date for a process:
the tests set it, and so can a firm replaying a past month. Unset, the wall clock rules."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

TODAY_ENV = "BILLING_TODAY"


class ClockError(ValueError):
    """BILLING_TODAY is set to something that is not a date."""


def today() -> date:
    """The pinned date when BILLING_TODAY is set, else the wall clock's (UTC)."""
    pinned = os.environ.get(TODAY_ENV, "").strip()
    if not pinned:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise ClockError(f"{TODAY_ENV}={pinned!r} is not a date (YYYY-MM-DD)") from None


def now() -> datetime:
    """An aware UTC timestamp on today(): the wall clock's time of day, so events recorded one
    after another still sort in the order they happened when the date is pinned."""
    wall = datetime.now(UTC)
    return datetime.combine(today(), wall.timetz())
