"""Contracts (workstreams, PO, rounding, tiers, caps, retainers) and the rate card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from . import core
from .catalog import Client, Project
from .config import DemoConfig
from .money import cents_str
from .people import ROLES, Person

ROLE_RATE = {
    "Partner": 325,
    "Principal": 275,
    "Senior Consultant": 220,
    "Consultant": 175,
    "Designer": 165,
    "Engineer": 180,
    "Project Manager": 160,
}
FX_DISCOUNT = {"USD": 1.0, "EUR": 0.92, "GBP": 0.8}  # list prices are set in local money


@dataclass
class Workstream:
    project_idx: int
    billing: str
    fee_cents: int | None = None
    bill_on: str | None = None
    tiers: tuple[tuple[int, str], ...] = ()  # (from_hours, discount)
    cap_cents: int | None = None
    cap_scope: str = "contract"
    monthly_fee_cents: int | None = None
    included_hours: int | None = None
    overage_cents: int | None = None
    rollover: tuple[int, int] | None = None  # (max_hours, expires_after_months)
    rush: tuple[str, bool] | None = None  # (multiplier, counts_against_retainer)


@dataclass
class Contract:
    contract_id: str
    client_idx: int
    currency: str
    terms: int
    workstreams: list[Workstream] = field(default_factory=list)
    invoice_per: str = "contract"
    po: tuple[str, int, str] | None = None  # (number, limit cents, alert_at); limit set later
    rounding: tuple[int, str] | None = None
    late_fee: tuple[str, int] | None = None
    expenses: tuple[bool, str] | None = None  # (billable, markup)


def _round_to(value: float, step: int) -> int:
    return round(value / step) * step


def _workstream(p: Project, rng: np.random.Generator) -> Workstream:
    ws = Workstream(p.idx, p.billing or "")
    weight = sum(f for _, f in p.staff)
    if p.billing == "fixed_fee":
        ws.fee_cents = _round_to(weight * 150 * 175 * rng.uniform(4, 8), 1000) * 100
    elif p.billing == "milestone":
        ws.bill_on = "accepted"
    elif p.billing == "retainer":
        ws.monthly_fee_cents = _round_to(weight * 180 * 40 * rng.uniform(0.8, 1.2), 500) * 100
        ws.included_hours = _round_to(weight * 160, 5)
        ws.overage_cents = _round_to(185 * rng.uniform(0.9, 1.1), 5) * 100
    return ws


def _core_terms(c: Contract, projects: list[Project]) -> None:
    """The special terms of the hand-built contracts (see docs/demo_firm.md)."""
    ws = {w.project_idx + 1: w for w in c.workstreams}
    if core.TIERED in ws:
        c.invoice_per, c.expenses = "project", (True, "0.10")
        ws[core.TIERED].tiers = ((0, "0"), (100, "0.10"))
    if core.RETAINER_RUSH in ws:
        w = ws[core.RETAINER_RUSH]
        w.monthly_fee_cents, w.included_hours, w.overage_cents = 800000, 40, 18500
        w.rollover, w.rush = (20, 2), ("1.5", False)
    if core.CAPPED in ws:
        c.expenses = (True, "0")
        ws[core.CAPPED].cap_cents = 0  # set from the generated time so it is just exceeded
    if core.HYBRID_FIXED in ws:
        ws[core.HYBRID_FIXED].fee_cents = 3000000
    if core.PO_PROJECT in ws:
        c.po, c.late_fee, c.expenses = ("PO-4471", 0, "0.8"), ("0.015", 5), (True, "0")
    if core.ROUNDED_ENDED in ws:
        c.rounding = (6, "up")
    if core.BURNING in ws:
        ws[core.BURNING].fee_cents = 9000000
    if 12 in ws:
        ws[12].fee_cents = 4800000
    if 16 in ws:
        w = ws[16]
        w.monthly_fee_cents, w.included_hours, w.overage_cents = 600000, 40, 16500


def build_contracts(
    clients: list[Client], projects: list[Project], rng: np.random.Generator
) -> list[Contract]:
    by_id: dict[str, Contract] = {}
    for p in projects:
        if p.contract_id is None:
            continue
        client = clients[p.client_idx]
        c = by_id.setdefault(
            p.contract_id, Contract(p.contract_id, client.idx, client.currency, client.terms)
        )
        c.workstreams.append(_workstream(p, rng))
    contracts = [by_id[k] for k in sorted(by_id, key=lambda s: int(s[2:]))]
    for c in contracts:
        if int(c.contract_id[2:]) <= 114:
            _core_terms(c, projects)
        elif rng.random() < 0.5:
            c.expenses = (True, "0")
    return contracts


def contract_yaml(c: Contract, clients: list[Client], projects: list[Project]) -> dict:
    out: dict = {
        "contract_id": c.contract_id,
        "client_id": clients[c.client_idx].client_id,
        "currency": c.currency,
        "payment_terms_days": c.terms,
    }
    if c.po:
        out["po"] = {"number": c.po[0], "limit": cents_str(c.po[1]), "alert_at": float(c.po[2])}
    if c.rounding:
        out["rounding"] = {"increment_minutes": c.rounding[0], "mode": c.rounding[1]}
    if c.late_fee:
        out["late_fee"] = {"monthly_rate": c.late_fee[0], "grace_days": c.late_fee[1]}
    if c.expenses:
        out["expenses"] = {"billable": c.expenses[0], "markup": c.expenses[1]}
    out["invoice_per"] = c.invoice_per
    out["workstreams"] = [_ws_yaml(w, projects) for w in c.workstreams]
    return out


def _ws_yaml(w: Workstream, projects: list[Project]) -> dict:
    out: dict = {"project_id": projects[w.project_idx].project_id, "billing": w.billing}
    if w.fee_cents is not None:
        out["fee"] = cents_str(w.fee_cents)
    if w.bill_on:
        out["bill_on"] = w.bill_on
    if w.tiers:
        out["tiers"] = [{"from_hours": h, "discount": d} for h, d in w.tiers]
    if w.cap_cents is not None:
        out["cap"] = {"amount": cents_str(w.cap_cents), "scope": w.cap_scope}
    if w.monthly_fee_cents is not None:
        out["monthly_fee"] = cents_str(w.monthly_fee_cents)
        out["included_hours"] = w.included_hours
        out["overage_rate"] = cents_str(w.overage_cents)
    if w.rollover:
        out["rollover"] = {"max_hours": w.rollover[0], "expires_after_months": w.rollover[1]}
    if w.rush:
        out["rush"] = {"multiplier": w.rush[0], "counts_against_retainer": w.rush[1]}
    return out


@dataclass(frozen=True)
class RateRow:
    contract_id: str
    rate_cents: int
    effective_from: dt.date
    project_id: str | None = None
    person_id: str | None = None
    role: str | None = None
    effective_to: dt.date | None = None
    currency: str | None = None


def _price(base: int, mult: float, currency: str) -> int:
    return _round_to(base * mult * FX_DISCOUNT[currency], 5) * 100


def build_rates(
    cfg: DemoConfig,
    contracts: list[Contract],
    projects: list[Project],
    staff: dict[int, list[int]],
    people: list[Person],
    rng: np.random.Generator,
) -> list[RateRow]:
    since = dt.date(cfg.start_month.year - 2, 1, 1)
    rows: list[RateRow] = []
    for c in contracts:
        mult, cur = rng.uniform(0.9, 1.15), c.currency
        rows.append(RateRow(c.contract_id, _price(175, mult, cur), since, currency=cur))
        if c.contract_id == "C-104":
            rows += _hybrid_rates(c, since, projects)
            continue
        rows += [
            RateRow(c.contract_id, _price(ROLE_RATE[r], mult, cur), since, role=r, currency=cur)
            for r in ROLES
        ]
        if c.contract_id == "C-101":
            rows += _negotiated_rates(c, since, projects, staff, people)
        if c.contract_id == "C-103":
            rows = _rate_change(cfg, rows, c)
    return rows


def _hybrid_rates(c: Contract, since: dt.date, projects: list[Project]) -> list[RateRow]:
    tm = projects[core.HYBRID_TM - 1].project_id
    return [
        RateRow(c.contract_id, 18500, since, project_id=tm, currency=c.currency),
        RateRow(
            c.contract_id, 16000, since, project_id=tm, role="Project Manager", currency=c.currency
        ),
    ]


def _negotiated_rates(
    c: Contract,
    since: dt.date,
    projects: list[Project],
    staff: dict[int, list[int]],
    people: list[Person],
) -> list[RateRow]:
    p4 = projects[core.TIERED - 1]
    team = [people[i] for i in staff.get(p4.idx, [])]
    eng = next(p for p in team if p.team == "Engineering")
    pm = next(p for p in team if p.team == "Delivery")
    return [
        RateRow(
            c.contract_id,
            21000,
            since,
            project_id=p4.project_id,
            person_id=eng.person_id,
            currency=c.currency,
        ),
        RateRow(c.contract_id, 15000, since, person_id=pm.person_id, currency=c.currency),
    ]


def rate_change_date(cfg: DemoConfig) -> dt.date:
    """Mid-month, so one invoice period is split between the old and the new rate."""
    m = cfg.month_start(cfg.month_at(0.5))
    return dt.date(m.year, m.month, 15)


def _rate_change(cfg: DemoConfig, rows: list[RateRow], c: Contract) -> list[RateRow]:
    change = rate_change_date(cfg)
    out = []
    for r in rows:
        if r.contract_id == c.contract_id and r.role == "Engineer":
            out.append(
                RateRow(
                    r.contract_id,
                    r.rate_cents,
                    r.effective_from,
                    role=r.role,
                    effective_to=change - dt.timedelta(days=1),
                    currency=r.currency,
                )
            )
            out.append(
                RateRow(
                    r.contract_id, r.rate_cents + 1500, change, role=r.role, currency=r.currency
                )
            )
        else:
            out.append(r)
    return out
