"""Time off: vacations (pto), sick days, and a couple of firm-wide holiday rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .config import DemoConfig
from .dates import holiday_ints, nth_weekday, to_int, weekday
from .people import Person


@dataclass(frozen=True)
class TimeOff:
    person_idx: int
    day: int  # day number
    centihours: int
    kind: str  # pto | sick | holiday


def daily_centihours(p: Person) -> int:
    return p.capacity * 20  # weekly hours / 5, in hundredths of an hour


def _active_weekdays(cfg: DemoConfig, p: Person, holidays: set[int]) -> np.ndarray:
    first = to_int(max(p.start, cfg.start_month))
    last = to_int(min(p.end or cfg.history_end, cfg.history_end))
    days = np.arange(first, last + 1)
    days = days[weekday(days) < 5]
    return days[~np.isin(days, list(holidays))]


def firm_holidays(cfg: DemoConfig) -> list[int]:
    """Extra days the firm closes: the day after Thanksgiving and Christmas Eve (weekdays only)."""
    out = []
    for year in range(cfg.start_month.year, cfg.history_end.year + 1):
        for day in (
            nth_weekday(dt.date(year, 11, 1), 3, 4) + dt.timedelta(days=1),
            dt.date(year, 12, 24),
        ):
            if cfg.start_month <= day <= cfg.history_end and day.weekday() < 5:
                out.append(to_int(day))
    return out


def _blocked(day: int, protected: list[tuple[int, int]]) -> bool:
    return any(a <= day <= b for a, b in protected)


def _person_rows(
    cfg: DemoConfig,
    p: Person,
    days: np.ndarray,
    firm: list[int],
    protected: list[tuple[int, int]],
    rng: np.random.Generator,
) -> list[TimeOff]:
    full = daily_centihours(p)
    active = set(days.tolist())
    taken: dict[int, TimeOff] = {d: TimeOff(p.idx, d, full, "holiday") for d in firm if d in active}
    scale = cfg.months / 12
    if len(days) < 10:
        return sorted(taken.values(), key=lambda t: t.day)
    for _ in range(round(rng.choice([0, 1, 2], p=[0.2, 0.5, 0.3]) * scale)):
        start = int(rng.integers(0, len(days) - 5))
        for d in days[start : start + int(rng.integers(3, 6))]:
            if not _blocked(int(d), protected):
                taken.setdefault(int(d), TimeOff(p.idx, int(d), full, "pto"))
    for _ in range(int(rng.poisson(2.5 * scale))):
        d = int(days[rng.integers(0, len(days))])
        half = rng.random() < 0.25
        if not _blocked(d, protected):
            taken.setdefault(d, TimeOff(p.idx, d, full // 2 if half else full, "sick"))
    return sorted(taken.values(), key=lambda t: t.day)


def build_time_off(
    cfg: DemoConfig,
    people: list[Person],
    protected: dict[int, list[tuple[int, int]]],
    rng: np.random.Generator,
) -> list[TimeOff]:
    holidays = set(holiday_ints(cfg.start_month, cfg.history_end).tolist())
    firm = firm_holidays(cfg)
    rows: list[TimeOff] = []
    for p in people:
        days = _active_weekdays(cfg, p, holidays)
        rows += _person_rows(cfg, p, days, firm, protected.get(p.idx, []), rng)
    return rows
