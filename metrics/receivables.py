"""AR and collections KPIs over the receivables ledger (billing.ar): DSO (simple over the last
90 days, and countback), best possible DSO, average days delinquent, CEI, collection realization
and rate, invoice-to-cash, broken promises, and aging by client. All in the firm's base currency
(each document at the rate in force on its issue date), as of `filters.end`, for the filter's
clients; teams and people do not apply to receivables. Definitions: docs/ar.md."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import polars as pl

from billing.ar.ledger import Ledger, build_ledger
from billing.ar.model import BUCKETS, bucket_of
from billing.period import Period
from core.money import ZERO
from metrics.filters import Filters, trend_months

DSO_WINDOW_DAYS = 90
COUNTBACK_MONTHS = 24  # history the countback may use before it stops (capped)
TARGET_SLACK_DAYS = 5  # DSO target: terms-weighted payment terms + 5 days (kpis.md)
DAYS = Decimal("0.1")
RATIO = Decimal("0.0001")
BUCKET_COLUMNS = dict(zip(BUCKETS, ("current", "d1_30", "d31_60", "d61_90", "d90_plus")))
PROMISES_SQL = """
SELECT invoice_id, promised_date FROM ar_promises
WHERE promised_date BETWEEN ? AND ?
"""


@dataclass(frozen=True)
class CollectionKpis:
    as_of: date
    base_currency: str
    open_ar: Decimal
    overdue_ar: Decimal
    dso_simple: Decimal | None
    dso_countback: Decimal | None
    best_possible_dso: Decimal | None
    average_days_delinquent: Decimal | None
    dso_target: Decimal | None
    cei: Decimal | None  # a ratio: 0.865 is a CEI of 86.5
    collection_realization: Decimal | None  # cohort: applied by collection_as_of / billed
    collection_rate: Decimal | None  # period: received in the range / invoiced in it
    collection_as_of: date  # cash applied after this day is not counted in the cohort
    cohort_billed: Decimal
    cohort_collected: Decimal
    invoice_to_cash_days: Decimal | None
    broken_promises: int


def _ratio(num: Decimal, den: Decimal, scale: Decimal = RATIO) -> Decimal | None:
    """A zero denominator is n/a (None), never 0 or 100%."""
    return None if not den else (num / den).quantize(scale)


class _View:
    """One ledger restricted to the filter's clients, asked at several dates."""

    def __init__(self, ledger: Ledger, clients: tuple[str, ...]):
        self.ledger = ledger
        keep = (lambda c: c in clients) if clients else (lambda c: True)
        self.invoices = [i for i in ledger.invoices if keep(i.client_id)]
        self.memos = [m for m in ledger.memos if keep(m.client_id)]
        self.payments = [p for p in ledger.payments if keep(p.client_id) and p.amount > 0]
        self.apps = [a for a in ledger.matched.applications if keep(a.client_id)]
        self.base = {i.invoice_id: self._rate(i.currency, i.issue_date) for i in self.invoices}
        self._ar: dict[date, tuple[Decimal, Decimal]] = {}
        self._index_sales()

    def _rate(self, currency: str, day: date) -> Decimal:
        return self.ledger.fx.rate_in_force(currency, day) or ZERO

    def open_at(self, as_of: date) -> list[tuple]:
        """(invoice, open in base, days past due) for invoices open at the end of `as_of`."""
        paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for a in self.apps:
            if a.applied_date <= as_of:
                paid[a.invoice_id] += a.amount
        return [
            (i, (i.total - paid[i.invoice_id]) * self.base[i.invoice_id], (as_of - i.due_date).days)
            for i in self.invoices
            if i.issue_date <= as_of and i.total - paid[i.invoice_id] > 0
        ]

    def ar(self, as_of: date) -> tuple[Decimal, Decimal]:
        """(total open, current open) in base at the end of `as_of`; kept per date, as the
        DSO and the countback of a trend month both ask for it (each a pass over every
        invoice and payment application)."""
        if as_of not in self._ar:
            rows = self.open_at(as_of)
            self._ar[as_of] = (
                sum((r[1] for r in rows), ZERO),
                sum((r[1] for r in rows if r[2] <= 0), ZERO),
            )
        return self._ar[as_of]

    def sales(self, start: date, end: date) -> Decimal:
        """Invoiced in [start, end] net of credit memos, in base (the same basis as AR: tax in),
        from prefix sums over the documents in issue-date order."""
        lo = bisect.bisect_left(self._sale_dates, start)
        hi = bisect.bisect_right(self._sale_dates, end)
        return self._sale_sums[hi] - self._sale_sums[lo]

    def _index_sales(self) -> None:
        docs = sorted(
            [(i.issue_date, i.total * self.base[i.invoice_id]) for i in self.invoices]
            + [(m.issue_date, m.total * self._rate(m.currency, m.issue_date)) for m in self.memos]
        )
        self._sale_dates = [d for d, _ in docs]
        self._sale_sums = list(itertools.accumulate((v for _, v in docs), initial=ZERO))

    def dso(self, as_of: date) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        """(simple DSO, best possible DSO, target) over the 90 days ending `as_of`."""
        start = as_of - timedelta(days=DSO_WINDOW_DAYS - 1)
        sales = self.sales(start, as_of)
        total, current = self.ar(as_of)
        recent = [i for i in self.invoices if start <= i.issue_date <= as_of]
        weight = sum((i.total * self.base[i.invoice_id] for i in recent), ZERO)
        terms = sum(
            ((i.due_date - i.issue_date).days * i.total * self.base[i.invoice_id] for i in recent),
            ZERO,
        )
        target = None if not weight else (terms / weight + TARGET_SLACK_DAYS).quantize(DAYS)
        days = Decimal(DSO_WINDOW_DAYS)
        return (_ratio(total * days, sales, DAYS), _ratio(current * days, sales, DAYS), target)

    def countback(self, as_of: date) -> Decimal | None:
        """Exhaust AR with each month's invoicing, newest month first (the month of `as_of`
        counts up to it); capped after COUNTBACK_MONTHS."""
        remaining, days = self.ar(as_of)[0], Decimal(0)
        if remaining <= 0:
            recent = self.sales(as_of - timedelta(days=DSO_WINDOW_DAYS - 1), as_of)
            return Decimal(0) if recent else None
        month = Period.of(as_of)
        for _ in range(COUNTBACK_MONTHS):
            end = min(month.end, as_of)
            span, sales = Decimal((end - month.start).days + 1), self.sales(month.start, end)
            if sales > 0 and remaining <= sales:
                return (days + remaining / sales * span).quantize(DAYS)
            remaining -= max(sales, ZERO)
            days += span
            month = month.shift(-1)
        return days.quantize(DAYS)


