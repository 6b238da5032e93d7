"""Vectorised time entries: per person, every working day is split into several entries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .catalog import Project, sow_table
from .config import DemoConfig
from .core import NON_BILLABLE_SOW, TEAM_SOW
from .dates import holiday_ints, to_int, weekday
from .people import Person
from .plan import UNDER_FACTOR, Plan
from .staffing import Assignment, Staffing
from .timeoff import TimeOff, daily_centihours

QUARTER = 25  # centihours
MAX_NORMAL_QUARTERS = 39  # 9.75 h: only the planted long days go past 10 h
STAFFED_BOOST = 1.5
INTERNAL = (("ADMIN", 0), ("SALES", 1), ("TRAIN", 2), ("BENCH", 2))  # (SOW code, project index)


@dataclass(frozen=True)
class Context:
    cfg: DemoConfig
    projects: list[Project]
    staffing: Staffing
    sow_index: dict[tuple[int, str], int]
    holidays: np.ndarray
    month_lut: np.ndarray  # day - first day -> month index
    first_day: int


def _context(cfg: DemoConfig, projects: list[Project], st: Staffing) -> Context:
    first, last = to_int(cfg.start_month), to_int(cfg.history_end)
    days = np.arange(first, last + 1).astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)
    sow_index = {key: i for i, key in enumerate(sow_table(projects))}
    return Context(
        cfg,
        projects,
        st,
        sow_index,
        holiday_ints(cfg.start_month, cfg.history_end),
        months - months[0],
        first,
    )


def _mods(
    plan: Plan,
) -> tuple[dict[int, set[int]], dict[int, set[int]], dict[tuple[int, int], int]]:
    drop: dict[int, set[int]] = {}
    for p, monday in plan.missing:
        drop.setdefault(p, set()).update(range(monday, monday + 5))
    for p, day, _ in plan.forgot:
        drop.setdefault(p, set()).add(day)
    under = {plan.under[0]: {m + i for m in plan.under[1] for i in range(5)}}
    long_days = {(p, d): c for p, d, c in plan.long_days}
    return drop, under, long_days


def _person_days(ctx: Context, p: Person, toff: dict[int, int], mods, rng: np.random.Generator):
    drop, under, long_days = mods
    first = to_int(max(p.start, ctx.cfg.start_month))
    last = to_int(min(p.end or ctx.cfg.history_end, ctx.cfg.history_end))
    days = np.arange(first, last + 1)
    days = days[(weekday(days) < 5) & ~np.isin(days, ctx.holidays)]
    off = (
        np.array([toff.get(int(d), 0) for d in days], dtype=np.int64)
        if toff
        else np.zeros(len(days), np.int64)
    )
    remaining = np.maximum(daily_centihours(p) - off, 0)
    keep = (remaining > 0) & ~np.isin(days, list(drop.get(p.idx, ())))
    days, remaining = days[keep], remaining[keep]
    factor = np.clip(rng.normal(1.0, 0.05, len(days)), 0.85, 1.15)
    factor[np.isin(days, list(under.get(p.idx, ())))] *= UNDER_FACTOR
    quarters = np.clip(np.rint(remaining / QUARTER * factor), 1, MAX_NORMAL_QUARTERS).astype(
        np.int64
    )
    for (who, day), cent in long_days.items():
        if who == p.idx:
            quarters[days == day] = cent // QUARTER
    return days, quarters


def _weights(
    ctx: Context, p: Person, days: np.ndarray, assigned: list[Assignment], rng: np.random.Generator
) -> np.ndarray:
    months = ctx.month_lut[days - ctx.first_day]
    proj = np.zeros((len(days), len(assigned)))
    for j, a in enumerate(assigned):
        live = (days >= to_int(a.first)) & (days <= to_int(a.last))
        proj[:, j] = live * a.share * ctx.staffing.intensity[a.project_idx, months]
    # Shares are relative weights: a person staffed at 0.7 or more of a full load is fully booked.
    total = proj.sum(axis=1) * STAFFED_BOOST
    util = float(p.target_util) * np.clip(rng.normal(1.0, 0.08, len(days)), 0.75, 1.2)
    client = util * np.minimum(total, 1.0)
    proj *= np.divide(client, total / STAFFED_BOOST, out=np.zeros_like(total), where=total > 0)[
        :, None
    ]
    idle = 1.0 - np.minimum(total, 1.0)
    sales = 0.45 + 2.0 * idle if p.senior else 0.08 + 0 * idle
    bench = idle * (0.6 if p.senior else 3.0)
    internal = np.column_stack([0.35 + 0 * idle, sales, 0.12 + 0 * idle, bench])
    internal *= ((1.0 - client) / internal.sum(axis=1))[:, None]
    weights = np.hstack([proj, internal])
    return np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)


def _sow_choices(ctx: Context, project_idx: int, team: str) -> tuple[np.ndarray, np.ndarray]:
    proj = ctx.projects[project_idx]
    prefs = TEAM_SOW[team]
    codes = [c for c in proj.sow if c in prefs]
    weights = [prefs[c] for c in codes]
    if not codes:
        codes = [c for c in proj.sow if c not in NON_BILLABLE_SOW]
        weights = [1.0] * len(codes)
    w = np.array(weights)
    return np.array([ctx.sow_index[(project_idx, c)] for c in codes]), w / w.sum()


def _split(quarters: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Entries per day and each entry's quarters; parts are >= 1 quarter and sum to the day."""
    k = np.clip(
        np.rint(quarters / 32 * rng.integers(3, 9, len(quarters))), 1, np.minimum(quarters, 9)
    )
    k = k.astype(np.int64)
    day_of = np.repeat(np.arange(len(quarters)), k)
    offsets = np.cumsum(k) - k
    w = rng.uniform(0.3, 1.0, len(day_of))
    share = w / np.add.reduceat(w, offsets)[day_of]
    parts = 1 + np.floor(share * (quarters - k)[day_of]).astype(np.int64)
    parts[offsets] += quarters - np.add.reduceat(parts, offsets)
    return day_of, parts


