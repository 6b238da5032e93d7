"""Grain and invariants of the marts every layer reads (warehouse/sql/marts), on the demo firm
as the real CLI builds it: each mart has the one row per key its header promises, and the
invoice attribution neither loses nor invents money nor counts an entry's hours twice."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.support.demo import build_demo
from warehouse.db import connect

FEE_LINES = (
    "coalesce(nullif(trim(l.kind), ''), 'time') NOT IN ('expense', 'late_fee', 'credit', 'tax')"
)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = build_demo(tmp_path_factory.mktemp("grain") / "wh.duckdb")
    con = connect(db)
    yield con
    con.close()


def one(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize(
    ("mart", "key"),
    [
        ("effective_time_entries", "entry_id"),
        ("mart_time_entries", "entry_id"),
        ("mart_entry_rates", "entry_id"),
        ("mart_invoice_attribution", "entry_id, invoice_id"),
        ("mart_fx_rates", "currency, date"),
    ],
)
def test_one_row_per_key(con, mart, key):
    dupes = one(
        con, f"SELECT count(*) FROM (SELECT {key} FROM {mart} GROUP BY ALL HAVING count(*) > 1)"
    )
    assert dupes == 0
    assert one(con, f"SELECT count(*) FROM {mart}") > 0


def test_every_time_entry_has_one_effective_and_one_mart_row(con):
    entries = one(con, "SELECT count(*) FROM time_entries")
    assert one(con, "SELECT count(*) FROM effective_time_entries") == entries
    assert one(con, "SELECT count(*) FROM mart_time_entries") == entries


def test_attribution_hands_out_exactly_the_fee_lines_that_found_work(con):
    # Per invoice: what the mart spreads over entries equals the invoice's fee lines, to the
    # cent (the split is unrounded), for every invoice whose fee lines all reach some work.
    rows = con.execute(
        f"""
        WITH fee AS (
            SELECT l.invoice_id, sum(l.amount) AS amount
            FROM invoice_lines l JOIN invoices i USING (invoice_id)
            WHERE {FEE_LINES} AND coalesce(i.status, '') NOT IN ('void', 'draft')
              AND coalesce(i.kind, 'invoice') = 'invoice'
            GROUP BY ALL
        ),
        spread AS (
            SELECT invoice_id, sum(billed_value) AS amount FROM mart_invoice_attribution GROUP BY ALL
        )
        SELECT f.invoice_id, f.amount, s.amount FROM fee f JOIN spread s USING (invoice_id)
        """
    ).fetchall()
    assert len(rows) > 50
    off = [(i, f, s) for i, f, s in rows if abs(D(f) - D(s)) > D("0.01")]
    # Lines that find no work (a fee with nothing to attribute) may leave part of an invoice
    # unspread, but the mart never spreads more than the invoice bills.
    assert all(D(s) < D(f) for _, f, s in off), off[:5]
    assert len(off) <= len(rows) // 20


def test_an_entrys_hours_and_standard_value_are_carried_once(con):
    doubled = one(
        con,
        """SELECT count(*) FROM (
               SELECT entry_id FROM mart_invoice_attribution
               WHERE hours <> 0 OR standard_value <> 0 GROUP BY entry_id HAVING count(*) > 1)""",
    )
    assert doubled == 0


def test_a_months_slice_equals_the_view_filtered_to_that_month(con):
    first, last = "DATE '2026-09-01'", "DATE '2026-09-30'"
    sliced = con.execute(
        f"""SELECT entry_id, invoice_id, billed_value FROM mart_invoice_attribution_between({first}, {last})
            ORDER BY ALL"""
    ).fetchall()
    whole = con.execute(
        f"""SELECT a.entry_id, a.invoice_id, a.billed_value FROM mart_invoice_attribution a
            JOIN time_entries e USING (entry_id) WHERE e.date BETWEEN {first} AND {last}
            ORDER BY ALL"""
    ).fetchall()
    assert sliced == whole
    assert len(sliced) > 0