def _view(con: duckdb.DuckDBPyConnection, filters: Filters, ledger: Ledger | None) -> _View:
    return _View(ledger or build_ledger(con), filters.clients)


def _collections(view: _View, filters: Filters, as_of: date) -> dict[str, object]:
    """Both forms of kpis.md §10. Cohort: payments applied on or before `as_of` to the invoices
    issued in the range ÷ their total (a later payment is not known at `as_of`). Period: cash
    received in the range ÷ net invoiced in it (can pass 100%)."""
    start, end = filters.start, filters.end
    cohort = {i.invoice_id for i in view.invoices if start <= i.issue_date <= end}
    billed = sum(
        (i.total * view.base[i.invoice_id] for i in view.invoices if i.invoice_id in cohort), ZERO
    )
    collected = sum(
        (
            a.amount * view.base[a.invoice_id]
            for a in view.apps
            if a.invoice_id in cohort and a.source_kind == "payment" and a.applied_date <= as_of
        ),
        ZERO,
    )
    received = sum(
        (
            p.amount * view._rate(p.currency, p.date)
            for p in view.payments
            if start <= p.date <= end
        ),
        ZERO,
    )
    return {
        "collection_realization": _ratio(collected, billed),
        "collection_rate": _ratio(received, view.sales(start, end)),
        "collection_as_of": as_of,
        "cohort_billed": billed.quantize(Decimal("0.01")),
        "cohort_collected": collected.quantize(Decimal("0.01")),
    }


