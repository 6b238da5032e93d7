"""Money the base-currency figures cannot hold: invoices, payments and expenses in a currency
with no rate to the base currency on their day. A firm that imports only its Xero exports in
NZD, with no firm.yaml, has base currency USD and no NZD rate: its Open AR, revenue and AR
totals read as nothing owed. The Data health page says so instead."""

from __future__ import annotations

import polars as pl

from read_models.sql_files import sql
from warehouse.sessions import Db, read_only


def currency_gaps(db: Db = None) -> pl.DataFrame:
    """One row per kind of document and currency without a rate (count, amount, first and
    last day); empty when every amount converts."""
    with read_only(db) as con:
        return con.sql(sql("data_health/currency_gaps")).pl()
