"""What the Overview page shows: the firm's KPIs for the range with the change against the
range before and their targets, a 12-month trend per KPI, and the largest leakage items."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb
import polars as pl

from billing.ar.ledger import Ledger, build_ledger
from metrics.filters import Filters
from metrics.kpis import (
    Kpi,
    days_to_invoice_rows,
    firm_kpis,
    kpis_from,
    leakage_rows,
    monthly_summaries,
    receivable_kpis,
    top_leakage,
    trend_frame,
)

# The cards, in reading order.
CARD_KPIS = (
    "billable_utilization",
    "billing_realization",
    "dso",
    "timesheet_compliance",
    "days_to_invoice",
    "revenue_leakage",
)


@dataclass(frozen=True)
class Overview:
    kpis: dict[str, Kpi]
    previous: dict[str, Decimal | None]  # the same KPIs over filters.previous()
    trend: pl.DataFrame  # month, kpi, value (and target where one applies)
    top_leakage: pl.DataFrame
    leakage: pl.DataFrame  # every finding behind the leakage figure (the drill-down)
    base_currency: str | None
    # The invoices behind the days-to-invoice card, read on the same connection: a second
    # read would build the day tables (holidays, capacity, FX) a second time.
    days_to_invoice: pl.DataFrame | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing to show: no figure in the range nor in its trend (leakage reads 0, not n/a,
        when there is nothing, so it does not count)."""
        ratios = [k.value for key, k in self.kpis.items() if key != "revenue_leakage"]
        trend = self.trend.filter(pl.col("kpi") != "revenue_leakage")["value"]
        return all(v is None for v in ratios) and trend.is_null().all()


def _dso_trend(con: duckdb.DuckDBPyConnection, filters: Filters, ledger: Ledger) -> pl.DataFrame:
    from metrics import receivables

    frame = receivables.dso_trend(con, filters, months=12, ledger=ledger)
    return frame.select(
        pl.col("month"),
        pl.lit("dso").alias("kpi"),
        pl.col("dso_countback").cast(pl.Float64).alias("value"),
    )


def overview(con: duckdb.DuckDBPyConnection, filters: Filters) -> Overview:
    by_month = monthly_summaries(con, filters)
    ledger = build_ledger(con)  # the receivables, read once for the DSO card and its trend
    trend = pl.concat([trend_frame(by_month), _dso_trend(con, filters, ledger)])
    if filters.grain == "month":
        # The month is the trend's last point: its cards need no second pass over the warehouse.
        cards = kpis_from(by_month[str(filters.last_month)]) + receivable_kpis(con, filters, ledger)
        kpis = {k.key: k for k in cards}
    else:
        kpis = firm_kpis(con, filters)
    if filters.grain == "month":
        # The month before is a point of the trend: no second pass over the warehouse.
        before = str(filters.last_month.shift(-1))
        previous = {
            kpi: None if value is None else Decimal(str(value))
            for kpi, value in trend.filter(pl.col("month") == before).select("kpi", "value").rows()
        }
    else:
        previous = {key: k.value for key, k in firm_kpis(con, filters.previous()).items()}
    leaks = leakage_rows(con, filters)
    base = con.execute("SELECT max(base_currency) FROM firm").fetchall()[0][0]
    days = days_to_invoice_rows(con, filters)
    return Overview(kpis, previous, trend, top_leakage(leaks), leaks, base, days)
