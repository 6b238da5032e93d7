"""Rule 4, time and materials: lines by (project, person, rate, work type), rush multiplier,
graduated volume tiers and a not-to-exceed cap, each reduction its own negative line."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from billing.model import BillableEntry, BillingException, Contract, Line, Workstream
from core.money import ZERO, cents, money_text, percent_text, price_text

ONE = Decimal(1)


def multiplier(ws: Workstream, entry: BillableEntry) -> Decimal:
    """Rush entries use the workstream's rush multiplier; without a rush block, 1×."""
    return ws.rush_multiplier if entry.is_rush and ws.rush_multiplier else ONE


def hours_text(hours: Decimal) -> str:
    text = f"{hours:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def rate_exceptions(contract: Contract, entries: list[BillableEntry]) -> list[BillingException]:
    """Entries the rate card cannot price: named, never dropped silently."""
    out = []
    for e in entries:
        if e.rate_problem == "missing_rate":
            detail = f"contract {contract.contract_id}: no rate-card row covers {e.person_id}"
        elif e.rate_problem == "ambiguous_rate":
            detail = (
                f"contract {contract.contract_id}: overlapping rate-card rows for {e.person_id}"
            )
        else:
            continue
        detail += f" ({e.role or 'no role'}) on {e.project_id}, {e.date}; {e.hours} h not billed"
        out.append(BillingException(e.rate_problem, e.entry_id, detail))
    return out


def time_lines(ws: Workstream, entries: list[BillableEntry], names: dict[str, str]) -> list[Line]:
    """One line per (person, rate, work type); amount = rounded hours × rate × multiplier."""
    groups: dict[tuple, list[BillableEntry]] = defaultdict(list)
    for e in entries:
        groups[(e.person_id, e.rate, e.work_type)].append(e)
    lines = []
    for (person, rate, work_type), group in sorted(groups.items(), key=lambda kv: kv[0]):
        hours = sum((e.rounded_hours for e in group), ZERO)
        price = rate * multiplier(ws, group[0])
        label = names.get(person, person)
        if work_type == "rush":
            mult = multiplier(ws, group[0]).normalize()
            text = (
                f"{label}, rush: {hours_text(hours)} h at {price_text(price)} "
                f"({mult:f} × {price_text(rate)})"
            )
        else:
            text = f"{label}: {hours_text(hours)} h at {price_text(rate)}"
        logged = sum((e.hours for e in group), ZERO)
        if logged != hours:  # rule 3: show raw and rounded hours
            text += f" ({hours_text(logged)} h logged, rounded per entry)"
        lines.append(
            Line(
                "rush" if work_type == "rush" else "time",
                ws.project_id,
                text,
                hours,
                price,
                hours * price,
                [e.entry_id for e in group],
                person,
            )
        )
    return lines


def _band_hours(tiers, start: Decimal, hours: Decimal) -> list[tuple[int, Decimal]]:
    """How many of the hours from cumulative `start` fall in each tier band."""
    out = []
    for i, (low, _discount) in enumerate(tiers):
        high = tiers[i + 1][0] if i + 1 < len(tiers) else None
        a = max(start, low)
        b = start + hours if high is None else min(start + hours, high)
        if b > a:
            out.append((i, b - a))
    return out


def discount_lines(ws: Workstream, entries: list[BillableEntry]) -> list[Line]:
    """Graduated tiers over the period's rounded hours in (date, entry_id) order."""
    if not ws.tiers:
        return []
    value: dict[int, Decimal] = defaultdict(lambda: ZERO)
    hours_in: dict[int, Decimal] = defaultdict(lambda: ZERO)
    sources: dict[int, list[str]] = defaultdict(list)
    cumulative = ZERO
    for e in sorted(entries, key=lambda e: (e.date, e.entry_id)):
        for band, hours in _band_hours(ws.tiers, cumulative, e.rounded_hours):
            value[band] += hours * e.rate * multiplier(ws, e)
            hours_in[band] += hours
            sources[band].append(e.entry_id)
        cumulative += e.rounded_hours
    lines = []
    for band, (low, discount) in enumerate(ws.tiers):
        if discount > 0 and hours_in[band] > 0:
            text = (
                f"Volume discount {percent_text(discount)} on {hours_text(hours_in[band])} h "
                f"beyond {hours_text(low)} h"
            )
            amount = -cents(value[band] * discount)
            lines.append(
                Line(
                    "discount",
                    ws.project_id,
                    text,
                    hours_in[band],
                    -discount,
                    amount,
                    sources[band],
                )
            )
    return lines


def cap_adjustment(
    contract: Contract, ws: Workstream, lines: list[Line], billed_before: Decimal
) -> tuple[list[Line], list[BillingException]]:
    """A not-to-exceed cap on time value after discounts. `billed_before` is what invoices
    already bill against it (time_billed_before.sql): scope contract, every earlier non-void
    invoice of the project; scope period, the invoices billing this same period (an imported
    invoice may bill part of the month's work). The excess is not billed and raises over_cap."""
    if ws.cap_amount is None:
        return [], []
    value = sum((line.amount for line in lines), ZERO)
    earlier = billed_before
    room = max(ws.cap_amount - earlier, ZERO)
    if value <= room:
        return [], []
    excess = value - room
    sources = [s for line in lines if line.kind in ("time", "rush") for s in line.sources]
    cap, over = money_text(ws.cap_amount), money_text(excess)
    text = f"Not-to-exceed cap {cap} reached: {over} of time not billed"
    detail = (
        f"contract {contract.contract_id}, project {ws.project_id}: time value "
        f"{money_text(value)} this period, {money_text(earlier)} billed earlier, cap {cap} "
        f"({ws.cap_scope}); {over} over the cap is not billed"
    )
    line = Line("cap_adjustment", ws.project_id, text, ONE, -excess, -excess, sources)
    return [line], [BillingException("over_cap", contract.contract_id, detail)]


def tm_lines(
    contract: Contract,
    ws: Workstream,
    entries: list[BillableEntry],
    billed_before: Decimal,
    names: dict[str, str],
) -> tuple[list[Line], list[BillingException]]:
    """All lines of one T&M workstream for the period, and its exceptions."""
    exceptions = rate_exceptions(contract, entries)
    priced = [e for e in entries if e.rate is not None and e.rate_problem is None]
    lines = time_lines(ws, priced, names) + discount_lines(ws, priced)
    cap_lines, cap_exceptions = cap_adjustment(contract, ws, lines, billed_before)
    return lines + cap_lines, exceptions + cap_exceptions
