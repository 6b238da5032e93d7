"""The firm's people: a 24-person core (4 teams) repeated in blocks when the firm is scaled up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .config import DemoConfig
from .dates import add_months, next_business_day
from .names import FIRM_DOMAIN, FIRST_NAMES, LAST_NAMES, ascii_fold

TEAMS = ("Strategy", "Engineering", "Design", "Delivery")
ROLES = (
    "Partner",
    "Principal",
    "Senior Consultant",
    "Consultant",
    "Designer",
    "Engineer",
    "Project Manager",
)
# (team, role, weekly capacity, employment, manager slot) for the 24 slots of one block.
CORE: tuple[tuple[str, str, int, str, int | None], ...] = (
    ("Strategy", "Partner", 40, "employee", None),
    ("Strategy", "Partner", 40, "employee", 0),
    ("Strategy", "Principal", 40, "employee", 1),
    ("Strategy", "Senior Consultant", 40, "employee", 2),
    ("Strategy", "Consultant", 40, "employee", 2),
    ("Strategy", "Consultant", 32, "employee", 2),
    ("Engineering", "Principal", 40, "employee", 0),
    ("Engineering", "Engineer", 40, "employee", 6),
    ("Engineering", "Engineer", 40, "employee", 6),
    ("Engineering", "Engineer", 40, "employee", 6),
    ("Engineering", "Engineer", 40, "employee", 6),
    ("Engineering", "Engineer", 40, "contractor", 6),
    ("Engineering", "Engineer", 40, "employee", 6),
    ("Engineering", "Engineer", 40, "employee", 6),
    ("Design", "Principal", 40, "employee", 1),
    ("Design", "Designer", 40, "employee", 14),
    ("Design", "Designer", 40, "employee", 14),
    ("Design", "Designer", 24, "employee", 14),
    ("Delivery", "Project Manager", 40, "employee", 0),
    ("Delivery", "Project Manager", 40, "employee", 18),
    ("Delivery", "Project Manager", 40, "employee", 18),
    ("Delivery", "Senior Consultant", 40, "employee", 18),
    ("Delivery", "Consultant", 40, "employee", 18),
    ("Delivery", "Project Manager", 40, "employee", 18),
)
JOINER_SLOT = 12  # joins part-way through the history
LEAVER_SLOT = 22  # leaves part-way through the history
COST = {
    "Partner": 140,
    "Principal": 115,
    "Senior Consultant": 85,
    "Consultant": 62,
    "Designer": 70,
    "Engineer": 76,
    "Project Manager": 72,
}
UTILIZATION = {"Partner": "0.45", "Principal": "0.65", "Project Manager": "0.70"}


@dataclass(frozen=True)
class Person:
    idx: int
    person_id: str
    name: str
    email: str
    team: str
    role: str
    capacity: int  # weekly hours
    employment: str
    manager_idx: int | None
    cost_cents: int
    target_util: str
    start: dt.date
    end: dt.date | None

    @property
    def senior(self) -> bool:
        return self.role in ("Partner", "Principal")


def person_id(idx: int, total: int) -> str:
    return f"E-{idx + 1:0{max(3, len(str(total)))}d}"


def _names(count: int, rng: np.random.Generator) -> list[str]:
    pick = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=count, replace=False)
    return [f"{FIRST_NAMES[i // len(LAST_NAMES)]} {LAST_NAMES[i % len(LAST_NAMES)]}" for i in pick]


def _dates(
    cfg: DemoConfig, slot: int, block: int, rng: np.random.Generator
) -> tuple[dt.date, dt.date | None]:
    # Partners founded the firm; everyone else joined within the last eight years.
    years_back = (3000, 5000) if CORE[slot][1] == "Partner" else (120, 2900)
    hired = next_business_day(cfg.start_month - dt.timedelta(days=int(rng.integers(*years_back))))
    if slot == JOINER_SLOT:
        frac = 0.4 if block == 0 else rng.uniform(0.15, 0.85)
        return next_business_day(add_months(cfg.start_month, cfg.month_at(frac))), None
    if slot == LEAVER_SLOT:
        frac = 0.6 if block == 0 else rng.uniform(0.15, 0.85)
        last = add_months(cfg.start_month, cfg.month_at(frac)) - dt.timedelta(days=1)
        while last.weekday() != 4:  # people leave on a Friday
            last -= dt.timedelta(days=1)
        return hired, last
    return hired, None


def _manager(idx: int, block: int, slot: int | None) -> int | None:
    """Leads report to the managing partner (E-001); everyone else to a lead in their block."""
    if idx == 0:
        return None
    if slot is None or slot == 0:
        return 0
    return block * len(CORE) + slot


def build_people(cfg: DemoConfig, rng: np.random.Generator) -> list[Person]:
    names = _names(cfg.people, rng)
    people = []
    for idx in range(cfg.people):
        block, slot = divmod(idx, len(CORE))
        team, role, cap, employment, mgr = CORE[slot]
        manager = _manager(idx, block, mgr)
        cost = COST[role] + (20 if employment == "contractor" else 0)
        cost = round(cost * rng.uniform(0.92, 1.08)) * 100
        util = "0.90" if employment == "contractor" else UTILIZATION.get(role, "0.80")
        start, end = _dates(cfg, slot, block, rng)
        name = names[idx]
        first, last = name.split(" ", 1)
        email = f"{ascii_fold(first)}.{ascii_fold(last)}@{FIRM_DOMAIN}"
        people.append(
            Person(
                idx,
                person_id(idx, cfg.people),
                name,
                email,
                team,
                role,
                cap,
                employment,
                manager,
                cost,
                util,
                start,
                end,
            )
        )
    return people
