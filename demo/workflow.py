"""Timesheet workflow: weekly submission (deadline Monday noon) and manager approval."""

from __future__ import annotations

import numpy as np
import polars as pl

from .config import DemoConfig
from .dates import to_int, zoned_strings
from .people import Person
from .plan import Plan

DAY = 1440
APPROVAL_AGE_DAYS = 14  # weeks older than this at the snapshot are approved


def _submitted(
    weeks: np.ndarray, plan: Plan, pidx: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Minutes after the week's Monday 00:00: Friday afternoon or Monday morning (before noon)."""
    friday = 4 * DAY + 15 * 60 + rng.integers(0, 211, len(weeks))
    monday = 7 * DAY + 8 * 60 + rng.integers(0, 226, len(weeks))
    minutes = np.where(rng.random(len(weeks)) < 0.65, friday, monday)
    for person, monday_, when in plan.late:
        minutes[(pidx == person) & (weeks == monday_)] = when
    return minutes


def _approval(submitted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Managers approve one or two days later in office hours, never on a weekend."""
    day = submitted // DAY + rng.integers(1, 3, len(submitted))
    day += np.select([(day + 3) % 7 == 5, (day + 3) % 7 == 6], [2, 1], 0)
    return day * DAY + 8 * 60 + 30 + rng.integers(0, 541, len(submitted))


def add_workflow(
    cfg: DemoConfig, df: pl.DataFrame, people: list[Person], plan: Plan, rng: np.random.Generator
) -> pl.DataFrame:
    day = df["day"].to_numpy()
    monday = day - (day + 3) % 7
    key = df["pidx"].to_numpy().astype(np.int64) * 1_000_000 + monday
    weeks_key, week_of = np.unique(key, return_inverse=True)
    w_pidx, w_monday = weeks_key // 1_000_000, weeks_key % 1_000_000
    sub = _submitted(w_monday, plan, w_pidx, rng)
    sub_abs = w_monday * DAY + sub
    app_abs = _approval(sub_abs, rng)
    # A week submitted after the snapshot (the Monday after a month that ends midweek, on an
    # as-of early in the next month) is not submitted yet; nothing is approved after it either.
    submitted = sub_abs // DAY <= to_int(cfg.as_of)
    approved = w_monday + 6 + APPROVAL_AGE_DAYS <= to_int(cfg.as_of)
    approved &= ~((w_pidx == plan.stale[0]) & (w_monday == plan.stale[1]))
    approved &= submitted & (app_abs // DAY <= to_int(cfg.as_of))
    sub_s = zoned_strings(sub_abs // DAY, sub_abs % DAY)
    app_s = zoned_strings(app_abs // DAY, app_abs % DAY)
    mgr = [people[p.manager_idx if p.manager_idx is not None else 1].person_id for p in people]
    approver = pl.Series(mgr).gather(pl.Series(w_pidx))
    week = pl.Series(week_of)
    approved_s = pl.Series(approved).gather(week)
    return df.with_columns(
        submitted_at=pl.when(pl.Series(submitted).gather(week)).then(sub_s.gather(week)),
        approved=approved_s,
        approved_at=pl.when(approved_s).then(app_s.gather(week)),
        approved_by=pl.when(approved_s).then(approver.gather(week)),
        approved_abs=pl.Series(app_abs).gather(week),
    )
