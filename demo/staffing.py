"""Who works on what: project slots filled by the least-loaded person of the right team."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .catalog import Project
from .config import DemoConfig
from .dates import month_end
from .people import Person


@dataclass(frozen=True)
class Assignment:
    project_idx: int
    share: float  # share of the person's billable time while the project runs
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Staffing:
    by_person: dict[int, list[Assignment]]
    by_project: dict[int, list[int]]  # person indices, in slot order
    intensity: np.ndarray  # projects x months multiplier on the project's share of time


def project_window(cfg: DemoConfig, p: Project) -> tuple[dt.date, dt.date]:
    """Days on which time may be logged to the project inside the history."""
    last = p.end if p.status == "completed" and p.end else cfg.history_end
    return max(p.start, cfg.start_month), min(last, cfg.history_end)


def _month_mask(cfg: DemoConfig, first: dt.date, last: dt.date) -> np.ndarray:
    starts = [cfg.month_start(i) for i in range(cfg.months)]
    return np.array([s <= last and month_end(s) >= first for s in starts])


def _availability(cfg: DemoConfig, people: list[Person]) -> np.ndarray:
    return np.array([_month_mask(cfg, p.start, p.end or cfg.history_end) for p in people])


def _pick(
    cands: np.ndarray,
    months: np.ndarray,
    load: np.ndarray,
    avail: np.ndarray,
    rng: np.random.Generator,
) -> int | None:
    if not len(cands):
        return None
    overlap = (avail[cands] & months).sum(axis=1)
    ok = cands[overlap * 2 >= max(1, months.sum())]  # present for at least half the project
    if not len(ok):
        return None
    score = np.where(months, load[ok], 0).max(axis=1) + rng.uniform(0, 0.05, len(ok))
    return int(ok[np.argmin(score)])


def build_staffing(
    cfg: DemoConfig, people: list[Person], projects: list[Project], rng: np.random.Generator
) -> Staffing:
    avail = _availability(cfg, people)
    load = np.zeros((len(people), cfg.months))
    teams = np.array([p.team for p in people])
    by_person: dict[int, list[Assignment]] = {p.idx: [] for p in people}
    by_project: dict[int, list[int]] = {}
    for proj in projects:
        first, last = project_window(cfg, proj)
        if first > last or not proj.staff:
            continue
        months = _month_mask(cfg, first, last)
        chosen: list[int] = []
        for team, share in proj.staff:
            cands = np.array(
                [i for i in np.flatnonzero(teams == team) if i not in chosen], dtype=np.int64
            )
            who = _pick(cands, months, load, avail, rng)
            if who is None:
                continue
            chosen.append(who)
            load[who] += np.where(months & avail[who], share, 0)
            by_person[who].append(Assignment(proj.idx, share, first, last))
        by_project[proj.idx] = chosen
    sigma = np.array([0.35 if p.billing == "retainer" else 0.12 for p in projects])[:, None]
    intensity = np.exp(rng.normal(0, 1, (len(projects), cfg.months)) * sigma)
    return Staffing(by_person, by_project, intensity)
