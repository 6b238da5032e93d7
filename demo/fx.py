"""Daily EUR and GBP rates to the base currency (USD), as a random walk in micro-units."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import polars as pl

from .config import DemoConfig
from .dates import int_dates, to_int

START_RATES = {"EUR": 1.085, "GBP": 1.27}


class FxTable:
    """Rates by currency and day; lookups take the latest rate on or before a day."""

    def __init__(self, first_day: int, micro: dict[str, np.ndarray]):
        self.first_day = first_day
        self.micro = micro

    def rate(self, currency: str, day: int) -> Decimal:
        if currency == "USD":
            return Decimal(1)
        m = int(self.micro[currency][day - self.first_day])
        return Decimal(m) / Decimal(1_000_000)

    def frame(self) -> pl.DataFrame:
        parts = []
        for cur, m in self.micro.items():
            days = np.arange(self.first_day, self.first_day + len(m))
            parts.append(pl.DataFrame({"date": int_dates(days), "currency": cur, "micro": m}))
        df = pl.concat(parts).sort(["date", "currency"])
        text = (
            (pl.col("micro") // 1_000_000).cast(pl.String)
            + "."
            + (pl.col("micro") % 1_000_000).cast(pl.String).str.zfill(6)
        )
        return df.select(
            pl.col("date").dt.to_string("%Y-%m-%d"), "currency", text.alias("rate_to_base")
        )


def build_fx(cfg: DemoConfig, rng: np.random.Generator) -> FxTable:
    first = to_int(cfg.start_month) - 31
    n = to_int(cfg.as_of) - first + 1
    micro = {}
    for cur, start in START_RATES.items():
        walk = start * np.exp(np.cumsum(rng.normal(0, 0.0035, n)))
        micro[cur] = np.rint(walk * 1_000_000).astype(np.int64)
    return FxTable(first, micro)
