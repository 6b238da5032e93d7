"""Finishes the planted problems that need generated data: cap, PO limit, budgets."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import polars as pl

from . import core
from .billing import BillingInput, enrich, price_tm
from .catalog import Project
from .config import DemoConfig
from .dates import to_int
from .expenses import Expense
from .invoicing import Invoice
from .milestones import Milestone
from .money import cents_str, hours_str
from .plan import Plan
from .staffing import project_window


def stale_expenses(cfg: DemoConfig, expenses: list[Expense], plan: Plan) -> list[Expense]:
    """Two billable expenses from about three months back that nobody ever approved."""
    picks: list[str] = []
    for back in (4, 3, 5, 6, 2):
        lo, hi = (
            to_int(cfg.month_start(cfg.months - back)),
            to_int(cfg.month_start(cfg.months - back + 1)) - 1,
        )
        picks += [
            e.expense_id for e in expenses if e.billable and lo <= e.day <= hi and not e.split
        ][: 2 - len(picks)]
        if len(picks) == 2:
            break
    plan.extra["unapproved_expenses"] = picks
    return [replace(e, approved_min=None) if e.expense_id in picks else e for e in expenses]


def _time_value(b: BillingInput, df: pl.DataFrame) -> int:
    priced = price_tm(b, enrich(b, df))
    return int(priced.select((pl.col("rcent") * pl.col("rate_cents")).sum()).item() or 0) // 100


def set_cap(b: BillingInput, invoices: list[Invoice], entry_map: pl.DataFrame, plan: Plan) -> int:
    """Cap between billed-to-date and billed + unbilled, so the next draft goes over it."""
    proj = b.projects[core.CAPPED - 1]
    billed = sum(
        ln.amount
        for inv in invoices
        for ln in inv.lines
        if ln.project_id == proj.project_id
        and ln.kind in ("time", "rush", "discount", "cap_adjustment")
    )
    open_time = b.entries.filter((pl.col("proj") == proj.idx) & pl.col("billable_true")).join(
        entry_map, on="entry_id", how="anti"
    )
    unbilled = _time_value(b, open_time)
    cap = max((billed + unbilled * 4 // 10) // 100000 * 100000, billed + 100000)
    for c in b.contracts:
        for w in c.workstreams:
            if w.project_idx == proj.idx:
                w.cap_cents = cap
    plan.extra["over_cap"] = {
        "contract_id": proj.contract_id,
        "project_id": proj.project_id,
        "cap": cents_str(cap),
        "billed_time_value": cents_str(billed),
        "unbilled_time_value": cents_str(unbilled),
    }
    return cap


def set_po_limit(b: BillingInput, invoices: list[Invoice], plan: Plan) -> None:
    """Limit so invoiced-to-date is ~90%: past alert_at (0.8), one more month goes over."""
    c = next(c for c in b.contracts if c.po)
    invoiced = sum(i.total for i in invoices if i.contract is c)
    limit = -(-invoiced * 10 // 9 // 100000) * 100000
    c.po = (c.po[0], limit, c.po[2])
    plan.extra["po"] = {
        "contract_id": c.contract_id,
        "number": c.po[0],
        "limit": cents_str(limit),
        "invoiced_to_date": cents_str(invoiced),
        "alert_at": c.po[2],
    }


def budgets(
    cfg: DemoConfig,
    b: BillingInput,
    milestones: list[Milestone],
    cap: int,
    rng: np.random.Generator,
    plan: Plan,
) -> dict[int, tuple[int | None, int | None]]:
    """Budget hours for fixed-fee and milestone work: on track, except the planted burner."""
    used = dict(b.entries.group_by("proj").agg(pl.col("cent").sum()).iter_rows())
    out: dict[int, tuple[int | None, int | None]] = {core.CAPPED - 1: (None, cap)}
    ms_total: dict[int, int] = {}
    for m in milestones:
        ms_total[m.project_idx] = ms_total.get(m.project_idx, 0) + m.cents
    for c in b.contracts:
        for w in c.workstreams:
            if w.billing in ("fixed_fee", "milestone"):
                hours = _budget_hours(
                    cfg, b.projects[w.project_idx], used.get(w.project_idx, 0), rng
                )
                out[w.project_idx] = (
                    hours,
                    w.fee_cents if w.billing == "fixed_fee" else ms_total.get(w.project_idx),
                )
    burner = b.projects[core.BURNING - 1]
    spent = used.get(burner.idx, 0)
    out[burner.idx] = (-(-spent * 100 // 93 // 500) * 500, out[burner.idx][1])
    plan.extra["burn"] = {
        "project_id": burner.project_id,
        "budget_hours": hours_str(out[burner.idx][0]),
        "used_hours": hours_str(spent),
    }
    return out


def _budget_hours(cfg: DemoConfig, p: Project, used: int, rng: np.random.Generator) -> int:
    first, last = project_window(cfg, p)
    if p.status == "completed":
        return int(used * rng.uniform(1.02, 1.2)) // 500 * 500 + 500
    planned_end = p.end or (cfg.as_of + dt.timedelta(days=120))
    elapsed = max((last - first).days, 30)
    total = max((planned_end - p.start).days, elapsed)
    return int(used / elapsed * total * rng.uniform(1.05, 1.25)) // 500 * 500 + 500
