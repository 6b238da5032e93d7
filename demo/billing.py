"""Runs the historical invoice run over the generated time, milestones and expenses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from .catalog import Client, Project
from .config import DemoConfig
from .contracts import Contract, RateRow, Workstream
from .dates import from_int, to_int
from .entries import period_of
from .expenses import Expense
from .fx import FxTable
from .invoicing import (
    Invoice,
    Line,
    assemble,
    inv_key,
    issue_date,
    key_expr,
    retainer_line_objects,
    split_parts,
    time_line_objects,
)
from .milestones import Milestone
from .money import to_cents
from .people import Person
from .pricing import rates_frame, resolve_rates, retainer_months, rounded, tier_discounts, tm_lines


@dataclass
class BillingInput:
    cfg: DemoConfig
    entries: pl.DataFrame
    people: list[Person]
    clients: list[Client]
    projects: list[Project]
    contracts: list[Contract]
    rates: list[RateRow]
    milestones: list[Milestone]
    expenses: list[Expense]
    fx: FxTable

    def workstreams(self) -> dict[int, tuple[Contract, Workstream]]:
        return {w.project_idx: (c, w) for c in self.contracts for w in c.workstreams}


def _ws_frame(b: BillingInput) -> pl.DataFrame:
    ws = b.workstreams()
    keys = sorted(ws)
    return pl.DataFrame(
        {
            "proj": keys,
            "contract_id": [ws[k][0].contract_id for k in keys],
            "billing": [ws[k][1].billing for k in keys],
            "per_project": [ws[k][0].invoice_per == "project" for k in keys],
        },
        schema_overrides={"proj": pl.Int64},
    )


def enrich(b: BillingInput, df: pl.DataFrame) -> pl.DataFrame:
    """Adds eid, contract, billing type, ids and role: what pricing needs per entry."""
    people = pl.DataFrame(
        {
            "pidx": [p.idx for p in b.people],
            "person_id": [p.person_id for p in b.people],
            "role": [p.role for p in b.people],
        },
        schema_overrides={"pidx": pl.Int64},
    )
    projects = pl.DataFrame(
        {"proj": [p.idx for p in b.projects], "project_id": [p.project_id for p in b.projects]},
        schema_overrides={"proj": pl.Int64},
    )
    return (
        df.with_row_index("eid")
        .join(_ws_frame(b), on="proj", how="inner")
        .join(projects, on="proj")
        .join(people, on="pidx")
        .with_columns(
            work_type=pl.when(pl.col("rush")).then(pl.lit("rush")).otherwise(pl.lit("standard")),
            inv_key=key_expr("contract_id", pl.col("per_project")),
        )
    )


def eligible(b: BillingInput) -> pl.DataFrame:
    df = b.entries.filter(
        pl.col("approved")
        & pl.col("billable_true")
        & ~pl.col("no_bill")
        & (pl.col("period") < b.cfg.months - 1)
    )
    return enrich(b, df)


def price_tm(b: BillingInput, df: pl.DataFrame) -> pl.DataFrame:
    tm = df.filter(pl.col("billing") == "time_and_materials")
    return resolve_rates(rounded(tm, b.contracts), rates_frame(b.rates))


def _tm(b: BillingInput, el: pl.DataFrame) -> tuple[list[Line], pl.DataFrame]:
    tm = price_tm(b, el)
    lines = time_line_objects(tm_lines(tm), b.people, b.projects)
    for c, w in b.workstreams().values():
        for key, hours, cents, lo, disc in tier_discounts(tm, w) if w.tiers else []:
            proj = b.projects[w.project_idx]
            lines.append(
                Line(
                    key,
                    "discount",
                    f"{proj.name}: volume discount {disc} on hours above {lo}",
                    cents,
                    hours,
                    None,
                    proj.project_id,
                    None,
                    None,
                    (proj.number,),
                )
            )
    return lines, tm.select("entry_id", "inv_key")


def _retainers(b: BillingInput, el: pl.DataFrame) -> tuple[list[Line], pl.DataFrame]:
    rt = el.filter(pl.col("billing") == "retainer").sort("proj", "period", "day", "entry_id")
    rt = rt.with_columns(end=pl.col("cent").cum_sum().over("proj", "period", "rush"))
    std = rt.filter(~pl.col("rush")).group_by("proj", "period").agg(pl.col("cent").sum())
    std_by: dict[int, dict[int, int]] = {}
    for proj, period, cent in std.iter_rows():
        std_by.setdefault(proj, {})[period] = cent
    months, allow = {}, []
    for proj_idx, (c, w) in sorted(b.workstreams().items()):
        if w.billing == "retainer":
            for m, month in retainer_months(
                w, std_by.get(proj_idx, {}), list(range(b.cfg.months - 1))
            ).items():
                months[(proj_idx, m)] = month
                allow.append((proj_idx, m, month.allowance))
    allowance = pl.DataFrame(
        allow, schema={"proj": pl.Int64, "period": pl.Int64, "allowance": pl.Int64}, orient="row"
    )
    rt = rt.join(allowance, on=["proj", "period"]).with_columns(
        line=pl.when(pl.col("rush"))
        .then(pl.lit("rush"))
        .when(pl.col("end") <= pl.col("allowance"))
        .then(pl.lit("fee"))
        .otherwise(pl.lit("overage"))
    )
    grouped = rt.group_by("proj", "period", "line").agg(
        ids=pl.col("entry_id").sort().str.join(";"), cent=pl.col("cent").sum()
    )
    found = {(p, m, ln): (ids, cent) for p, m, ln, ids, cent in grouped.iter_rows()}
    lines = []
    for (proj_idx, m), month in sorted(months.items()):
        c, w = b.workstreams()[proj_idx]
        ids = {k: found.get((proj_idx, m, k), (None, 0))[0] for k in ("fee", "overage", "rush")}
        rush = found.get((proj_idx, m, "rush"), (None, 0))[1]
        lines += retainer_line_objects(
            inv_key(c, m, w, b.projects), w, b.projects[proj_idx], month, ids, rush
        )
    return lines, rt.select("entry_id", "inv_key")


def _period(cfg: DemoConfig, day: dt.date) -> int:
    return int(period_of(cfg, np.array([to_int(day)]))[0])


def _fixed_fees(b: BillingInput) -> list[Line]:
    """A completed fixed-fee project bills its fee in the period of its end date."""
    lines = []
    for proj_idx, (c, w) in sorted(b.workstreams().items()):
        p = b.projects[proj_idx]
        if w.billing == "fixed_fee" and p.status == "completed" and p.end:
            period = _period(b.cfg, p.end)
            if 0 <= period <= b.cfg.months - 2:
                key = inv_key(c, period, w, b.projects)
                lines.append(
                    Line(
                        key,
                        "fixed_fee",
                        f"{p.name}: fixed fee",
                        w.fee_cents,
                        project_id=p.project_id,
                        sort=(p.number,),
                    )
                )
    return lines


def _milestones(b: BillingInput) -> list[Line]:
    """Each milestone bills its amount once, in the period it reached bill_on."""
    lines = []
    for ms in b.milestones:
        c, w = b.workstreams()[ms.project_idx]
        when = ms.accepted_on if w.bill_on == "accepted" else ms.completed_on
        if w.billing != "milestone" or when is None:
            continue
        period = _period(b.cfg, when)
        if 0 <= period <= b.cfg.months - 2:
            key = inv_key(c, period, w, b.projects)
            ms.invoice_id = key  # replaced by the invoice id after assembly
            p = b.projects[ms.project_idx]
            desc = f"{p.name}: milestone {ms.name}"
            lines.append(
                Line(
                    key,
                    "milestone",
                    desc,
                    ms.cents,
                    project_id=p.project_id,
                    sort=(p.number, ms.milestone_id),
                )
            )
    return lines


def _expense_lines(b: BillingInput) -> tuple[list[Line], dict[str, str]]:
    ws = b.workstreams()
    lines, billed = [], {}
    for e in b.expenses:
        if not e.billable or e.approved_min is None:
            continue
        period = _period(b.cfg, from_int(e.day))
        if period > b.cfg.months - 2 or e.approved_min > to_int(issue_date(b.cfg, period)) * 1440:
            continue
        parts = split_parts(e.cents, e.split) if e.split else [(e.project_idx, e.cents)]
        for proj_idx, cents in parts:
            c, w = ws[proj_idx]
            if not (c.expenses and c.expenses[0]):
                continue
            markup = Decimal(1) + Decimal(c.expenses[1])
            fx = b.fx.rate(e.currency, e.day) / b.fx.rate(c.currency, e.day)
            amount = to_cents(Decimal(cents) / 100 * markup * fx)
            key = inv_key(c, period, w, b.projects)
            share = f" ({dict(e.split)[proj_idx]}% share)" if e.split else ""
            p = b.projects[proj_idx]
            lines.append(
                Line(
                    key,
                    "expense",
                    f"{e.expense_id} {e.description}{share}",
                    amount,
                    None,
                    None,
                    p.project_id,
                    b.people[e.pidx].person_id,
                    None,
                    (p.number, e.expense_id),
                )
            )
            billed[e.expense_id] = key
    return lines, billed


def run_billing(b: BillingInput) -> tuple[list[Invoice], pl.DataFrame, dict[str, str]]:
    """Invoices, entry_id -> invoice_id, expense_id -> invoice_id."""
    el = eligible(b)
    tm_lines_, tm_map = _tm(b, el)
    rt_lines, rt_map = _retainers(b, el)
    exp_lines, exp_keys = _expense_lines(b)
    lines = tm_lines_ + rt_lines + _fixed_fees(b) + _milestones(b) + exp_lines
    invoices = assemble(b.cfg, lines, {c.contract_id: c for c in b.contracts}, b.clients)
    ids = {inv.inv_key: inv.invoice_id for inv in invoices}
    for ms in b.milestones:
        ms.invoice_id = ids.get(ms.invoice_id) if ms.invoice_id else None
    keymap = pl.DataFrame(
        {"inv_key": list(ids), "invoice_id": list(ids.values())},
        schema={"inv_key": pl.String, "invoice_id": pl.String},
    )
    entry_map = (
        pl.concat([tm_map, rt_map]).join(keymap, on="inv_key").select("entry_id", "invoice_id")
    )
    return invoices, entry_map, {e: ids[k] for e, k in exp_keys.items()}
