"""Rule 5, retainers: the monthly fee, the rollover bank, overage and rush (no database)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from decimal import Decimal

from billing.model import BillableEntry, BillingException, Line, Workstream
from billing.period import Period
from core.money import CENT, ZERO, cents

ONE = Decimal(1)

Slice = tuple[BillableEntry, Decimal]  # an entry and the part of its hours a line bills


@dataclass
class RetainerMonth:
    """What one period did to the bank, for evidence and reports."""

    period: Period
    standard_hours: Decimal  # hours that drew on the retainer (see draws_on_retainer)
    from_rollover: Decimal  # drawn from banked lots (oldest first)
    from_allowance: Decimal  # drawn from included_hours
    overage_hours: Decimal
    banked: Decimal  # unused included hours added to the bank this period (after the cap)
    expired: Decimal  # lot hours that expired at the end of this period (reported in its draft)
    forfeited: Decimal  # hours above max_hours dropped
    bank_after: Decimal
    expired_from: list[tuple[Period, Decimal]] = field(default_factory=list)  # (banked in, h)


@dataclass
class _Lot:
    origin: Period  # the month whose unused hours these are
    hours: Decimal


def rush_apart(ws: Workstream) -> bool:
    """Rush hours stay off the allowance only when the contract says so explicitly."""
    return ws.rush_counts_against_retainer is False


def draws_on_retainer(ws: Workstream, entry: BillableEntry) -> bool:
    """Standard hours draw on the bank and allowance; rush hours too unless kept apart.
    The caller's `history` must sum exactly these entries' rounded hours per period."""
    return not (entry.is_rush and rush_apart(ws))


def _rolls_over(ws: Workstream) -> bool:
    # An empty rollover block loads as two nulls, the same as none. With
    # expires_after_months = 0 a lot could never be used (M+1 … M+0), so nothing is banked.
    if ws.rollover_max_hours is None and ws.rollover_expires_after_months is None:
        return False
    return ws.rollover_expires_after_months != 0


def _draw(lots: list[_Lot], hours: Decimal) -> Decimal:
    """Takes up to `hours` from the lots, oldest first (lots are kept in month order)."""
    taken = ZERO
    for lot in lots:
        take = min(lot.hours, hours - taken)
        lot.hours -= take
        taken += take
    return taken


def _expire(lots: list[_Lot], period: Period, k: int | None) -> list[tuple[Period, Decimal]]:
    """Lots made in M are usable through M+k and expire at the end of M+k."""
    if k is None:  # no expires_after_months: banked hours never expire
        return []
    gone = [lot for lot in lots if lot.origin.shift(k) <= period]
    lots[:] = [lot for lot in lots if lot.origin.shift(k) > period]
    return [(lot.origin, lot.hours) for lot in gone if lot.hours > 0]


def _cap(lots: list[_Lot], max_hours: Decimal | None) -> Decimal:
    """Forfeits the bank's hours above max_hours, newest lot first: the cap limits what joins
    the bank, so hours an earlier invoice already reported as banked are left alone."""
    if max_hours is None:
        return ZERO
    excess = sum((lot.hours for lot in lots), ZERO) - max_hours
    if excess <= 0:
        return ZERO
    forfeited = ZERO
    for lot in reversed(lots):
        take = min(lot.hours, excess - forfeited)
        lot.hours -= take
        forfeited += take
    return forfeited


def _month(ws: Workstream, lots: list[_Lot], period: Period, hours: Decimal) -> RetainerMonth:
    """One period of the bank, in rule 5's order: draw, expire, bank, then cap."""
    included = ws.included_hours or ZERO
    from_rollover = _draw(lots, hours)
    from_allowance = min(included, hours - from_rollover)
    expired = _expire(lots, period, ws.rollover_expires_after_months)
    new = _Lot(period, included - from_allowance if _rolls_over(ws) else ZERO)
    lots.append(new)
    forfeited = _cap(lots, ws.rollover_max_hours)  # after expiry: expired hours free room
    lots[:] = [lot for lot in lots if lot.hours > 0]
    return RetainerMonth(
        period,
        hours,
        from_rollover,
        from_allowance,
        overage_hours=hours - from_rollover - from_allowance,
        banked=new.hours,
        expired=sum((h for _, h in expired), ZERO),
        forfeited=forfeited,
        bank_after=sum((lot.hours for lot in lots), ZERO),
        expired_from=expired,
    )


def simulate_bank(
    ws: Workstream, standard_hours_by_period: dict[Period, Decimal], first: Period, last: Period
) -> list[RetainerMonth]:
    """Every period from `first` to `last`; a period missing from the dict had no work."""
    lots: list[_Lot] = []
    months, period = [], first
    while period <= last:
        months.append(_month(ws, lots, period, standard_hours_by_period.get(period, ZERO)))
        period = period.shift(1)
    return months


def _last_hours(entries: list[BillableEntry], hours: Decimal) -> list[Slice]:
    """The last `hours` of the period in (date, entry_id) order: the hours beyond the bank and
    the allowance are the ones worked after those were used up."""
    out: list[Slice] = []
    for entry in reversed(entries):
        take = min(entry.rounded_hours, hours)
        if take > 0:
            out.append((entry, take))
            hours -= take
    return out[::-1]


