"""Milestones: billable ones on milestone workstreams, zero-amount checkpoints on fixed fees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import core
from .catalog import Project
from .config import DemoConfig
from .contracts import Contract
from .dates import next_business_day

NAMES = (
    "Discovery sign-off",
    "Design approved",
    "Beta release",
    "Production launch",
    "Hypercare complete",
)


@dataclass
class Milestone:
    milestone_id: str
    project_idx: int
    name: str
    cents: int
    due: dt.date
    status: str
    completed_on: dt.date | None = None
    accepted_on: dt.date | None = None
    planned_share: float = 0.0  # of the project's budget hours
    invoice_id: str | None = None


def _d(day: dt.date, days: int) -> dt.date:
    return next_business_day(day + dt.timedelta(days=days))


def _hybrid(cfg: DemoConfig, p: Project) -> list[Milestone]:
    end = cfg.history_end
    return [
        Milestone(
            "",
            p.idx,
            "Core ledger API",
            6000000,
            _d(end, -125),
            "accepted",
            _d(end, -128),
            _d(end, -118),
            0.35,
        ),
        Milestone(
            "",
            p.idx,
            "Payments module",
            4500000,
            _d(end, -10),
            "complete",
            _d(end, -10),
            None,
            0.35,
        ),
        Milestone("", p.idx, "Go-live", 3500000, _d(end, 90), "planned", None, None, 0.30),
    ]


def _burning(cfg: DemoConfig, p: Project) -> list[Milestone]:
    end = cfg.history_end
    return [
        Milestone(
            "",
            p.idx,
            "MVP scope & designs signed off",
            0,
            _d(end, -45),
            "complete",
            _d(end, -43),
            None,
            0.3,
        ),
        Milestone("", p.idx, "Beta release", 0, _d(end, 21), "planned", None, None, 0.4),
        Milestone("", p.idx, "App store launch", 0, _d(end, 70), "planned", None, None, 0.3),
    ]


def _generic(
    cfg: DemoConfig, p: Project, total_cents: int, rng: np.random.Generator
) -> list[Milestone]:
    end = p.end or (cfg.as_of + dt.timedelta(days=120))
    # Nothing before the history is invoiced, so the schedule starts inside it.
    start = max(p.start, cfg.start_month + dt.timedelta(days=10))
    span = (end - start).days
    out = []
    for i in range(4):
        due = _d(start, span * (i + 1) // 4)
        ms = Milestone(
            "",
            p.idx,
            NAMES[i + 1 if i else 0],
            total_cents // 4,
            due,
            "planned",
            planned_share=0.25,
        )
        if due <= cfg.as_of - dt.timedelta(days=20):
            ms.completed_on = _d(due, -int(rng.integers(0, 6)))
            ms.accepted_on = min(_d(ms.completed_on, int(rng.integers(3, 13))), cfg.as_of)
            ms.status = "accepted"
        elif due <= cfg.as_of:
            ms.status, ms.completed_on = "complete", min(due, cfg.as_of)
        out.append(ms)
    return out


def build_milestones(
    cfg: DemoConfig, projects: list[Project], contracts: list[Contract], rng: np.random.Generator
) -> list[Milestone]:
    out: list[Milestone] = []
    billing = {w.project_idx: w.billing for c in contracts for w in c.workstreams}
    for p in projects:
        if p.number == core.HYBRID_MILESTONE:
            ms = _hybrid(cfg, p)
        elif p.number == core.BURNING:
            ms = _burning(cfg, p)
        elif billing.get(p.idx) == "milestone":
            weight = sum(f for _, f in p.staff)
            ms = _generic(
                cfg, p, int(round(weight * 120 * 175 * 14 * rng.uniform(0.8, 1.2), -3)) * 100, rng
            )
        else:
            continue
        for k, m in enumerate(ms, 1):
            m.milestone_id = f"M-{p.number}-{k}"
        out += ms
    return out
