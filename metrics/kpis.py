"""The leadership KPIs: each one a query over the marts (metrics/sql/kpi/*.sql) that returns
the rows behind it at the lowest grain (person-month, person-week, entry, invoice, project,
finding), and a summary that sums numerators and denominators before it divides (kpis.md §0:
never average ratios; an empty denominator is n/a, never 0 or 100%).

The definitions, and the variant picked where kpis.md offers several, are in docs/metrics.md;
each page repeats its own in its help text. Receivables (DSO, aging, collections) live in
metrics/receivables.py and are summarised here next to the others."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import polars as pl

from core import clock
from metrics import trend_snapshot
from metrics.filters import Filters, trend_range
from metrics.session import prepare_to, query

RATIO_PLACES = Decimal("0.0001")
DAYS_PLACES = Decimal("0.1")
CENTS = Decimal("0.01")

# Seed targets (kpis.md §14); utilization's target is the people's own, DSO's the client terms.
REALIZATION_TARGET = Decimal("0.95")
COMPLIANCE_TARGET = Decimal("0.95")
DAYS_TO_INVOICE_TARGET = Decimal(3)
COLLECTION_TARGET = Decimal("0.99")
# How far from the target a KPI may be and still show amber rather than red.
AMBER_RATIO = Decimal("0.05")
AMBER_DAYS = Decimal(2)

COMPLIANCE_STATUSES = ("on_time", "short", "late", "missing")


def ratio(numerator: object, denominator: object) -> Decimal | None:
    """numerator / denominator to four places, half-up; None when the denominator is 0/None."""
    num, den = _dec(numerator), _dec(denominator)
    if num is None or den is None or den == 0:
        return None
    return (num / den).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def _dec(value: object) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _sum(frame: pl.DataFrame, column: str) -> Decimal:
    """Sum of a column as a Decimal: exact for DECIMAL money; hours (floats of quarter hours
    and the like) are rounded to six places, far below any hour a timesheet records."""
    if frame.is_empty():
        return Decimal(0)
    total = frame[column].sum()
    if total is None:
        return Decimal(0)
    if isinstance(total, Decimal):
        return total
    return Decimal(str(round(float(total), 6))).normalize() + Decimal(0)


# ---------------------------------------------------------------------------------------------
# The rows behind each KPI (what the pages chart and drill into)


def utilization_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Person-months: available hours, billable and non-billable hours, the person's target."""
    return query(con, "utilization", filters.params())


def compliance_rows(
    con: duckdb.DuckDBPyConnection, filters: Filters, now: datetime | None = None
) -> pl.DataFrame:
    """Person-weeks whose deadline has passed at `now`, with their status."""
    return query(con, "compliance", {**filters.params(), "now": now or clock.now()})


def realization_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Billable hour-billed entries: value at rate card and billed value (None when unbilled)."""
    return query(con, "realization", filters.params())


def days_to_invoice_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Invoices whose service period ends in the range, with business days to sent."""
    return query(con, "days_to_invoice", filters.params())


def margin_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Client projects: revenue, cost at cost rates, margin."""
    return query(con, "margin", filters.params())


def budget_burn_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Fixed-fee, milestone and budgeted projects: hours to date against budget."""
    return query(con, "budget_burn", filters.params())


