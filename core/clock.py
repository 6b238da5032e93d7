"""The one place "today" and "now" come from, so tests and demos can pin the date.

Every default that means "today" (the demo's anchor, rules, aging, late fees, reminders, the
app's default period) asks this module. `BILLING_TODAY=YYYY-MM-DD` pins the date for a process:
the tests set it, and so can a firm replaying a past month. Unset, the wall clock rules. It is
read through the settings module (core.settings: the environment, else secrets.toml)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core import settings

TODAY_ENV = "BILLING_TODAY"


class ClockError(ValueError):
    """BILLING_TODAY is set to something that is not a date."""


def today() -> date:
    """The pinned date when BILLING_TODAY is set, else the wall clock's (UTC)."""
    pinned = settings.raw(TODAY_ENV)
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
