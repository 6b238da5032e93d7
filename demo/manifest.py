"""The manifest: every planted problem of a generated firm with the exact ids to expect."""

from __future__ import annotations

import polars as pl

from .catalog import Project
from .config import DemoConfig
from .dates import from_int, iso
from .invoicing import Invoice
from .money import hours_str
from .plan import Plan
from .receivables import Payment


def _day(n: int) -> str | None:
    return iso(from_int(n))


def _ids(df: pl.DataFrame, mask: pl.Expr) -> list[str]:
    return df.filter(mask)["entry_id"].sort().to_list()


def _timesheets(plan: Plan, pid: list[str]) -> dict:
    person, week = plan.under
    return {
        "late_timesheets": [{"person_id": pid[p], "week_start": _day(m)} for p, m, _ in plan.late],
        "missing_timesheets": [
            {"person_id": pid[p], "week_start": _day(m)} for p, m in plan.missing
        ],
        "under_reporter": {"person_id": pid[person], "weeks": [_day(m) for m in week]},
        "long_days": [
            {"person_id": pid[p], "date": _day(d), "hours": hours_str(c)}
            for p, d, c in plan.long_days
        ],
        "stale_unapproved_week": {
            "person_id": pid[plan.stale[0]],
            "week_start": _day(plan.stale[1]),
        },
    }


def _meetings(plan: Plan, pid: list[str], events: pl.DataFrame) -> list[dict]:
    out = []
    for p, d, _ in plan.forgot:
        hit = events.filter(
            (pl.col("person_id") == pid[p])
            & pl.col("start").str.starts_with(_day(d))
            & (pl.col("external_attendees") != "0")
        )
        out += [
            {"event_id": e, "person_id": who, "start": s}
            for e, who, s in hit.select("event_id", "person_id", "start").iter_rows()
        ]
    return out


def _billing(
    cfg: DemoConfig,
    df: pl.DataFrame,
    projects: list[Project],
    plan: Plan,
    pid: list[str],
    entry_map: pl.DataFrame,
) -> dict:
    person, proj, _ = plan.post_end
    leak_proj, leak_period = plan.leak
    post_ids = _ids(df, pl.col("post_end"))
    post_inv = entry_map.filter(pl.col("entry_id").is_in(post_ids))["invoice_id"].unique()
    return {
        "unbilled_approved_time": {
            "project_id": projects[leak_proj].project_id,
            "person_id": pid[plan.extra["leak_person"]],
            "period": iso(cfg.month_start(leak_period)),
            "entry_ids": _ids(df, pl.col("no_bill")),
        },
        "fixed_fee_burn": plan.extra["burn"],
        "over_cap": plan.extra["over_cap"],
        "po_near_limit": plan.extra["po"],
        "time_after_end": {
            "project_id": projects[proj].project_id,
            "end_date": iso(projects[proj].end),
            "person_id": pid[person],
            "entry_ids": post_ids,
            "invoice_ids": sorted(post_inv),
        },
        "unapproved_expenses": plan.extra["unapproved_expenses"],
    }


def manifest(
    cfg: DemoConfig,
    df: pl.DataFrame,
    people: list,
    projects: list[Project],
    plan: Plan,
    events: pl.DataFrame,
    entry_map: pl.DataFrame,
) -> dict:
    """Planted time, billing and calendar problems, keyed by problem."""
    pid = [p.person_id for p in people]
    return {
        "as_of": iso(cfg.as_of),
        **_timesheets(plan, pid),
        **_billing(cfg, df, projects, plan, pid, entry_map),
        "meetings_without_time": _meetings(plan, pid, events),
    }


def receivables_manifest(cfg: DemoConfig, invoices: list[Invoice], payments: list[Payment]) -> dict:
    """Receivables: the credit memo, unmatched and late payments, open and overdue invoices."""
    memo = next((i for i in invoices if i.kind == "credit_memo"), None)
    due = {i.invoice_id: i.due for i in invoices}
    paid: dict[str, list[Payment]] = {}
    for p in payments:
        paid.setdefault(p.sort, []).append(p)
    partial = [
        i.invoice_id
        for i in invoices
        if i.kind == "invoice"
        and (len(paid.get(i.invoice_id, [])) > 1 or (paid.get(i.invoice_id) and i.status == "sent"))
    ]
    return {
        "credit_memo": {"invoice_id": memo.invoice_id, "credits_invoice_id": memo.credits}
        if memo
        else None,
        "unmatched_payments": [p.payment_id for p in payments if p.sort == "~unmatched"],
        "overdue_invoices": [
            i.invoice_id
            for i in invoices
            if i.status == "sent" and i.kind == "invoice" and i.due < cfg.as_of
        ],
        "partially_paid_invoices": partial,
        "late_payments": [p.payment_id for p in payments if p.sort in due and p.day > due[p.sort]],
    }