def _hours(hours: Decimal) -> str:
    text = f"{hours:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _money(value: Decimal) -> str:
    # Two places, unless a rate × multiplier needs more (the line amount is still cents).
    return str(value.quantize(CENT)) if value == value.quantize(CENT) else str(value.normalize())


def _month_name(period: Period) -> str:
    return f"{calendar.month_name[period.month]} {period.year}"


def _description(
    kind: str, quantity: Decimal, rates: set[Decimal], unit: Decimal, multiplier: Decimal
) -> str:
    label = "Rush work" if kind == "rush" else "Overage"
    if len(rates) > 1:  # card rates differ: unit_price is only an average, say so
        times = f" × {_hours(multiplier)}" if multiplier != ONE else ""
        return f"{label}: {_hours(quantity)} h at card rates{times}, average {_money(unit)} per h"
    if multiplier != ONE:
        base = _money(next(iter(rates)))
        return f"{label}: {_hours(quantity)} h at {_money(unit)} ({_hours(multiplier)} × {base})"
    return f"{label}: {_hours(quantity)} h at {_money(unit)}"


def _rate_problem(entry: BillableEntry, hours: Decimal, kind: str) -> BillingException:
    problem = entry.rate_problem or "missing_rate"
    what = "rush work" if kind == "rush" else "overage"
    detail = (
        f"{_hours(hours)} h of {what} by {entry.person_id} on {entry.date} ({entry.project_id}) "
        f"need a card rate ({problem}); left off the {kind} line"
    )
    return BillingException(problem, entry.entry_id, detail)


def _priced_line(
    ws: Workstream, kind: str, slices: list[Slice], multiplier: Decimal
) -> tuple[Line | None, list[BillingException]]:
    """One line for all the slices, at overage_rate when set, else each entry's card rate."""
    priced, problems = [], []
    for entry, hours in slices:
        rate = ws.overage_rate if ws.overage_rate is not None else entry.rate
        if rate is None:
            problems.append(_rate_problem(entry, hours, kind))
        else:
            priced.append((entry, hours, rate))
    if not priced:
        return None, problems
    quantity = sum((hours for _, hours, _ in priced), ZERO)
    amount = sum((hours * rate * multiplier for _, hours, rate in priced), ZERO)
    rates = {rate for _, _, rate in priced}
    unit = next(iter(rates)) * multiplier if len(rates) == 1 else cents(amount / quantity)
    sources = list(dict.fromkeys(entry.entry_id for entry, _, _ in priced))
    description = _description(kind, quantity, rates, unit, multiplier)
    return Line(kind, ws.project_id, description, quantity, unit, amount, sources), problems


def _fee_line(ws: Workstream, period: Period, covered: list[str]) -> Line:
    """The fee; its sources are the entries it covers (drawn on the bank or the allowance),
    so every entry of the period sits on some line and can be marked invoiced."""
    fee = ws.monthly_fee or ZERO
    included = _hours(ws.included_hours or ZERO)
    description = f"Monthly retainer, {_month_name(period)} ({included} h included)"
    return Line("retainer_fee", ws.project_id, description, ONE, fee, fee, covered)


def _expired_exceptions(ws: Workstream, month: RetainerMonth) -> list[BillingException]:
    return [
        BillingException(
            "expired_rollover",
            ws.contract_id,
            f"{ws.project_id}: {_hours(hours)} h of unused retainer hours banked in "
            f"{_month_name(origin)} expired at the end of {_month_name(month.period)}",
        )
        for origin, hours in month.expired_from
    ]


def retainer_lines(
    ws: Workstream,
    period: Period,
    entries: list[BillableEntry],
    history: dict[Period, Decimal],
    first: Period,
) -> tuple[list[Line], list[BillingException]]:
    """The period's fee, overage and rush lines, and its expired_rollover and rate exceptions.
    `history` holds each earlier period's draws_on_retainer hours from `first` on."""
    if period < first:
        raise ValueError(f"period {period} is before the retainer's first period {first}")
    if any(entry.project_id != ws.project_id for entry in entries):
        raise ValueError(f"retainer_lines got entries of another project than {ws.project_id}")
    ordered = sorted(entries, key=lambda entry: (entry.date, entry.entry_id))
    drawing = [entry for entry in ordered if draws_on_retainer(ws, entry)]
    hours = {**history, period: sum((entry.rounded_hours for entry in drawing), ZERO)}
    month = simulate_bank(ws, hours, first, period)[-1]
    over = _last_hours(drawing, month.overage_hours)
    rush = [s for s in over if s[0].is_rush]  # rush hours in overage (rush counts)
    rush += [(e, e.rounded_hours) for e in ordered if not draws_on_retainer(ws, e)]
    fully_over = {e.entry_id for e, h in over if h == e.rounded_hours}
    covered = [e.entry_id for e in drawing if e.entry_id not in fully_over]
    lines, problems = [_fee_line(ws, period, covered)], _expired_exceptions(ws, month)
    multiplier = ws.rush_multiplier if ws.rush_multiplier is not None else ONE
    for kind, slices, times in (
        ("overage", [s for s in over if not s[0].is_rush], ONE),
        ("rush", [s for s in rush if s[1] > 0], multiplier),
    ):
        line, found = _priced_line(ws, kind, slices, times)
        lines += [line] if line else []
        problems += found
    return lines, problems
