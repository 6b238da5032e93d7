"""The rate in force (DATA_CONTRACT rule 7), for billing's Python: expenses converted to the
contract currency, payments and credits matched across currencies, receivables in the base
currency. The rows come from the mart `mart_fx_rates` (warehouse/sql/marts), which decides
which rows can be in force; this class only looks them up, so billing, AR, rules and the KPIs
cannot disagree on a zero rate or on the base currency."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import duckdb

ONE = Decimal(1)
FX_ROWS_SQL = "SELECT currency, date, rate_to_base FROM mart_fx_rates"
BASE_SQL = "SELECT max(base_currency) FROM firm"


class MissingFxRate(LookupError):
    """No rate in force for a currency on or before a date."""

    def __init__(self, currency: str, on: date):
        super().__init__(f"no fx rate for {currency} on or before {on.isoformat()}")
        self.currency = currency
        self.on = on


class FxRates:
    """Rates in force: the latest row on or before a date; the base currency is always 1.

    Built from mart_fx_rates (from_duckdb) or from rows in a test; rows that could never be in
    force (rate not positive) are dropped here too, so hand-built tables follow the mart's rule.
    """

    def __init__(
        self, base_currency: str | None, rows: Iterable[tuple[str, date, Decimal]] = ()
    ) -> None:
        self.base_currency = base_currency
        self._days: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, day, rate in sorted(rows, key=lambda r: (r[0], r[1])):
            if rate is None or Decimal(rate) <= 0 or currency == base_currency:
                continue
            self._days.setdefault(currency, []).append(day)
            self._rates.setdefault(currency, []).append(Decimal(rate))

    @classmethod
    def from_duckdb(
        cls, con: duckdb.DuckDBPyConnection, default_base: str | None = None
    ) -> FxRates:
        """The rates of mart_fx_rates; `default_base` stands in for a firm without a base
        currency (receivables read amounts as USD then)."""
        base = con.execute(BASE_SQL).fetchall()[0][0] or default_base
        return cls(base, con.execute(FX_ROWS_SQL).fetchall())

    @property
    def base(self) -> str | None:
        return self.base_currency

    def rate_in_force(self, currency: str, on: date) -> Decimal | None:
        """rate_to_base of `currency` on `on`, or None when no rate is in force yet."""
        if currency == self.base_currency:
            return ONE
        days = self._days.get(currency)
        if not days:
            return None
        index = bisect.bisect_right(days, on)
        return self._rates[currency][index - 1] if index else None

    def rate_to_base(self, currency: str, on: date) -> Decimal:
        rate = self.rate_in_force(currency, on)
        if rate is None:
            raise MissingFxRate(currency, on)
        return rate

    def cross_rate(self, from_ccy: str, to_ccy: str, on: date) -> Decimal:
        """Units of `to_ccy` per unit of `from_ccy` (for descriptions; unrounded)."""
        return self.convert(ONE, from_ccy, to_ccy, on)

    def convert(self, amount: Decimal, from_ccy: str, to_ccy: str, on: date) -> Decimal:
        """amount × rate_to_base(from) / rate_to_base(to), unrounded; cross rates go through
        the base currency. Raises MissingFxRate naming the currency and the date."""
        if from_ccy == to_ccy:
            return amount
        return amount * self.rate_to_base(from_ccy, on) / self.rate_to_base(to_ccy, on)
