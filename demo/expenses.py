"""Expenses: client travel, hosting, software; one split, one EUR and one GBP expense."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import core
from .catalog import Project
from .config import DemoConfig
from .contracts import Contract
from .dates import month_end, to_int
from .people import Person
from .staffing import Staffing, project_window

DAY = 1440


@dataclass(frozen=True)
class Expense:
    pidx: int
    day: int
    cents: int
    currency: str
    description: str
    vendor: str
    project_idx: int | None
    billable: bool
    split: tuple[tuple[int, int], ...] = ()  # (project index, percent)
    approved_min: int | None = None  # absolute minute of approval; None = not approved
    expense_id: str = ""
    receipt_ref: str = ""


def _weekday_in(rng: np.random.Generator, first: int, last: int) -> int | None:
    days = [d for d in range(first, last + 1) if (d + 3) % 7 < 5]
    return int(days[rng.integers(len(days))]) if days else None


def _trip(
    p: Project, person: int, day: int, billable: bool, rng: np.random.Generator
) -> list[Expense]:
    nights = int(rng.integers(1, 4))
    return [
        Expense(
            person,
            day,
            int(rng.integers(28000, 72000)),
            "USD",
            f"Flight to {p.name} on-site",
            "Delta",
            p.idx,
            billable,
        ),
        Expense(
            person,
            day,
            nights * int(rng.integers(16000, 32000)),
            "USD",
            f"Hotel {nights} nights ({p.code})",
            "Marriott",
            p.idx,
            billable,
        ),
        Expense(
            person,
            day + 1,
            int(rng.integers(1800, 8500)),
            "USD",
            f"Team dinner w/ {p.code}",
            "Local restaurant",
            p.idx,
            billable,
        ),
    ]


def _project_expenses(
    cfg: DemoConfig, p: Project, staff: list[int], billable: bool, rng: np.random.Generator
) -> list[Expense]:
    first, last = (to_int(d) for d in project_window(cfg, p))
    out: list[Expense] = []
    for m in range(cfg.months):
        a, b = (
            max(first, to_int(cfg.month_start(m))),
            min(last, to_int(month_end(cfg.month_start(m))) - 1),
        )
        day = _weekday_in(rng, a, b) if a <= b else None
        if day is None:
            continue
        if rng.random() < 0.3:
            out += _trip(p, staff[int(rng.integers(len(staff)))], day, billable, rng)
        if "DEV" in p.sow and billable and rng.random() < 0.3:
            out.append(
                Expense(
                    staff[0],
                    day,
                    int(rng.integers(18000, 95000)),
                    "USD",
                    f"AWS hosting {p.code} staging",
                    "Amazon Web Services",
                    p.idx,
                    True,
                )
            )
    return out


def _firm_expenses(
    cfg: DemoConfig, people: list[Person], rng: np.random.Generator
) -> list[Expense]:
    buyer = people[18].idx  # the delivery lead buys the firm's software
    out = []
    for m in range(cfg.months):
        day = _weekday_in(rng, to_int(cfg.month_start(m)), to_int(cfg.month_start(m)) + 6)
        for vendor, cents in (("Figma", 22500), ("JetBrains", 31900), ("Slack", 18750)):
            out.append(
                Expense(buyer, day, cents, "USD", f"{vendor} subscription", vendor, 0, False)
            )
    return out


def _specials(cfg: DemoConfig, projects: list[Project], st: Staffing) -> list[Expense]:
    mid = to_int(cfg.month_start(cfg.month_at(0.5))) + 9
    mid -= max(0, (mid + 3) % 7 - 4)  # back to a weekday
    a, b = core.SPLIT_PROJECTS
    p4 = projects[core.MARKUP_PROJECT - 1]
    return [
        Expense(
            st.by_project[a - 1][0],
            mid,
            125000,
            "USD",
            "AWS shared staging cluster (split)",
            "Amazon Web Services",
            None,
            True,
            ((a - 1, 60), (b - 1, 40)),
        ),
        Expense(
            st.by_project[p4.idx][0],
            mid + 1,
            48760,
            "EUR",
            "Hotel Berlin - ACME EU rollout workshop",
            "Motel One",
            p4.idx,
            True,
        ),
        Expense(
            st.by_project[a - 1][0],
            mid + 7,
            39900,
            "GBP",
            "Conference ticket London (training)",
            "QCon London",
            2,
            False,
        ),
    ]


def build_expenses(
    cfg: DemoConfig,
    people: list[Person],
    projects: list[Project],
    contracts: list[Contract],
    st: Staffing,
    rng: np.random.Generator,
) -> list[Expense]:
    billable_contracts = {c.contract_id for c in contracts if c.expenses and c.expenses[0]}
    rows = _firm_expenses(cfg, people, rng) + _specials(cfg, projects, st)
    for p in projects:
        if p.client_idx not in (None, 0) and st.by_project.get(p.idx):
            rows += _project_expenses(
                cfg, p, st.by_project[p.idx], p.contract_id in billable_contracts, rng
            )
    rows = [r for r in rows if r.day <= to_int(cfg.history_end)]
    rows.sort(key=lambda r: (r.day, r.pidx, r.description, r.cents))
    return [_approve(cfg, r, i, rng) for i, r in enumerate(rows)]


def _approve(cfg: DemoConfig, r: Expense, i: int, rng: np.random.Generator) -> Expense:
    recent = r.day > to_int(cfg.history_end) - 14  # not yet through the approval queue
    day = r.day + int(rng.integers(2, 7))
    day += {5: 2, 6: 1}.get((day + 3) % 7, 0)  # finance approves on weekdays
    approved = None if recent else day * DAY + 14 * 60 + int(rng.integers(0, 180))
    return replace(
        r, approved_min=approved, expense_id=f"X-{i + 1:05d}", receipt_ref=f"RCPT-{700000 + i * 13}"
    )