def _person_entries(
    ctx: Context, p: Person, toff: dict[int, int], mods, rng: np.random.Generator
) -> dict | None:
    days, quarters = _person_days(ctx, p, toff, mods, rng)
    if not len(days):
        return None
    assigned = ctx.staffing.by_person[p.idx]
    cum = _weights(ctx, p, days, assigned, rng)
    day_of, parts = _split(quarters, rng)
    cat = np.minimum((rng.random(len(day_of))[:, None] > cum[day_of]).sum(axis=1), cum.shape[1] - 1)
    cat_proj = np.array(
        [a.project_idx for a in assigned] + [pi for _, pi in INTERNAL], dtype=np.int64
    )
    sow = np.zeros(len(day_of), dtype=np.int64)
    for c in range(cum.shape[1]):
        rows = np.flatnonzero(cat == c)
        if not len(rows):
            continue
        if c < len(assigned):
            cands, probs = _sow_choices(ctx, int(cat_proj[c]), p.team)
            sow[rows] = cands[rng.choice(len(cands), len(rows), p=probs)]
        else:
            sow[rows] = ctx.sow_index[(int(cat_proj[c]), INTERNAL[c - len(assigned)][0])]
    pos = np.arange(len(day_of)) - (np.cumsum(np.bincount(day_of)) - np.bincount(day_of))[day_of]
    return {
        "pidx": np.full(len(day_of), p.idx),
        "day": days[day_of],
        "cent": parts * QUARTER,
        "proj": cat_proj[cat],
        "sow": sow,
        "pos": pos,
    }


def generate_entries(
    cfg: DemoConfig,
    people: list[Person],
    projects: list[Project],
    st: Staffing,
    time_off: list[TimeOff],
    plan: Plan,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Raw entries (int codes), sorted by (day, person, position within the day)."""
    ctx = _context(cfg, projects, st)
    mods = _mods(plan)
    toff: dict[int, dict[int, int]] = {}
    for t in time_off:
        per = toff.setdefault(t.person_idx, {})
        per[t.day] = max(per.get(t.day, 0), t.centihours)
    chunks = [
        c
        for p in people
        if (c := _person_entries(ctx, p, toff.get(p.idx, {}), mods, rng)) is not None
    ]
    cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    order = np.lexsort((cols["pos"], cols["pidx"], cols["day"]))
    return pl.DataFrame({k: v[order] for k, v in cols.items()})
