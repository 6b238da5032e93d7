"""Clients, projects and SOW lines: the hand-built core plus proportional filler for big firms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import core
from .config import DemoConfig
from .dates import add_months, last_weekday_of_month, nth_weekday
from .names import CLIENT_PREFIXES, CLIENT_SECTORS, PROJECT_TOPICS, ascii_fold


@dataclass(frozen=True)
class Client:
    idx: int
    client_id: str
    name: str
    short: str
    currency: str
    terms: int
    tax_rate: str | None
    status: str
    behaviour: str  # how it pays: ontime, late, late_once, partial, slow, credit, unmatched

    @property
    def email(self) -> str:
        return f"ap@{ascii_fold(self.short)}.example"


@dataclass(frozen=True)
class Project:
    idx: int
    project_id: str
    name: str
    client_idx: int | None
    code: str
    billing: str | None  # None = internal work
    contract_id: str | None
    start: dt.date
    end: dt.date | None  # actual end when completed, planned end otherwise
    status: str
    staff: tuple[tuple[str, float], ...]
    sow: tuple[str, ...]

    @property
    def number(self) -> int:
        return self.idx + 1


def sow_line_id(project: Project, code: str) -> str:
    return f"S-{project.number}-{code}"


def _client_id(idx: int, total: int) -> str:
    return f"CL-{idx + 1:0{max(2, len(str(total)))}d}"


def _start(cfg: DemoConfig, frac: float) -> dt.date:
    return nth_weekday(add_months(cfg.start_month, cfg.month_at(frac)), 0, 1)


def _end(cfg: DemoConfig, frac: float | None, number: int) -> dt.date | None:
    if frac is None:
        return None
    month = add_months(cfg.start_month, cfg.month_at(frac) - 1)
    if number == core.ROUNDED_ENDED:
        # Mid-month, so the planted entries logged after it still fall in the same period.
        return nth_weekday(month, 2, 2)
    return last_weekday_of_month(month)


def _status(cfg: DemoConfig, end: dt.date | None) -> str:
    return "completed" if end is not None and end <= cfg.history_end else "active"


def core_catalog(cfg: DemoConfig) -> tuple[list[Client], list[Project]]:
    total = _client_total(cfg)
    clients = [Client(i, _client_id(i, total), *spec) for i, spec in enumerate(core.CLIENTS)]
    projects = []
    for i, (name, ci, code, billing, contract, s, e, staff, sow) in enumerate(core.PROJECTS):
        end = _end(cfg, e, i + 1)
        projects.append(
            Project(
                i,
                f"P-{i + 1}",
                name,
                ci,
                code,
                billing,
                contract,
                _start(cfg, s),
                end,
                _status(cfg, end),
                staff,
                sow,
            )
        )
    return clients, projects


def _client_total(cfg: DemoConfig) -> int:
    return max(len(core.CLIENTS), round(cfg.people / 2) + 2)


ARCHETYPES = {
    "time_and_materials": (
        ((core.ENG, 0.5), (core.ENG, 0.4), (core.DES, 0.3), (core.STR, 0.3), (core.DEL, 0.3)),
        ("DEV", "QA", "DESIGN", "STRAT", "PM"),
    ),
    "retainer": (((core.ENG, 0.2), (core.DEL, 0.05)), ("SUPPORT", "PM")),
    "fixed_fee": (((core.STR, 0.5), (core.DES, 0.4), (core.DEL, 0.3)), ("STRAT", "DESIGN", "PM")),
    "milestone": (((core.ENG, 0.5), (core.STR, 0.3), (core.DEL, 0.3)), ("DEV", "STRAT", "PM")),
}


def _filler_clients(cfg: DemoConfig, start: int, rng: np.random.Generator) -> list[Client]:
    total = _client_total(cfg)
    combos = rng.permutation(len(CLIENT_PREFIXES) * len(CLIENT_SECTORS))
    out = []
    for k, combo in enumerate(combos[: total - start]):
        prefix, sector = (
            CLIENT_PREFIXES[combo // len(CLIENT_SECTORS)],
            CLIENT_SECTORS[combo % len(CLIENT_SECTORS)],
        )
        currency = str(rng.choice(["USD", "EUR", "GBP"], p=[0.9, 0.07, 0.03]))
        tax = str(rng.choice(["0.04", "0.0625", "0.07", "0.08875"])) if rng.random() < 0.3 else None
        behaviour = str(
            rng.choice(["ontime", "late", "partial", "slow"], p=[0.75, 0.15, 0.05, 0.05])
        )
        terms = int(rng.choice([15, 30, 30, 45]))
        out.append(
            Client(
                start + k,
                _client_id(start + k, total),
                f"{prefix} {sector}",
                f"{prefix} {sector}",
                currency,
                terms,
                tax,
                "active",
                behaviour,
            )
        )
    return out


def _unique_code(client: Client, used: set[str]) -> str:
    letters = "".join(w[0] for w in client.name.split()).upper()
    base = (letters + ascii_fold(client.name).upper())[:4]
    code, n = base, 2
    while code in used:
        code, n = f"{base}{n}", n + 1
    used.add(code)
    return code


def _filler_project(
    cfg: DemoConfig, idx: int, client: Client, code: str, rng: np.random.Generator
) -> Project:
    billing = str(rng.choice(list(ARCHETYPES), p=[0.5, 0.15, 0.2, 0.15]))
    staff, sow = ARCHETYPES[billing]
    s = -1.0 if billing == "retainer" else rng.uniform(-0.5, 0.85)
    # Every project ends inside or after the history, so nothing is left unbilled before it.
    e = (
        None
        if billing == "retainer"
        else max(s + rng.integers(3, cfg.months + 7) / cfg.months, 0.2)
    )
    end = _end(cfg, e, 0)
    if end is not None and billing == "time_and_materials" and end > cfg.history_end:
        end = None  # open-ended T&M work has no planned end date
    topic = PROJECT_TOPICS[int(rng.integers(len(PROJECT_TOPICS)))]
    return Project(
        idx,
        f"P-{idx + 1}",
        f"{client.short} {topic}",
        client.idx,
        code,
        billing,
        f"C-{idx + 95}",
        _start(cfg, s),
        end,
        _status(cfg, end),
        staff,
        sow,
    )


def build_catalog(cfg: DemoConfig, rng: np.random.Generator) -> tuple[list[Client], list[Project]]:
    clients, projects = core_catalog(cfg)
    extra = _filler_clients(cfg, len(clients), rng)
    clients += extra
    if not extra:
        return clients, projects
    used = {p.code for p in projects}
    wanted = max(len(extra), cfg.people - len(projects))
    owners = list(range(len(extra))) + list(rng.integers(0, len(extra), wanted - len(extra)))
    for k in sorted(owners):
        client = extra[k]
        projects.append(
            _filler_project(cfg, len(projects), client, _unique_code(client, used), rng)
        )
    return clients, projects


def sow_table(projects: list[Project]) -> list[tuple[int, str]]:
    """Every (project index, SOW code), in project order; the position is the SOW line index."""
    return [(p.idx, code) for p in projects for code in p.sow]