def leakage_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Leakage findings of the exception queue for periods in the range."""
    return query(con, "leakage", filters.params())


# ---------------------------------------------------------------------------------------------
# Summaries: one figure from the rows


@dataclass(frozen=True)
class Utilization:
    value: Decimal | None  # billable hours / available hours
    target: Decimal | None  # the people's targets, weighted by their available hours
    billable_hours: Decimal
    nonbillable_hours: Decimal
    available_hours: Decimal


def summarize_utilization(rows: pl.DataFrame) -> Utilization:
    available = _sum(rows, "available_hours")
    weighted_target = _sum(
        rows.select((pl.col("target_utilization") * pl.col("available_hours")).alias("w")), "w"
    )
    return Utilization(
        value=ratio(_sum(rows, "billable_hours"), available),
        target=ratio(weighted_target, available),
        billable_hours=_sum(rows, "billable_hours"),
        nonbillable_hours=_sum(rows, "nonbillable_hours"),
        available_hours=available,
    )


@dataclass(frozen=True)
class Compliance:
    value: Decimal | None  # on-time and complete person-weeks / expected person-weeks
    on_time_submission: Decimal | None  # submitted by the deadline / expected
    completeness: Decimal | None  # sum(min(logged, expected)) / sum(expected)
    weeks: int
    counts: dict[str, int] = field(default_factory=dict)


def summarize_compliance(rows: pl.DataFrame) -> Compliance:
    found = dict(rows.group_by("status").len().iter_rows())
    counts = {s: found.get(s, 0) for s in COMPLIANCE_STATUSES}
    capped = _sum(
        rows.select(pl.min_horizontal("logged_hours", "expected_hours").alias("capped")), "capped"
    )
    return Compliance(
        value=ratio(counts["on_time"], rows.height),
        on_time_submission=ratio(counts["on_time"] + counts["short"], rows.height),
        completeness=ratio(capped, _sum(rows, "expected_hours")),
        weeks=rows.height,
        counts=counts,
    )


@dataclass(frozen=True)
class Realization:
    value: Decimal | None  # billed value / value at rate card, billed entries only
    effective_rate: Decimal | None  # billed value / hours of billed entries
    billed_value: Decimal
    standard_value: Decimal
    billed_hours: Decimal
    unbilled_value: Decimal  # value at rate card of entries no invoice names yet (WIP)
    unbilled_hours: Decimal
    # billed hours by the workstream's billing type (time_and_materials, retainer, fixed_fee,
    # milestone, none): what the figure covers
    billed_hours_by_billing: dict[str, Decimal] = field(default_factory=dict)
    # standard value of billed entries whose card has no single rate: their billed value
    standard_at_billed_value: Decimal = Decimal(0)

    @property
    def covers(self) -> str:
        kinds = ", ".join(
            f"{BILLING_LABEL.get(k, k)} {v:,.2f} h" for k, v in self.billed_hours_by_billing.items()
        )
        text = (
            f"Work done in the range and invoiced since ({kinds or 'none yet'}); fixed fees "
            "and milestones spread over their work pro rata to value at rate card."
        )
        if self.standard_at_billed_value:
            text += (
                f" {self.standard_at_billed_value:,.2f} of standard value is billed value "
                "(entries with no single card rate)."
            )
        if self.unbilled_hours:
            text += f" Unbilled hour-billed work ({self.unbilled_hours:,.2f} h) is WIP, not in it."
        return text


BILLING_LABEL = {
    "time_and_materials": "T&M",
    "retainer": "retainer",
    "fixed_fee": "fixed fee",
    "milestone": "milestone",
    "none": "no contract",
}


def summarize_realization(rows: pl.DataFrame) -> Realization:
    billed = rows.filter(pl.col("billed_value").is_not_null())
    unbilled = rows.filter(pl.col("billed_value").is_null())
    billed_value = _sum(billed, "billed_value")
    hours = _sum(billed, "hours")
    rate = (billed_value / hours).quantize(CENTS, ROUND_HALF_UP) if hours else None
    by_billing: dict[str, Decimal] = {}
    if "billing" in billed.columns:
        for (kind,), part in billed.group_by("billing", maintain_order=True):
            by_billing[str(kind)] = _sum(part, "hours")
    at_billed = Decimal(0)
    if "standard_is_billed" in billed.columns:
        at_billed = _sum(billed.filter(pl.col("standard_is_billed")), "standard_value")
    return Realization(
        value=ratio(billed_value, _sum(billed, "standard_value")),
        effective_rate=rate,
        billed_value=billed_value.quantize(CENTS, ROUND_HALF_UP),
        standard_value=_sum(billed, "standard_value").quantize(CENTS, ROUND_HALF_UP),
        billed_hours=hours,
        unbilled_value=_sum(unbilled, "standard_value").quantize(CENTS, ROUND_HALF_UP),
        unbilled_hours=_sum(unbilled, "hours"),
        billed_hours_by_billing=dict(sorted(by_billing.items())),
        standard_at_billed_value=at_billed.quantize(CENTS, ROUND_HALF_UP),
    )


@dataclass(frozen=True)
class DaysToInvoice:
    value: Decimal | None  # mean business days from period end to sent, per invoice
    invoices: int


def summarize_days_to_invoice(rows: pl.DataFrame) -> DaysToInvoice:
    if rows.is_empty():
        return DaysToInvoice(None, 0)
    mean = Decimal(sum(rows["business_days"])) / rows.height
    return DaysToInvoice(mean.quantize(DAYS_PLACES, ROUND_HALF_UP), rows.height)


@dataclass(frozen=True)
class Margin:
    revenue: Decimal
    cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None


def summarize_margin(rows: pl.DataFrame) -> Margin:
    revenue, cost = _sum(rows, "revenue"), _sum(rows, "cost")
    return Margin(revenue, cost, revenue - cost, ratio(revenue - cost, revenue))


@dataclass(frozen=True)
class Leakage:
    """Revenue leakage of a range (docs/metrics.md "Revenue leakage"): unbilled time past the
    billing day and hours over caps (findings of the exception queue) plus the write-downs the
    realization page shows (value at rate card − billed value of the range's billed work), so
    the two pages agree. The queue's `write_down` findings (invoice lines billed below the card)
    are part of those write-downs: listed for the drill-down, not added a second time."""

    value: Decimal  # unbilled time + over-cap + write-downs, base currency
    expired_hours_value: Decimal  # expired retainer hours, reported apart
    by_kind: dict[str, Decimal]  # the findings' values per kind
    findings: int
    write_downs: Decimal = Decimal(0)  # realization's value at card − billed (a net write-up: 0)


# Finding kinds whose value is leakage; write_down findings are inside `write_downs`.
LEAKAGE_FINDING_KINDS = ("unbilled_time", "over_cap")


def summarize_leakage(rows: pl.DataFrame, realization: Realization | None = None) -> Leakage:
    by_kind: dict[str, Decimal] = {}
    for kind, value in zip(rows["kind"], rows["value_base"], strict=True):
        by_kind[kind] = by_kind.get(kind, Decimal(0)) + (value or Decimal(0))
    expired = by_kind.get("expired_rollover", Decimal(0))
    if realization is None:  # no realization read: the write_down findings stand in for it
        write_downs = by_kind.get("write_down", Decimal(0))
    else:
        write_downs = max(realization.standard_value - realization.billed_value, Decimal(0))
    found = sum((by_kind.get(k, Decimal(0)) for k in LEAKAGE_FINDING_KINDS), Decimal(0))
    return Leakage(
        value=(found + write_downs).quantize(CENTS),
        expired_hours_value=expired.quantize(CENTS),
        by_kind=by_kind,
        findings=rows.height,
        write_downs=write_downs.quantize(CENTS),
    )


def top_leakage(rows: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    """The largest leakage items: findings grouped by kind, project (else client) and period,
    so 36 unbilled entries of one project and month read as one item of their summed value."""
    if rows.is_empty():
        return pl.DataFrame(
            schema={
                "kind": pl.String,
                "client_name": pl.String,
                "project_id": pl.String,
                "project_name": pl.String,
                "period": pl.String,
                "findings": pl.UInt32,
                "value_base": pl.Decimal(18, 2),
            }
        )
    return (
        rows.filter(~pl.col("is_expired_hours"))
        .group_by("kind", "client_name", "project_id", "project_name", "period")
        .agg(pl.len().alias("findings"), pl.col("value_base").sum())
        .sort(["value_base", "period"], descending=[True, False])
        .head(n)
    )


# ---------------------------------------------------------------------------------------------
# The firm-level figures (the CLI and the Overview cards)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: Decimal | None
    unit: str  # ratio | days | money | rate
    target: Decimal | None = None
    higher_is_better: bool = True
    detail: dict[str, object] = field(default_factory=dict)
    covers: str = ""  # what the figure counts (work, invoices, view), in a reader's words

    @property
    def status(self) -> str | None:
        """green (target met), amber (within 5 points or 2 days of it), red; None without one."""
        if self.value is None or self.target is None:
            return None
        gap = self.value - self.target if self.higher_is_better else self.target - self.value
        if gap >= 0:
            return "green"
        return "amber" if -gap <= (AMBER_DAYS if self.unit == "days" else AMBER_RATIO) else "red"


@dataclass(frozen=True)
class Summaries:
    """One range's summaries, the inputs of its KPI cards (None: not read)."""

    utilization: Utilization | None = None
    realization: Realization | None = None
    compliance: Compliance | None = None
    days_to_invoice: DaysToInvoice | None = None
    margin: Margin | None = None
    leakage: Leakage | None = None


def summaries(
    con: duckdb.DuckDBPyConnection, filters: Filters, now: datetime | None = None
) -> Summaries:
    realization = summarize_realization(realization_rows(con, filters))
    return Summaries(
        utilization=summarize_utilization(utilization_rows(con, filters)),
        realization=realization,
        compliance=summarize_compliance(compliance_rows(con, filters, now)),
        days_to_invoice=summarize_days_to_invoice(days_to_invoice_rows(con, filters)),
        margin=summarize_margin(margin_rows(con, filters)),
        leakage=summarize_leakage(leakage_rows(con, filters), realization),
    )


def firm_kpis(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    now: datetime | None = None,
    as_of: date | None = None,
) -> dict[str, Kpi]:
    """Every leadership KPI of the range, firm-level (or for the filtered clients/teams);
    `as_of` bounds the cash the collection cohort counts (default: the range end)."""
    kpis = kpis_from(summaries(con, filters, now)) + receivable_kpis(con, filters, as_of=as_of)
    return {k.key: k for k in kpis}


def kpis_from(s: Summaries) -> list[Kpi]:
    """The KPIs of the summaries given (receivables apart: receivable_kpis)."""
    out: list[Kpi] = []
    if (util := s.utilization) is not None:
        out.append(
            Kpi(
                "billable_utilization",
                "Billable utilization",
                util.value,
                "ratio",
                util.target,
                detail={
                    "billable_hours": util.billable_hours,
                    "nonbillable_hours": util.nonbillable_hours,
                    "available_hours": util.available_hours,
                },
            )
        )
    if (real := s.realization) is not None:
        out.append(
            Kpi(
                "billing_realization",
                "Billing realization",
                real.value,
                "ratio",
                REALIZATION_TARGET,
                detail={
                    "billed_value": real.billed_value,
                    "standard_value": real.standard_value,
                    "unbilled_value": real.unbilled_value,
                    "billed_hours_by_billing": real.billed_hours_by_billing,
                    "standard_at_billed_value": real.standard_at_billed_value,
                },
                covers=real.covers,
            )
        )
        out.append(
            Kpi(
                "effective_bill_rate",
                "Effective bill rate",
                real.effective_rate,
                "rate",
                detail={"billed_hours": real.billed_hours},
                covers="Billed value ÷ hours of the same work as billing realization.",
            )
        )
    if (margin := s.margin) is not None:
        out.append(
            Kpi(
                "project_margin",
                "Project margin",
                margin.margin_pct,
                "ratio",
                detail={"revenue": margin.revenue, "cost": margin.cost, "margin": margin.margin},
                covers=(
                    "Client projects: fee revenue of the range (fixed fees straight-line over "
                    "their service period, other lines in the month their service period "
                    "starts) − every hour logged × cost rate."
                ),
            )
        )
    if (leak := s.leakage) is not None:
        out.append(
            Kpi(
                "revenue_leakage",
                "Revenue leakage",
                leak.value,
                "money",
                higher_is_better=False,
                detail={
                    "unbilled_time": leak.by_kind.get("unbilled_time", Decimal(0)).quantize(CENTS),
                    "over_cap": leak.by_kind.get("over_cap", Decimal(0)).quantize(CENTS),
                    "write_downs": leak.write_downs,
                    "by_kind": leak.by_kind,
                    "expired_retainer_hours": leak.expired_hours_value,
                    "findings": leak.findings,
                },
            )
        )
    if (comp := s.compliance) is not None:
        out.append(
            Kpi(
                "timesheet_compliance",
                "Timesheet compliance",
                comp.value,
                "ratio",
                COMPLIANCE_TARGET,
                detail={
                    "person_weeks": comp.weeks,
                    "on_time_submission": comp.on_time_submission,
                    "completeness": comp.completeness,
                    **comp.counts,
                },
            )
        )
    if (days := s.days_to_invoice) is not None:
        out.append(
            Kpi(
                "days_to_invoice",
                "Days to invoice",
                days.value,
                "days",
                DAYS_TO_INVOICE_TARGET,
                higher_is_better=False,
                detail={"invoices": days.invoices},
            )
        )
    return out


def receivable_kpis(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    ledger: object | None = None,
    as_of: date | None = None,
) -> list[Kpi]:
    """DSO and collections, from metrics/receivables.py (payment matching applied); `ledger`
    (billing.ar.ledger.Ledger) saves reading the receivables again when the caller has one."""
    from metrics import receivables

    ar = receivables.collection_kpis(con, filters, ledger=ledger, as_of=as_of)
    return [
        Kpi(
            "dso",
            "DSO (countback)",
            _dec(ar.dso_countback),
            "days",
            _dec(ar.dso_target),
            higher_is_better=False,
            detail={
                "dso_simple_90d": _dec(ar.dso_simple),
                "best_possible_dso": _dec(ar.best_possible_dso),
                "average_days_delinquent": _dec(ar.average_days_delinquent),
                "open_ar": _dec(ar.open_ar),
                "overdue_ar": _dec(ar.overdue_ar),
            },
        ),
        Kpi(
            "collection_realization",
            "Collection realization",
            _dec(ar.collection_realization),
            "ratio",
            COLLECTION_TARGET,
            covers=(
                f"Cohort view: cash applied by {ar.collection_as_of.isoformat()} to the "
                "invoices issued in the range ÷ their total (credit memos are write-offs, "
                "not cash). Period view (cash received in the range ÷ invoiced in it) "
                "beside it."
            ),
            detail={
                "view": "cohort",
                "as_of": ar.collection_as_of.isoformat(),
                "cohort_billed": ar.cohort_billed,
                "cohort_collected": ar.cohort_collected,
                "period_view": _dec(ar.collection_rate),
                "collection_rate": _dec(ar.collection_rate),
                "cei": _dec(ar.cei),
            },
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Trends: the same KPI month by month


# The realization rows of a year are 300k entries at 600 people; the trend needs only monthly
# sums, so DuckDB sums them (billed and unbilled apart, as summarize_realization reads them).
REALIZATION_BY_MONTH = """
SELECT month, billing, standard_is_billed, billed_value IS NOT NULL AS billed,
       sum(hours) AS hours, sum(standard_value) AS standard_value,
       CAST(sum(billed_value) AS DECIMAL(18, 4)) AS billed_value
FROM ({rows}) GROUP BY ALL
"""


def monthly_summaries(
    con: duckdb.DuckDBPyConnection, filters: Filters, months: int = 12
) -> dict[str, Summaries]:
    """The summaries of each of the `months` months ending with the range's last (YYYY-MM ->
    Summaries, oldest first; margin is not read). Each KPI's rows are read once over the whole
    window and summarised month by month: one query per KPI, not one per point. Realization and
    utilization come from the trend snapshot when it holds the window and is current (firm-wide
    only: metrics/trend_snapshot.py), else are computed live."""
    window, whole = trend_range(filters, months)
    parts = stored_trend(con, whole) or trend_parts(con, whole, window)
    comp = compliance_rows(con, whole)
    days = days_to_invoice_rows(con, whole)
    leak = leakage_rows(con, whole).with_columns(pl.col("period").alias("month"))
    out = {}
    for month in window:
        label = str(month.last_month)

        def of(rows: pl.DataFrame, label: str = label) -> pl.DataFrame:
            return rows.filter(pl.col("month") == label)

        utilization, realization = parts[label]
        out[label] = Summaries(
            utilization=utilization,
            realization=realization,
            compliance=summarize_compliance(of(comp)),
            days_to_invoice=summarize_days_to_invoice(of(days)),
            leakage=summarize_leakage(of(leak), realization),
        )
    return out


TrendParts = dict[str, tuple[Utilization, Realization]]  # YYYY-MM -> the month's two sums


def trend_parts(
    con: duckdb.DuckDBPyConnection, whole: Filters, window: list[Filters]
) -> TrendParts:
    """Each month's utilization and realization over the window `whole`, computed live."""
    util = utilization_rows(con, whole)
    real = query(con, "realization", whole.params(), wrap=REALIZATION_BY_MONTH)
    out = {}
    for month in window:
        label = str(month.last_month)
        out[label] = (
            summarize_utilization(util.filter(pl.col("month") == label)),
            summarize_realization(real.filter(pl.col("month") == label)),
        )
    return out


def stored_trend(con: duckdb.DuckDBPyConnection, whole: Filters) -> TrendParts | None:
    """The window's months from the trend snapshot, when the filters are firm-wide and the
    snapshot holds the window computed from exactly the inputs this connection sees."""
    if not whole.firm_wide:
        return None
    stored = trend_snapshot.load(con, whole.start, whole.end, trend_snapshot.fingerprint(con))
    if stored is None:
        return None
    return {
        month: (Utilization(**parts["utilization"]), Realization(**parts["realization"]))
        for month, parts in stored.items()
    }


def store_trend(con: duckdb.DuckDBPyConnection, filters: Filters, months: int = 12) -> bool:
    """Computes the firm-wide trend window ending with the range's last month and stores it,
    on a read-write connection (its day tables are built here); False when the snapshot
    already holds it, current. Called after the app read it live and after a job pass: the
    next cold read of the Overview then reads the sums instead. The fingerprint is taken
    first, so the sums are never older than the fingerprint stored with them (a write in
    between makes the row stale, never wrong)."""
    window, whole = trend_range(replace(filters, clients=(), teams=(), people=()), months)
    made_from = trend_snapshot.fingerprint(con)
    if trend_snapshot.load(con, whole.start, whole.end, made_from) is not None:
        return False
    prepare_to(con, whole.end)
    parts = trend_parts(con, whole, window)
    encoded = {
        month: {"utilization": asdict(util), "realization": asdict(real)}
        for month, (util, real) in parts.items()
    }
    trend_snapshot.save(con, whole.start, whole.end, encoded, made_from)
    return True


def trend_frame(by_month: dict[str, Summaries]) -> pl.DataFrame:
    """month, kpi, value (a float, for charts) of every KPI the summaries hold."""
    rows = [
        {"month": month, "kpi": k.key, "value": None if k.value is None else float(k.value)}
        for month, s in by_month.items()
        for k in kpis_from(s)
        if k.key in TREND_KPIS
    ]
    return pl.DataFrame(rows, schema={"month": pl.String, "kpi": pl.String, "value": pl.Float64})


TREND_KPIS = (
    "billable_utilization",
    "billing_realization",
    "timesheet_compliance",
    "days_to_invoice",
    "revenue_leakage",
)


def monthly_trend(
    con: duckdb.DuckDBPyConnection, filters: Filters, months: int = 12
) -> pl.DataFrame:
    """One row per month (the `months` ending with the range's last) and KPI: month, kpi, value."""
    return trend_frame(monthly_summaries(con, filters, months))


# ---------------------------------------------------------------------------------------------
# Which filters each KPI honours: every card says so (docs/metrics.md "Filters on each KPI").

# KPI -> {filter: None (applies as is) | how it applies | why it does not (prefixed "not:")}
FILTER_SCOPE: dict[str, dict[str, str | None]] = {
    "billable_utilization": {
        "clients": "the clients' hours over the capacity of the people who worked for them",
        "teams": None,
    },
    "billing_realization": {"clients": None, "teams": None},
    "effective_bill_rate": {"clients": None, "teams": None},
    "project_margin": {"clients": None, "teams": None},
    "revenue_leakage": {
        "clients": None,
        "teams": "write-downs only (unbilled and over-cap findings carry no team)",
    },
    "timesheet_compliance": {
        "clients": "not: timesheets are per person-week, not per client",
        "teams": None,
    },
    "days_to_invoice": {"clients": None, "teams": "not: invoices belong to no team"},
    "dso": {"clients": None, "teams": "not: receivables belong to no team"},
    "collection_realization": {"clients": None, "teams": "not: receivables belong to no team"},
}


def filter_note(key: str, filters: Filters, client_names: dict[str, str] | None = None) -> str:
    """One line for a KPI card: the range, and for each client/team filter set whether and how
    this KPI honours it ("Applies: October 2026 · clients Acme · not by team: …")."""
    scope = FILTER_SCOPE.get(key, {})
    parts = [filters.label()]
    names = client_names or {}
    clients = tuple(names.get(c, c) for c in filters.clients)
    for name, chosen in (("clients", clients), ("teams", filters.teams)):
        if not chosen:
            continue
        how = scope.get(name)
        listed = ", ".join(chosen)
        if how is None:
            parts.append(f"{name} {listed}")
        elif how.startswith("not:"):
            parts.append(f"not by {name.rstrip('s')}:{how[4:]}")
        else:
            parts.append(f"{name} {listed}: {how}")
    if not filters.clients and not filters.teams:
        parts.append("all clients and teams")
    return "Applies: " + " · ".join(parts)
