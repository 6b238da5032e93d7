"""Run parameters of one demo firm: history window, snapshot date and named random streams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

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

    @property
    def start_month(self) -> dt.date:
        return add_months(self.end_month, -(self.months - 1))

    @property
    def history_end(self) -> dt.date:
        return month_end(self.end_month)

    @property
    def as_of(self) -> dt.date:
        # The export is taken a week after the last month closed: that month's timesheets are
        # submitted, its invoices are not drafted yet (that is the app's job).
        return self.history_end + dt.timedelta(days=7)

    def month_start(self, index: int) -> dt.date:
        return add_months(self.start_month, index)

    def month_at(self, fraction: float) -> int:
        """Month index at a fraction of the history (may be negative or >= months)."""
        return round(fraction * self.months)


def last_complete_month(today: dt.date) -> dt.date:
    return add_months(dt.date(today.year, today.month, 1), -1)


def make_config(
    seed: int, people: int, months: int | None, end_month: dt.date | None
) -> DemoConfig:
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be >= {MIN_PEOPLE} (the core demo firm)")
    months = months if months is not None else (12 if people <= 50 else 24)
    if months < MIN_MONTHS:
        raise ValueError(f"months must be >= {MIN_MONTHS}")
    end = end_month or last_complete_month(dt.date.today())
    return DemoConfig(seed, people, months, dt.date(end.year, end.month, 1))


def rng_streams(seed: int) -> dict[str, np.random.Generator]:
    root = np.random.Generator(np.random.PCG64(seed))
    return dict(zip(STREAMS, root.spawn(len(STREAMS))))
