"""Exact money: integer cents and Decimal ratios, formatted without binary floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl

CENT = Decimal("0.01")


def cents_str(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    a = abs(int(cents))
    return f"{sign}{a // 100}.{a % 100:02d}"


def hours_str(centihours: int) -> str:
    return cents_str(centihours)


def to_cents(amount: Decimal) -> int:
    """Round half-up (away from zero on .5) to whole cents."""
    return int(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def div_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half-up (away from zero), exact for any size."""
    q, r = divmod(abs(numerator), denominator)
    q += 1 if 2 * r >= denominator else 0
    return q if numerator >= 0 else -q


def cents_expr(col: pl.Expr) -> pl.Expr:
    """Polars expression: Int64 cents (or centihours) -> '1234.50' / '-0.05'."""
    a = col.abs()
    sign = pl.when(col < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return sign + (a // 100).cast(pl.String) + "." + (a % 100).cast(pl.String).str.zfill(2)


def half_up_expr(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """Polars expression: integer numerator / denominator rounded half-up (non-negative)."""
    return (numerator * 2 + denominator) // (2 * denominator)


def decimal_str(value: Decimal) -> str:
    """A unit price with 2 to 4 decimal places ('185.00', '277.5' -> '277.50', '12.3456')."""
    text = f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text
