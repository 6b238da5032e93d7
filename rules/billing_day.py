"""The firm's billing day: the business day of the following month by which a month's work is
invoiced (default the 5th; `billing_business_day` in rules/config.toml). Until it has passed,
a closed month's unbilled work is ordinary work in progress, not leakage. Business days are
Monday to Friday less the public holidays of firm.holidays_country (the `holidays` package,
warehouse/day_tables.py's public_holidays)."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from billing.period import Period
from warehouse.day_tables import public_holidays


def billing_day(period: Period, nth: int, off: set[date]) -> date:
    """The `nth` business day of the month after `period` (nth below 1 counts as 1)."""
    day, seen = period.shift(1).start, 0
    while True:
        if day.weekday() < 5 and day not in off:
            seen += 1
            if seen >= max(nth, 1):
                return day
        day += timedelta(days=1)


def last_month_due(con: duckdb.DuckDBPyConnection, as_of: date, nth: int) -> Period:
    """The latest month whose billing day is strictly before `as_of`: its work, and every
    earlier month's, should be on an invoice by now. On the billing day itself the invoice is
    still being sent, so that month is not due until the day after."""
    off = set(public_holidays(con, range(as_of.year - 1, as_of.year + 1)))
    month = Period.of(as_of).shift(-1)
    while billing_day(month, nth, off) >= as_of:
        month = month.shift(-1)
    return month