def _invoice_to_cash(view: _View, filters: Filters) -> Decimal | None:
    """Mean days from issue to the application that settled the invoice, over invoices
    settled within the range."""
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    settled_on: dict[str, date] = {}
    totals = {i.invoice_id: i for i in view.invoices}
    for a in sorted(view.apps, key=lambda a: a.applied_date):
        paid[a.invoice_id] += a.amount
        if paid[a.invoice_id] >= totals[a.invoice_id].total and a.invoice_id not in settled_on:
            settled_on[a.invoice_id] = a.applied_date
    days = [
        (d - totals[k].issue_date).days
        for k, d in settled_on.items()
        if filters.start <= d <= filters.end
    ]
    return _ratio(Decimal(sum(days)), Decimal(len(days)), DAYS)


def _broken_promises(con, view: _View, filters: Filters) -> int:
    """Promises due in the range whose invoice was still open at the end of the promised day."""
    keep = {i.invoice_id for i in view.invoices}
    count = 0
    for invoice_id, promised in con.execute(PROMISES_SQL, [filters.start, filters.end]).fetchall():
        if invoice_id in keep and promised < filters.end + timedelta(days=1):
            open_ids = {r[0].invoice_id for r in view.open_at(promised)}
            count += invoice_id in open_ids
    return count


def collection_kpis(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    ledger: Ledger | None = None,
    as_of: date | None = None,
) -> CollectionKpis:
    """The firm's (or the filtered clients') AR and collections figures as of filters.end;
    the collection cohort counts cash applied up to `as_of` (default filters.end). Pass a
    `ledger` already built to skip re-reading the warehouse."""
    view = _view(con, filters, ledger)
    end = filters.end
    total, current = view.ar(end)
    dso, bpdso, target = view.dso(end)
    begin_ar = view.ar(filters.start - timedelta(days=1))[0]
    sales = view.sales(filters.start, end)
    cei = _ratio(begin_ar + sales - total, begin_ar + sales - current)
    return CollectionKpis(
        as_of=end,
        base_currency=view.ledger.base_currency,
        open_ar=total.quantize(Decimal("0.01")),
        overdue_ar=(total - current).quantize(Decimal("0.01")),
        dso_simple=dso,
        dso_countback=view.countback(end),
        best_possible_dso=bpdso,
        average_days_delinquent=None if dso is None or bpdso is None else dso - bpdso,
        dso_target=target,
        cei=cei,
        **_collections(view, filters, as_of or end),
        invoice_to_cash_days=_invoice_to_cash(view, filters),
        broken_promises=_broken_promises(con, view, filters),
    )


def dso_trend(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    months: int = 12,
    *,
    ledger: Ledger | None = None,
) -> pl.DataFrame:
    """One row per month (oldest first) at its last day (or filters.end for the last month)."""
    view = _view(con, filters, ledger)
    rows = []
    for month in trend_months(filters, months):
        as_of = min(month.end, filters.end)
        dso, _, target = view.dso(as_of)
        rows.append(
            {
                "month": str(month.last_month),
                "dso_simple": dso,
                "dso_countback": view.countback(as_of),
                "dso_target": target,
            }
        )
    schema = {"month": pl.Utf8} | {
        k: pl.Decimal(18, 1) for k in ("dso_simple", "dso_countback", "dso_target")
    }
    return pl.DataFrame(rows, schema=schema)


def aging_by_client(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, ledger: Ledger | None = None
) -> pl.DataFrame:
    """Open AR per client and bucket in base currency as of filters.end, largest total first."""
    view = _view(con, filters, ledger)
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, ZERO))
    names = {}
    for inv, open_base, days in view.open_at(filters.end):
        sums[inv.client_id][bucket_of(days)] += open_base
        names[inv.client_id] = inv.client_name
    rows = [
        {
            "client_id": c,
            "client_name": names[c],
            **{BUCKET_COLUMNS[b]: v.quantize(Decimal("0.01")) for b, v in s.items()},
            "total": sum(s.values(), ZERO).quantize(Decimal("0.01")),
        }
        for c, s in sums.items()
    ]
    money = pl.Decimal(18, 2)
    schema = {"client_id": pl.Utf8, "client_name": pl.Utf8} | {
        c: money for c in (*BUCKET_COLUMNS.values(), "total")
    }
    return pl.DataFrame(rows, schema=schema).sort(["total", "client_id"], descending=[True, False])
