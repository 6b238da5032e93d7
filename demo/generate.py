"""The generation pipeline: one seeded run from people to payments, kept in memory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from . import ledger, manifest, planted, tables
from .billing import BillingInput, run_billing
from .catalog import Client, Project, build_catalog
from .config import DemoConfig, make_config, rng_streams
from .contracts import build_contracts, build_rates, contract_yaml
from .entries import decorate
from .events import build_events
from .expenses import build_expenses
from .fx import build_fx
from .invoicing import Invoice
from .milestones import build_milestones
from .names import FIRM_NAME
from .people import Person, build_people
from .plan import Plan, build_plan
from .receivables import Payment, build_payments
from .staffing import Staffing, build_staffing
from .timeoff import TimeOff, build_time_off
from .timesheets import generate_entries
from .workflow import add_workflow


@dataclass
class DemoFirm:
    cfg: DemoConfig
    tables: dict[str, pl.DataFrame]  # CSV file name -> string columns in contract order
    firm: dict
    contracts: dict
    manifest: dict  # every planted problem with its ids (docs/demo_firm.md)
    truth: pl.DataFrame | None = None  # every entry's real labels (ledger.truth_frame)


@dataclass
class _World:
    """Everything generated before the invoice run."""

    cfg: DemoConfig
    rng: dict[str, np.random.Generator]
    people: list[Person]
    clients: list[Client]
    projects: list[Project]
    staffing: Staffing
    plan: Plan
    time_off: list[TimeOff]
    billing: BillingInput


def firm_yaml() -> dict:
    return {
        "name": FIRM_NAME,
        "base_currency": "USD",
        "timezone": "America/New_York",
        "week_starts": "mon",
        "timesheet_deadline": "mon 12:00",
        "holidays_country": "US",
    }


def _world(cfg: DemoConfig) -> _World:
    rng = rng_streams(cfg.seed)
    people = build_people(cfg, rng["people"])
    clients, projects = build_catalog(cfg, rng["catalog"])
    st = build_staffing(cfg, people, projects, rng["staffing"])
    contracts = build_contracts(clients, projects, rng["catalog"])
    rates = build_rates(cfg, contracts, projects, st.by_project, people, rng["catalog"])
    plan = build_plan(cfg, people, projects, st)
    time_off = build_time_off(cfg, people, plan.protected(), rng["timeoff"])
    raw = generate_entries(cfg, people, projects, st, time_off, plan, rng["days"])
    df = decorate(cfg, raw, clients, projects, contracts, plan, rng["entries"])
    df = add_workflow(cfg, df, people, plan, rng["workflow"])
    expenses = build_expenses(cfg, people, projects, contracts, st, rng["expenses"])
    expenses = planted.stale_expenses(cfg, expenses, plan)
    milestones = build_milestones(cfg, projects, contracts, rng["billing"])
    fx = build_fx(cfg, rng["fx"])
    b = BillingInput(cfg, df, people, clients, projects, contracts, rates, milestones, expenses, fx)
    return _World(cfg, rng, people, clients, projects, st, plan, time_off, b)


def _managers(w: _World) -> dict[int, str]:
    """Internal projects have fixed owners; client projects are run by their delivery lead."""
    people = w.people
    out = {0: people[18].person_id, 1: people[0].person_id, 2: people[6].person_id}
    for idx, staff in w.staffing.by_project.items():
        team = [people[i] for i in staff]
        lead = next((p for p in team if p.team == "Delivery"), team[0] if team else None)
        if lead:
            out[idx] = lead.person_id
    return out


def _frames(
    w: _World,
    invoices: list[Invoice],
    payments: list[Payment],
    entry_map: pl.DataFrame,
    billed: dict[str, str],
    budgets: tables.Budgets,
    events: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    b = w.billing
    inv_frame, line_frame = ledger.invoice_frames(invoices)
    return {
        "clients.csv": tables.clients_frame(w.clients),
        "people.csv": tables.people_frame(w.people),
        "projects.csv": tables.projects_frame(w.projects, w.clients, _managers(w), budgets),
        "sow_lines.csv": tables.sow_frame(w.projects),
        "rates.csv": tables.rates_frame(b.rates),
        "time_entries.csv": ledger.entries_frame(b.entries, w.people, w.projects, entry_map),
        "expenses.csv": ledger.expenses_frame(b.expenses, w.people, w.projects, billed),
        "milestones.csv": tables.milestones_frame(b.milestones, w.projects, budgets),
        "invoices.csv": inv_frame,
        "invoice_lines.csv": line_frame,
        "payments.csv": ledger.payments_frame(payments),
        "calendar_events.csv": events,
        "time_off.csv": tables.time_off_frame(w.time_off, w.people),
        "fx_rates.csv": b.fx.frame(),
    }


def generate(
    seed: int = 7,
    people: int = 24,
    months: int | None = None,
    end_month: dt.date | None = None,
    as_of: dt.date | None = None,
) -> DemoFirm:
    """The whole demo firm in memory: CSV frames, firm.yaml, contracts.yaml and the manifest,
    as the firm's books stood on `as_of` (config.make_config has the anchor rule)."""
    w = _world(make_config(seed, people, months, end_month, as_of))
    cfg, b, rng = w.cfg, w.billing, w.rng
    invoices, entry_map, billed = run_billing(b)
    for inv in invoices:
        inv.sent_min = 9 * 60 + int(rng["billing"].integers(0, 150))
    cap = planted.set_cap(b, invoices, entry_map, w.plan)
    planted.set_po_limit(b, invoices, w.plan)
    budgets = planted.budgets(cfg, b, b.milestones, cap, rng["planted"], w.plan)
    post_end = entry_map.join(b.entries.filter("post_end").select("entry_id"), on="entry_id")
    first = post_end["invoice_id"][0] if post_end.height else None
    invoices, payments = build_payments(cfg, invoices, first, rng["payments"])
    events = build_events(cfg, b.entries, w.people, w.clients, w.projects, w.plan, rng["calendar"])
    frames = _frames(w, invoices, payments, entry_map, billed, budgets, events)
    contracts = {"contracts": [contract_yaml(c, w.clients, w.projects) for c in b.contracts]}
    info = manifest.manifest(cfg, b.entries, w.people, w.projects, w.plan, events, entry_map)
    info.update(manifest.receivables_manifest(cfg, invoices, payments))
    truth = ledger.truth_frame(b.entries, w.projects)
    return DemoFirm(cfg, frames, firm_yaml(), contracts, info, truth)
