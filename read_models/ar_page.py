"""What the AR aging & DSO page reads, in two bundles the page caches: the leadership view
(KPIs, DSO trend, aging by client as of the sidebar's range end) and the weekly review (open
invoices with their review facts, what moved since last week, reminders due, late fees)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from billing.ar import late_fees, reminders, review
from billing.ar.aging import aging_from_ledger
from billing.ar.ledger import build_ledger
from metrics import receivables
from metrics.filters import Filters
from warehouse.sessions import Db, read_only


@dataclass(frozen=True)
class LeadershipView:
    kpis: receivables.CollectionKpis
    trend: pl.DataFrame
    by_client: pl.DataFrame
    open_invoices: pl.DataFrame  # review rows as of filters.end, oldest first

    @property
    def is_empty(self) -> bool:
        return self.trend["dso_simple"].is_null().all() and self.by_client.is_empty()


@dataclass(frozen=True)
class ReviewView:
    as_of: date
    rows: pl.DataFrame
    clients: pl.DataFrame
    moves: pl.DataFrame
    matrix: pl.DataFrame
    reminders: pl.DataFrame
    pending_fees: pl.DataFrame
    credits: pl.DataFrame
    unmatched: pl.DataFrame
    base_currency: str


def leadership_view(filters: Filters, db: Db = None) -> LeadershipView:
    with read_only(db) as con:
        ledger = build_ledger(con)
        kpis = receivables.collection_kpis(con, filters, ledger=ledger)
        trend = receivables.dso_trend(con, filters, ledger=ledger)
        by_client = receivables.aging_by_client(con, filters, ledger=ledger)
        rows = review.review_rows(con, filters.end, ledger, filters.clients)
    return LeadershipView(kpis, trend, by_client, rows.sort("days_past_due", descending=True))


def _reminder_frame(queue: list[reminders.Reminder]) -> pl.DataFrame:
    columns = (
        "client_name",
        "number",
        "recipient",
        "offset_days",
        "tone",
        "scheduled_date",
        "subject",
        "body",
        "invoice_id",
    )
    if not queue:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8))
    return pl.DataFrame([{c: getattr(r, c) for c in columns} for r in queue])


def review_view(as_of: date, clients: tuple[str, ...] = (), db: Db = None) -> ReviewView:
    with read_only(db) as con:
        ledger = build_ledger(con)
        rows = review.review_rows(con, as_of, ledger, clients)
        moves = review.bucket_movement(ledger, as_of, clients=clients)
        queue = [
            r for r in reminders.reminder_queue(con, as_of) if not clients or r.client_id in clients
        ]
        fees = late_fees.charges(con)
    report = aging_from_ledger(ledger, as_of)
    credits = pl.DataFrame(
        [
            {"client_id": c, "currency": cur, "amount": str(v)}
            for (c, cur), v in report.credits.items()
            if not clients or c in clients
        ],
        schema={"client_id": pl.Utf8, "currency": pl.Utf8, "amount": pl.Utf8},
    )
    unmatched = pl.DataFrame(
        [
            {"kind": f.kind, "ref": f.ref, "client_id": f.client_id, "detail": f.detail}
            for f in report.exceptions
            if not clients or f.client_id in clients
        ],
        schema={"kind": pl.Utf8, "ref": pl.Utf8, "client_id": pl.Utf8, "detail": pl.Utf8},
    )
    return ReviewView(
        as_of,
        rows,
        review.client_summary(rows),
        moves,
        review.movement_matrix(moves),
        _reminder_frame(queue),
        fees,
        credits,
        unmatched,
        ledger.base_currency,
    )


def allocation_options(payment_id: str, db: Db = None) -> pl.DataFrame:
    """The rows the Exceptions page edits to allocate an unmatched payment (billing.ar.sync)."""
    from billing.ar.sync import allocation_options as options

    with read_only(db) as con:
        rows = options(con, payment_id)
    schema = {
        "invoice_id": pl.Utf8,
        "number": pl.Utf8,
        "due_date": pl.Date,
        "open_now": pl.Utf8,
        "currency": pl.Utf8,
        "allocate": pl.Utf8,
    }
    return pl.DataFrame(
        [{k: (str(v) if k in ("open_now", "allocate") else v) for k, v in r.items()} for r in rows],
        schema=schema,
    )
