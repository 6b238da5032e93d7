"""Run parameters of one demo firm: history window, snapshot date and named random streams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from core import clock

from .dates import add_months, month_end

# Each generation step draws from its own child stream, so adding draws to one step never
# shifts the numbers another step sees. Append new names at the end only.
STREAMS = (
    "people",
    "catalog",
    "staffing",
    "timeoff",
    "days",
    "entries",
    "notes",
    "workflow",
    "expenses",
    "billing",
    "payments",
    "calendar",
    "fx",
    "planted",
)

MIN_PEOPLE = 24  # the hand-built core firm (and every planted problem) needs 24 people
MIN_MONTHS = 6  # planted problems sit up to ~14 weeks before the end of history


@dataclass(frozen=True)
class DemoConfig:
    seed: int
    people: int
    months: int
    end_month: dt.date
    # The snapshot date, the demo's "now": no payment, submission, approval, invoice or
    # acceptance is dated after it (docs/demo_firm.md, "The as-of date").
    as_of: dt.date

    @property
    def start_month(self) -> dt.date:
        return add_months(self.end_month, -(self.months - 1))

    @property
    def history_end(self) -> dt.date:
        return month_end(self.end_month)

    def month_start(self, index: int) -> dt.date:
        return add_months(self.start_month, index)

    def month_at(self, fraction: float) -> int:
        """Month index at a fraction of the history (may be negative or >= months)."""
        return round(fraction * self.months)


# Without an explicit as-of, a folder built for a given end month is exported a week after that
# month closed: its timesheets are submitted, its invoices not drafted yet (the app's job).
EXPORT_LAG_DAYS = 7


def last_complete_month(day: dt.date) -> dt.date:
    return add_months(dt.date(day.year, day.month, 1), -1)


def make_config(
    seed: int,
    people: int,
    months: int | None,
    end_month: dt.date | None,
    as_of: dt.date | None = None,
) -> DemoConfig:
    """The run parameters. The anchor rule: the as-of date is the demo's "now" and the history
    ends with the last complete month before it. Without an as-of, the history ends at
    `end_month` (exported EXPORT_LAG_DAYS after it) or, without either, at today's (core.clock)
    last complete month with today as the as-of."""
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be >= {MIN_PEOPLE} (the core demo firm)")
    months = months if months is not None else (12 if people <= 50 else 24)
    if months < MIN_MONTHS:
        raise ValueError(f"months must be >= {MIN_MONTHS}")
    if as_of is None and end_month is None:
        as_of = clock.today()
    if end_month is None:
        end_month = last_complete_month(as_of)
    end = dt.date(end_month.year, end_month.month, 1)
    if as_of is None:
        as_of = month_end(end) + dt.timedelta(days=EXPORT_LAG_DAYS)
    if as_of <= month_end(end):
        raise ValueError(f"as-of {as_of} must be after the last month of history ({end:%Y-%m})")
    return DemoConfig(seed, people, months, end, as_of)


def rng_streams(seed: int) -> dict[str, np.random.Generator]:
    root = np.random.Generator(np.random.PCG64(seed))
    return dict(zip(STREAMS, root.spawn(len(STREAMS))))
