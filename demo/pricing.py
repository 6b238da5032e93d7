"""Prices historical time: rate-card resolution, rounding, T&M lines, tiers, retainer banks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

import polars as pl

from .contracts import Contract, RateRow, Workstream
from .dates import to_int
from .money import half_up_expr

# Most specific first: person+project > role+project > person > role > project > default.
LEVELS = (
    ("project_id", "person_id"),
    ("project_id", "role"),
    ("person_id",),
    ("role",),
    ("project_id",),
    (),
)
ROUND_CENT = {6: 10, 15: 25, 30: 50, 60: 100}  # increment minutes -> centihours
FAR = 10**7


def rates_frame(rows: list[RateRow]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "contract_id": [r.contract_id for r in rows],
            "rate_cents": [r.rate_cents for r in rows],
            "from_day": [to_int(r.effective_from) for r in rows],
            "to_day": [to_int(r.effective_to) if r.effective_to else FAR for r in rows],
            "project_id": [r.project_id for r in rows],
            "person_id": [r.person_id for r in rows],
            "role": [r.role for r in rows],
        },
        schema_overrides={"project_id": pl.String, "person_id": pl.String, "role": pl.String},
    )


def _level(rates: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    mask = pl.lit(True)
    for col in ("project_id", "person_id", "role"):
        mask = mask & (pl.col(col).is_not_null() if col in keys else pl.col(col).is_null())
    return rates.filter(mask)


def resolve_rates(entries: pl.DataFrame, rates: pl.DataFrame) -> pl.DataFrame:
    """Adds rate_cents to entries (eid, contract_id, project_id, person_id, role, day)."""
    out = entries
    names = []
    for i, keys in enumerate(LEVELS):
        sub = _level(rates, keys).select(
            "contract_id", *keys, "from_day", "to_day", pl.col("rate_cents").alias(f"r{i}")
        )
        hit = (
            entries.select("eid", "contract_id", *keys, "day")
            .join(sub, on=["contract_id", *keys])
            .filter(pl.col("day").is_between(pl.col("from_day"), pl.col("to_day")))
            .select("eid", f"r{i}")
        )
        out = out.join(hit, on="eid", how="left")
        names.append(f"r{i}")
    return out.with_columns(rate_cents=pl.coalesce(names)).drop(names)


def rounded(entries: pl.DataFrame, contracts: list[Contract]) -> pl.DataFrame:
    """Adds rcent: each entry's hours rounded to the contract's increment before pricing."""
    inc = {c.contract_id: ROUND_CENT[c.rounding[0]] for c in contracts if c.rounding}
    up = {c.contract_id: c.rounding[1] == "up" for c in contracts if c.rounding}
    step = pl.col("contract_id").replace_strict(inc, default=1, return_dtype=pl.Int64)
    is_up = pl.col("contract_id").replace_strict(up, default=True, return_dtype=pl.Boolean)
    cent = pl.col("cent")
    return entries.with_columns(
        rcent=pl.when(is_up)
        .then((cent + step - 1) // step * step)
        .otherwise((cent * 2 + step) // (2 * step) * step)
    )


def tm_lines(tm: pl.DataFrame) -> pl.DataFrame:
    """One line per (invoice, project, person, rate, work type) with its sorted entry ids."""
    return (
        tm.group_by("inv_key", "proj", "project_id", "pidx", "person_id", "rate_cents", "work_type")
        .agg(qty=pl.col("rcent").sum(), entry_ids=pl.col("entry_id").sort().str.join(";"))
        .with_columns(amount=half_up_expr(pl.col("qty") * pl.col("rate_cents"), 100))
        .sort("inv_key", "proj", "person_id", "rate_cents", "work_type")
    )


def tier_discounts(tm: pl.DataFrame, ws: Workstream) -> list[tuple[str, int, int, int, str]]:
    """Per band: (inv_key, band centihours, discount cents (negative), from_hours, discount)."""
    rows = tm.filter(pl.col("proj") == ws.project_idx).sort("period", "day", "entry_id")
    rows = rows.with_columns(end=pl.col("rcent").cum_sum().over("period"))
    rows = rows.with_columns(start=pl.col("end") - pl.col("rcent"))
    out = []
    bands = [*ws.tiers, (FAR, "0")]
    for (lo, disc), (hi, _) in pairwise(bands):
        if Decimal(disc) == 0:
            continue
        bp = int(Decimal(disc) * 10000)  # basis points keep the arithmetic exact
        part = (
            pl.min_horizontal(pl.col("end"), hi * 100)
            - pl.max_horizontal(pl.col("start"), lo * 100)
        ).clip(0)
        agg = (
            rows.with_columns(part=part)
            .group_by("inv_key")
            .agg(hours=pl.col("part").sum(), num=(pl.col("part") * pl.col("rate_cents")).sum())
            .sort("inv_key")
        )
        for key, hours, num in agg.iter_rows():
            if hours > 0:
                out.append((key, hours, -((num * bp * 2 + 1_000_000) // 2_000_000), lo, disc))
    return out


@dataclass
class RetainerMonth:
    allowance: int  # centihours of standard time covered by the fee
    overage: int  # centihours billed as overage
    expired: int  # centihours of rollover that expired this month


def retainer_months(
    ws: Workstream, std: dict[int, int], periods: list[int]
) -> dict[int, RetainerMonth]:
    """Simulates the rollover bank: lots usable for k months after the month they were unused."""
    lots: list[list[int]] = []  # [origin period, centihours]
    included = (ws.included_hours or 0) * 100
    out = {}
    for m in periods:
        k = ws.rollover[1] if ws.rollover else 0
        expired = sum(c for o, c in lots if o + k < m)
        lots = [lot for lot in lots if lot[0] + k >= m]
        need = std.get(m, 0)
        for lot in lots:
            take = min(lot[1], need)
            lot[1], need = lot[1] - take, need - take
        lots = [lot for lot in lots if lot[1] > 0]
        from_included = min(included, need)
        overage = need - from_included
        if ws.rollover and included > from_included:
            lots.append([m, included - from_included])
            excess = sum(c for _, c in lots) - ws.rollover[0] * 100
            if excess > 0:
                lots[-1][1] -= excess  # max_hours caps the bank; the newest hours are forfeited
        out[m] = RetainerMonth(std.get(m, 0) - overage, overage, expired)
    return out
