"""Exact money: Decimal everywhere, half-up to cents once per line (contract rule 8)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    """Half-up to cents: the one rounding each invoice line gets."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value) -> Decimal:
    """A Decimal from a DuckDB DECIMAL, an int or a string; never from a binary float."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        raise TypeError("money must not pass through a float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money_text(value: Decimal) -> str:
    """Money in JSON: a decimal string with two places."""
    return str(cents(value))


def price_text(value: Decimal) -> str:
    """A rate or price for a description: cents, or up to 4 places when it has them."""
    exact = value.quantize(Decimal("0.0001")).normalize()
    return str(cents(value)) if exact == cents(value) else f"{exact:f}"


def percent_text(ratio: Decimal) -> str:
    """0.10 -> '10%', 0.125 -> '12.5%'."""
    return f"{(ratio * 100).normalize():f}%"
