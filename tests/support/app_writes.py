"""Inputs changed the way the app changes them: staging rows written through etl/app_writes.py
(row, row hash, history) under a load-log entry, in a transaction. The snapshot and stored-read
tests and bench/bench_action_refresh.py use them to make what is stored stale."""

from __future__ import annotations

from datetime import date

import duckdb

from etl.app_writes import app_load, insert_row, update_row
from warehouse.db import transaction

SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))  # the demo's last invoiced month


def insert_one(con: duckdb.DuckDBPyConnection, table: str, values: dict) -> None:
    """One new row of staging table `table`, as the app writes one."""
    with transaction(con):
        load_id = app_load(con, "test", table, f"one new {table} row", {table: (1, 0)})
        insert_row(con, table, load_id, "test", values)


def update_one(con: duckdb.DuckDBPyConnection, table: str, key: str, changes: dict) -> None:
    """`changes` to the row of `table` keyed `key`, as the app writes them."""
    with transaction(con):
        load_id = app_load(con, "test", table, f"one {table} row changed", {table: (0, 1)})
        update_row(con, table, key, load_id, "test", changes)


def void_one_invoice(con: duckdb.DuckDBPyConnection, month: tuple[date, date] = SEPTEMBER) -> str:
    """Voids the first invoice (by id) that bills work of `month`; returns its number."""
    invoice_id, number = con.execute(
        "SELECT invoice_id, number FROM invoices WHERE coalesce(status, 'sent') <> 'void' "
        "AND invoice_id IN (SELECT invoice_id FROM mart_invoice_attribution_between(?, ?)) "
        "ORDER BY invoice_id LIMIT 1",
        list(month),
    ).fetchall()[0]
    update_one(con, "invoices", invoice_id, {"status": "void"})
    return number
