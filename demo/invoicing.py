"""Historical invoices: every closed month before the last, per contract (or per project)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from .catalog import Client, Project
from .config import DemoConfig
from .contracts import Contract, Workstream
from .dates import add_months, month_end, next_business_day
from .money import div_half_up, to_cents
from .people import Person
from .pricing import RetainerMonth

KIND_ORDER = (
    "retainer_fee",
    "fixed_fee",
    "milestone",
    "time",
    "rush",
    "overage",
    "discount",
    "cap_adjustment",
    "expense",
    "credit",
)


@dataclass
class Line:
    inv_key: str
    kind: str
    description: str
    amount: int  # cents
    quantity: int | None = None  # centihours
    unit_price: Decimal | None = None
    project_id: str | None = None
    person_id: str | None = None
    entry_ids: str | None = None
    sort: tuple = ()
    line_no: int = 0


@dataclass
class Invoice:
    inv_key: str
    contract: Contract
    client: Client
    period: int
    issue: dt.date
    due: dt.date
    lines: list[Line] = field(default_factory=list)
    invoice_id: str = ""
    number: str = ""
    sent_min: int = 0
    subtotal: int = 0
    tax: int = 0
    total: int = 0
    status: str = "sent"
    kind: str = "invoice"
    credits: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None


def issue_date(cfg: DemoConfig, period: int) -> dt.date:
    """Invoices go out on the 10th (next business day) after the month's timesheets are approved."""
    nxt = add_months(cfg.month_start(period), 1)
    return next_business_day(dt.date(nxt.year, nxt.month, 10))


def inv_key(c: Contract, period: int, ws: Workstream, projects: list[Project]) -> str:
    proj = projects[ws.project_idx].project_id if c.invoice_per == "project" else ""
    return f"{c.contract_id}|{period:03d}|{proj}"


def key_expr(contract_col: str, per_project: pl.Expr) -> pl.Expr:
    pad = pl.col("period").cast(pl.String).str.zfill(3)
    return (
        pl.col(contract_col)
        + "|"
        + pad
        + "|"
        + pl.when(per_project).then(pl.col("project_id")).otherwise(pl.lit(""))
    )


def time_line_objects(
    lines: pl.DataFrame, people: list[Person], projects: list[Project]
) -> list[Line]:
    out = []
    for key, proj, pid, pidx, person_id, rate, work, qty, ids, amount in lines.iter_rows():
        p = people[pidx]
        kind = "rush" if work == "rush" else "time"
        desc = f"{projects[proj].name}: {p.name}, {p.role}" + (" (rush)" if kind == "rush" else "")
        out.append(
            Line(
                key,
                kind,
                desc,
                amount,
                qty,
                Decimal(rate) / 100,
                pid,
                person_id,
                ids,
                (projects[proj].number, person_id, rate),
            )
        )
    return out


def retainer_line_objects(
    key: str,
    ws: Workstream,
    proj: Project,
    month: RetainerMonth,
    ids: dict[str, str | None],
    rush_cent: int,
) -> list[Line]:
    """The fee line (entries drawn on the allowance), then overage and rush lines when due."""
    common = {"inv_key": key, "project_id": proj.project_id, "sort": (proj.number,)}
    desc = f"{proj.name}: monthly retainer ({ws.included_hours} h included)"
    out = [
        Line(
            kind="retainer_fee",
            description=desc,
            amount=ws.monthly_fee_cents,
            quantity=month.allowance or None,
            entry_ids=ids["fee"],
            **common,
        )
    ]
    if month.overage:
        unit = Decimal(ws.overage_cents) / 100
        out.append(
            Line(
                kind="overage",
                description=f"{proj.name}: hours over the retainer",
                amount=to_cents(unit * month.overage / 100),
                quantity=month.overage,
                unit_price=unit,
                entry_ids=ids["overage"],
                **common,
            )
        )
    if rush_cent and ws.rush:
        unit = Decimal(ws.overage_cents) / 100 * Decimal(ws.rush[0])
        out.append(
            Line(
                kind="rush",
                description=f"{proj.name}: rush work x{ws.rush[0]}",
                amount=to_cents(unit * rush_cent / 100),
                quantity=rush_cent,
                unit_price=unit,
                entry_ids=ids["rush"],
                **common,
            )
        )
    return out


def split_parts(cents: int, split: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """(project index, cents) per part; the rounding remainder goes to the largest part."""
    parts = [(p, div_half_up(cents * pct, 100)) for p, pct in split]
    largest = max(range(len(parts)), key=lambda i: (split[i][1], -i))
    p, c = parts[largest]
    parts[largest] = (p, c + cents - sum(c for _, c in parts))
    return parts


def assemble(
    cfg: DemoConfig, lines: list[Line], contracts: dict[str, Contract], clients: list[Client]
) -> list[Invoice]:
    """Groups lines into invoices, numbers them by issue year and computes tax and totals."""
    by_key: dict[str, list[Line]] = {}
    for line in lines:
        by_key.setdefault(line.inv_key, []).append(line)
    order = sorted(
        by_key, key=lambda k: (int(k.split("|")[1]), int(k.split("|")[0][2:]), _proj_num(k))
    )
    invoices, seq = [], {}
    for i, key in enumerate(order, 1):
        cid, period, _ = key.split("|")
        c = contracts[cid]
        issue = issue_date(cfg, int(period))
        inv = Invoice(
            key, c, clients[c.client_idx], int(period), issue, issue + dt.timedelta(days=c.terms)
        )
        seq[issue.year] = seq.get(issue.year, 0) + 1
        inv.invoice_id, inv.number = f"I-{i:05d}", f"INV-{issue.year}-{seq[issue.year]:04d}"
        inv.period_start, inv.period_end = (
            cfg.month_start(int(period)),
            month_end(cfg.month_start(int(period))),
        )
        inv.lines = sorted(
            by_key[key], key=lambda ln: (KIND_ORDER.index(ln.kind), ln.sort, ln.description)
        )
        for n, ln in enumerate(inv.lines, 1):
            ln.line_no = n
        totals(inv)
        invoices.append(inv)
    return invoices


def _proj_num(key: str) -> int:
    proj = key.split("|")[2]
    return int(proj[2:]) if proj else 0


def totals(inv: Invoice) -> None:
    inv.subtotal = sum(ln.amount for ln in inv.lines)
    rate = Decimal(inv.client.tax_rate or "0")
    inv.tax = to_cents(Decimal(inv.subtotal) / 100 * rate)
    inv.total = inv.subtotal + inv.tax
