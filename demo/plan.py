"""Where the planted problems go: fixed core people and weeks counted back from the end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import core
from .catalog import Project
from .config import DemoConfig
from .dates import holiday_ints, to_int
from .people import Person
from .staffing import Staffing
from .timeoff import firm_holidays

UNDER_SLOT, UNDER_WEEKS, UNDER_FACTOR, UNDER_END_BACK = 9, 8, 0.6, 14
LATE = ((4, 3, "tue 10:14"), (15, 6, "wed 16:41"), (20, 9, "mon 15:37"))  # (slot, weeks back, when)
MISSING = ((10, 5), (21, 11))
FORGOT = ((3, 10, 1), (19, 5, 3))  # (slot, weeks back, weekday)
LONG = ((8, 8, 2, 1150), (13, 2, 3, 1225))  # (slot, weeks back, weekday, centihours)
STALE_SLOT = 23
LATE_TIMES = {"mon": 0, "tue": 1, "wed": 2}


@dataclass
class Plan:
    under: tuple[int, list[int]]  # person, Mondays
    late: list[tuple[int, int, int]]  # person, Monday, submitted minute-of-week after Monday 00:00
    missing: list[tuple[int, int]]  # person, Monday
    forgot: list[tuple[int, int, int]]  # person, day, client index
    long_days: list[tuple[int, int, int]]  # person, day, centihours
    stale: tuple[int, int]  # person, Monday
    post_end: tuple[int, int, list[int]]  # person, project index, days
    leak: tuple[int, int]  # project index, period index (person chosen from the generated time)
    extra: dict = field(default_factory=dict)  # filled after generation (ids for the docs)

    def persons(self) -> set[int]:
        ps = {self.under[0], self.stale[0], self.post_end[0]}
        ps |= {p for p, *_ in self.late} | {p for p, _ in self.missing}
        return ps | {p for p, *_ in self.forgot} | {p for p, *_ in self.long_days}

    def protected(self) -> dict[int, list[tuple[int, int]]]:
        """Person -> day ranges that must stay free of time off."""
        out: dict[int, list[tuple[int, int]]] = {}
        weeks = [(self.under[0], m) for m in self.under[1]] + [(p, m) for p, m, _ in self.late]
        weeks += [*self.missing, self.stale]
        weeks += [(p, d - (d + 3) % 7) for p, d, *_ in self.forgot + self.long_days]
        weeks += [(self.post_end[0], d - (d + 3) % 7) for d in self.post_end[2]]
        for p, monday in weeks:
            out.setdefault(p, []).append((monday, monday + 6))
        return out


def _full_weeks(cfg: DemoConfig) -> list[int]:
    """Mondays of the Mon-Fri weeks that lie wholly inside the history."""
    first = to_int(cfg.start_month)
    monday = first + (7 - (first + 3) % 7) % 7
    return list(range(monday, to_int(cfg.history_end) - 3, 7))


def _clean_weeks(cfg: DemoConfig) -> list[int]:
    """Full weeks with no public or firm holiday, so expected hours are a plain 5 days."""
    off = set(holiday_ints(cfg.start_month, cfg.history_end).tolist()) | set(firm_holidays(cfg))
    return [m for m in _full_weeks(cfg) if not any(m + i in off for i in range(5))]


def _week(weeks: list[int], back: int, taken: set[int], mid_month: bool = False) -> int:
    """The clean week nearest to `back` weeks before the end that is not yet used."""
    for k in sorted(range(1, len(weeks) + 1), key=lambda k: (abs(k - back), k)):
        m = weeks[-k]
        day = dt.date(1970, 1, 1) + dt.timedelta(days=m)
        if m not in taken and (not mid_month or 3 <= day.day <= 16):
            taken.add(m)
            return m
    raise ValueError("history too short for the planted problems")


def _client_on(st: Staffing, projects: list[Project], person: int, day: int) -> int | None:
    live = [
        a
        for a in st.by_person[person]
        if to_int(a.first) <= day <= to_int(a.last)
        and projects[a.project_idx].client_idx not in (None, 0)
    ]
    if not live:
        return None
    return projects[max(live, key=lambda a: (a.share, -a.project_idx)).project_idx].client_idx


def _forgot(
    weeks: list[int], taken: set[int], st: Staffing, projects: list[Project]
) -> list[tuple[int, int, int]]:
    out = []
    for slot, back, wd in FORGOT:
        for shift in range(len(weeks)):
            m = _week(weeks, back + shift, taken)
            client = _client_on(st, projects, slot, m + wd)
            if client is not None:
                out.append((slot, m + wd, client))
                break
    return out


def _post_end(
    cfg: DemoConfig,
    projects: list[Project],
    st: Staffing,
    people: list[Person],
    busy: dict[int, set[int]],
) -> tuple[int, int, list[int]]:
    """Someone on the ended project logs two more days of hotfixes right after its end date."""
    proj = projects[core.ROUNDED_ENDED - 1]
    off = set(holiday_ints(cfg.start_month, cfg.history_end).tolist()) | set(firm_holidays(cfg))
    days, day = [], to_int(proj.end)
    while len(days) < 2:
        day += 1
        if (day + 3) % 7 < 5 and day not in off:
            days.append(day)
    staff = st.by_project[proj.idx]
    for who in sorted(staff, key=lambda i: (i in busy, staff.index(i))):
        p = people[who]
        if (
            to_int(p.start) <= days[0]
            and (p.end is None or to_int(p.end) >= days[-1])
            and not busy.get(who, set()) & {d - (d + 3) % 7 for d in days}
        ):
            return who, proj.idx, days
    raise ValueError("nobody left to log time after the project ended")


def _busy_weeks(weeks: list[tuple[int, int]]) -> dict[int, set[int]]:
    busy: dict[int, set[int]] = {}
    for p, monday in weeks:
        busy.setdefault(p, set()).add(monday)
    return busy


def build_plan(
    cfg: DemoConfig, people: list[Person], projects: list[Project], st: Staffing
) -> Plan:
    weeks = _clean_weeks(cfg)
    full = _full_weeks(cfg)  # the under-reporting streak is calendar-consecutive
    under_weeks = full[len(full) - UNDER_END_BACK - UNDER_WEEKS : len(full) - UNDER_END_BACK]
    taken = set(under_weeks)
    late = [
        (
            s,
            _week(weeks, b, taken, True),
            LATE_TIMES[w.split()[0]] * 1440
            + 7 * 1440
            + int(w.split()[1][:2]) * 60
            + int(w.split()[1][3:]),
        )
        for s, b, w in LATE
    ]
    missing = [(s, _week(weeks, b, taken)) for s, b in MISSING]
    long_days = [(s, _week(weeks, b, taken) + wd, c) for s, b, wd, c in LONG]
    forgot = _forgot(weeks, taken, st, projects)
    stale_month = cfg.month_start(cfg.months - 3)
    stale = (STALE_SLOT, next(m for m in weeks if m >= to_int(stale_month) + 7))
    weeks_used = (
        [(UNDER_SLOT, m) for m in under_weeks] + [(p, m) for p, m, _ in late] + missing + [stale]
    )
    weeks_used += [(p, d - (d + 3) % 7) for p, d, *_ in forgot + long_days]
    post_end = _post_end(cfg, projects, st, people, _busy_weeks(weeks_used))
    leak = (core.LEAKY - 1, cfg.months - 4)
    return Plan((UNDER_SLOT, under_weeks), late, missing, forgot, long_days, stale, post_end, leak)
