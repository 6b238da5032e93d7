"""Calendar helpers: month arithmetic, weekdays, US holidays and zoned timestamp strings."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import polars as pl

TIMEZONE = "America/New_York"
EPOCH = dt.date(1970, 1, 1)


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.year * 12 + day.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def to_int(day: dt.date) -> int:
    """Days since 1970-01-01; the generator works on int day numbers for speed."""
    return (day - EPOCH).days


def from_int(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 for int day numbers (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def last_weekday_of_month(month: dt.date) -> dt.date:
    day = month_end(month)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def nth_weekday(month: dt.date, weekday_: int, n: int) -> dt.date:
    first = month + dt.timedelta(days=(weekday_ - month.weekday()) % 7)
    return first + dt.timedelta(weeks=n - 1)


def next_business_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@lru_cache(maxsize=8)
def us_holidays(first_year: int, last_year: int) -> frozenset[dt.date]:
    # Same source the app uses for holidays_country, so capacity and the generator agree.
    import holidays

    return frozenset(holidays.country_holidays("US", years=range(first_year, last_year + 1)))


def holiday_ints(start: dt.date, end: dt.date) -> np.ndarray:
    days = sorted(d for d in us_holidays(start.year, end.year) if start <= d <= end)
    return np.array([to_int(d) for d in days], dtype=np.int64)


def int_dates(values: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=np.int64).astype("datetime64[D]"))


def zoned_strings(day_ints: np.ndarray, minutes: np.ndarray) -> pl.Series:
    """ISO-8601 strings with the New York offset of that instant (DST aware)."""
    stamps = np.asarray(day_ints, dtype=np.int64) * 1440 + np.asarray(minutes, dtype=np.int64)
    naive = pl.Series(stamps * 60_000_000).cast(pl.Datetime("us"))
    return naive.dt.replace_time_zone(
        TIMEZONE, ambiguous="earliest", non_existent="null"
    ).dt.to_string("%Y-%m-%dT%H:%M:%S%:z")


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
