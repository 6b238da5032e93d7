"""One input of the attribution changed the way the app changes it: an invoice voided through
staging (its row, row hash and history) under a load-log entry. The snapshot tests and
bench/bench_action_refresh.py use it to make the stored snapshots stale."""

from __future__ import annotations

from datetime import date

import duckdb

from etl.app_writes import app_load, update_row
from warehouse.db import transaction

SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))  # the demo's last invoiced month


def void_one_invoice(con: duckdb.DuckDBPyConnection, month: tuple[date, date] = SEPTEMBER) -> str:
    """Voids the first invoice (by id) that bills work of `month`; returns its number."""
    invoice_id, number = con.execute(
        "SELECT invoice_id, number FROM invoices WHERE coalesce(status, 'sent') <> 'void' "
        "AND invoice_id IN (SELECT invoice_id FROM mart_invoice_attribution_between(?, ?)) "
        "ORDER BY invoice_id LIMIT 1",
        list(month),
    ).fetchall()[0]
    with transaction(con):
        load_id = app_load(con, "test", "void", "void one invoice", {"invoices": (0, 1)})
        update_row(con, "invoices", invoice_id, load_id, "test", {"status": "void"})
    return number
