"""Master-data CSV frames (clients to time off) with exactly the contract's columns, as strings."""

from __future__ import annotations

import polars as pl

from etl.contract import ENTITIES

from .catalog import Client, Project, sow_table
from .contracts import RateRow
from .core import NON_BILLABLE_SOW, SOW
from .dates import from_int, iso
from .milestones import Milestone
from .money import cents_str, hours_str
from .people import Person
from .timeoff import TimeOff

Budgets = dict[int, tuple[int | None, int | None]]  # project -> (centihours, cents)


def frame(rows: list[dict], entity: str) -> pl.DataFrame:
    """All-string frame in the column order of etl/contract.py (missing keys are empty)."""
    columns = ENTITIES[entity].column_names
    return pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in columns}, schema=dict.fromkeys(columns, pl.String)
    )


def flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def clients_frame(clients: list[Client]) -> pl.DataFrame:
    rows = [
        {
            "client_id": c.client_id,
            "name": c.name,
            "currency": c.currency,
            "payment_terms_days": str(c.terms),
            "tax_rate": c.tax_rate,
            "billing_email": c.email,
            "status": c.status,
        }
        for c in clients
    ]
    return frame(rows, "clients")


def people_frame(people: list[Person]) -> pl.DataFrame:
    def manager(p: Person) -> str | None:
        return people[p.manager_idx].person_id if p.manager_idx is not None else None

    rows = [
        {
            "person_id": p.person_id,
            "name": p.name,
            "role": p.role,
            "email": p.email,
            "team": p.team,
            "manager_id": manager(p),
            "employment": p.employment,
            "weekly_capacity_hours": str(p.capacity),
            "cost_rate": cents_str(p.cost_cents),
            "target_utilization": p.target_util,
            "start_date": iso(p.start),
            "end_date": iso(p.end),
        }
        for p in people
    ]
    return frame(rows, "people")


def projects_frame(
    projects: list[Project], clients: list[Client], managers: dict[int, str], budgets: Budgets
) -> pl.DataFrame:
    rows = []
    for p in projects:
        hours, amount = budgets.get(p.idx, (None, None))
        client = clients[p.client_idx].client_id if p.client_idx is not None else None
        rows.append(
            {
                "project_id": p.project_id,
                "name": p.name,
                "client_id": client,
                "code": p.code,
                "contract_id": p.contract_id,
                "status": p.status,
                "budget_hours": hours_str(hours) if hours else None,
                "budget_amount": cents_str(amount) if amount else None,
                "start_date": iso(p.start),
                "end_date": iso(p.end),
                "manager_id": managers.get(p.idx),
            }
        )
    return frame(rows, "projects")


def sow_frame(projects: list[Project]) -> pl.DataFrame:
    rows = [
        {
            "sow_line_id": f"S-{projects[pi].number}-{code}",
            "project_id": projects[pi].project_id,
            "code": code,
            "description": SOW[code][0],
            "billable": flag(code not in NON_BILLABLE_SOW),
            "phase": SOW[code][1],
        }
        for pi, code in sow_table(projects)
    ]
    return frame(rows, "sow_lines")


def rates_frame(rates: list[RateRow]) -> pl.DataFrame:
    rows = [
        {
            "contract_id": r.contract_id,
            "rate": cents_str(r.rate_cents),
            "effective_from": iso(r.effective_from),
            "project_id": r.project_id,
            "person_id": r.person_id,
            "role": r.role,
            "effective_to": iso(r.effective_to),
            "currency": r.currency,
        }
        for r in rates
    ]
    return frame(rows, "rates")


def milestones_frame(
    milestones: list[Milestone], projects: list[Project], budgets: Budgets
) -> pl.DataFrame:
    rows = []
    for m in milestones:
        hours = budgets.get(m.project_idx, (None, None))[0]
        planned = round(hours * m.planned_share / 100) * 100 if hours else None
        rows.append(
            {
                "milestone_id": m.milestone_id,
                "project_id": projects[m.project_idx].project_id,
                "name": m.name,
                "amount": cents_str(m.cents),
                "due_date": iso(m.due),
                "status": m.status,
                "completed_on": iso(m.completed_on),
                "accepted_on": iso(m.accepted_on),
                "planned_hours": hours_str(planned) if planned else None,
                "invoice_id": m.invoice_id,
            }
        )
    return frame(rows, "milestones")


def time_off_frame(rows: list[TimeOff], people: list[Person]) -> pl.DataFrame:
    ordered = sorted(rows, key=lambda t: (t.day, t.person_idx, t.kind))
    out = [
        {
            "person_id": people[t.person_idx].person_id,
            "date": iso(from_int(t.day)),
            "hours": hours_str(t.centihours),
            "kind": t.kind,
        }
        for t in ordered
    ]
    return frame(out, "time_off")
