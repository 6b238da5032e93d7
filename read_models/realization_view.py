"""The shaping behind the "Realization & margin" page: one read of the warehouse per range
(`read_page`, a function of (con, filters) the page caches through kpi_ui.read), then pure
functions that cut the frames it returns into what each chart and table shows, so every number
the page draws can be tested without Streamlit.

Definitions (the page's help text repeats them in a billing manager's words):
- realization = Σ billed value / Σ standard value over billed entries; effective bill rate =
  Σ billed value / Σ hours of the same entries; unbilled entries are WIP and shown apart
  (metrics/sql/kpi/realization.sql; kpis.md §2, §3);
- collected = each entry's billed value on each invoice x the share of that invoice paid as of
  the range end; credited (a credit memo applied to the invoice) is a write-off, not
  collection (kpis.md §2), so the waterfall's last step splits into "written off (credit
  memos)" and "not yet collected";
- margin = fee revenue of invoices whose service period starts in the range - all hours x cost
  rate (metrics/sql/kpi/margin.sql); budget burn = hours to date / budget hours against the
  share of milestones done, flagged when burn runs ahead by more than BURN_AHEAD."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import polars as pl

from billing.ar.ledger import build_ledger
from core import clock
from metrics.filters import Filters
from metrics.kpis import budget_burn_rows, margin_rows, ratio
from metrics.session import run_sql

SQL_DIR = Path(__file__).parent / "sql" / "realization_view"
ENTRIES_SQL = (SQL_DIR / "entries.sql").read_text(encoding="utf-8")
MARGIN_PEOPLE_SQL = (SQL_DIR / "margin_people.sql").read_text(encoding="utf-8")

CENTS = Decimal("0.01")
SHARE_PLACES = Decimal("1e-10")
# kpis.md §12: flag a project whose hour burn runs ahead of its completed milestones by more
# than 10 points.
BURN_AHEAD = 0.10

# Receivables tables added by migration 004. The app's reads upgrade an older warehouse first
# (warehouse/sessions.py), so these stand-ins only serve a connection handed in without them: empty
# tables let billing/ar match payments by reference and amount alone, which is what it does when
# no operator has allocated anything.
_AR_STANDINS = {
    "payment_allocations": (
        "SELECT NULL::VARCHAR AS payment_id, NULL::VARCHAR AS invoice_id, "
        "NULL::DECIMAL(18, 2) AS amount, NULL::TIMESTAMPTZ AS decided_at, "
        "NULL::VARCHAR AS decided_by WHERE false"
    ),
    "late_fee_charges": "SELECT NULL::VARCHAR AS fee_invoice_id WHERE false",
}

SETTLEMENT_SCHEMA = {
    "invoice_id": pl.String,
    "paid_share": pl.Decimal(18, 10),
    "credited_share": pl.Decimal(18, 10),
    "paid_share_now": pl.Decimal(18, 10),
    "credited_share_now": pl.Decimal(18, 10),
}


@dataclass(frozen=True)
class PageData:
    """Everything the page draws for one range, read once and cached as a whole."""

    entries: pl.DataFrame  # realization rows + invoices, collected and credited values
    clients: pl.DataFrame  # by_client(entries)
    projects: pl.DataFrame  # by_project(entries)
    margin: pl.DataFrame  # margin_rows
    margin_people: pl.DataFrame  # cost by project and person
    burn: pl.DataFrame  # budget_burn_rows
    as_of: date  # the range end: collection is measured on it
    today: date
    base_currency: str
    has_data: bool  # the warehouse holds time entries at all (else: the empty state)


# ---------------------------------------------------------------------------------------------
# Reading


def _ensure_ar_tables(con: duckdb.DuckDBPyConnection) -> None:
    have = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name IN "
            "('payment_allocations', 'late_fee_charges')"
        ).fetchall()
    }
    for name, sql in _AR_STANDINS.items():
        if name not in have:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}").fetchall()


def _share(part: Decimal, total: Decimal) -> Decimal:
    return (part / total).quantize(SHARE_PLACES, ROUND_HALF_UP) if total > 0 else Decimal(0)


def invoice_settlement(con: duckdb.DuckDBPyConnection, as_of: date, today: date) -> pl.DataFrame:
    """Per invoice, the share of its total paid and the share credited by credit memos as of
    `as_of` and as of `today`, from billing/ar's payment application (DATA_CONTRACT rule 12:
    payments by reference, else the one open invoice of equal balance, operators' allocations;
    credit memos against the invoice they credit)."""
    _ensure_ar_tables(con)
    ledger = build_ledger(con)
    by_invoice: dict[str, list] = {}
    for app in ledger.matched.applications:
        by_invoice.setdefault(app.invoice_id, []).append(app)
    rows = []
    for inv in ledger.invoices:
        if inv.issue_date > today:
            continue
        sums = {
            "paid": Decimal(0),
            "credited": Decimal(0),
            "paid_now": Decimal(0),
            "credited_now": Decimal(0),
        }
        for app in by_invoice.get(inv.invoice_id, ()):
            kind = "paid" if app.source_kind == "payment" else "credited"
            if app.applied_date <= today:
                sums[f"{kind}_now"] += app.amount
            if app.applied_date <= as_of:
                sums[kind] += app.amount
        rows.append(
            {
                "invoice_id": inv.invoice_id,
                "paid_share": _share(sums["paid"], inv.total),
                "credited_share": _share(sums["credited"], inv.total),
                "paid_share_now": _share(sums["paid_now"], inv.total),
                "credited_share_now": _share(sums["credited_now"], inv.total),
            }
        )
    return pl.DataFrame(rows, schema=SETTLEMENT_SCHEMA)


def read_entries(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date | None = None
) -> pl.DataFrame:
    """The realization rows of the range with their invoices and collected/credited values."""
    today = max(today or clock.today(), filters.end)
    settlement = invoice_settlement(con, filters.end, today)
    con.register("invoice_settlement_frame", settlement)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE invoice_settlement AS "
            "SELECT * FROM invoice_settlement_frame"
        ).fetchall()
    finally:
        con.unregister("invoice_settlement_frame")
    return run_sql(con, ENTRIES_SQL, filters.params())


def read_margin_people(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Cost by project and person (the cost side of margin_rows)."""
    return run_sql(con, MARGIN_PEOPLE_SQL, filters.params())


KEEP = (
    "entry_id",
    "date",
    "person_name",
    "project_id",
    "project_name",
    "client_id",
    "client_name",
    "billing",
    "hours",
    "standard_value",
    "billed_value",
    "standard_is_billed",
    "invoices",
    "collected_value",
    "credited_value",
    "collected_value_now",
    "credited_value_now",
)
REPEATED = (
    "person_name",
    "project_id",
    "project_name",
    "client_id",
    "client_name",
    "billing",
    "invoices",
)


def _compact(entries: pl.DataFrame) -> pl.DataFrame:
    """Only the columns the page uses, repeated names as categoricals: the cached frame is
    unpickled on every rerun, and a quarter at 600 people is ~90k entries."""
    return entries.select(KEEP).with_columns(pl.col(REPEATED).cast(pl.Categorical))


def read_page(con: duckdb.DuckDBPyConnection, filters: Filters) -> PageData:
    """Everything the page needs for the range, in one prepared connection."""
    today = max(clock.today(), filters.end)
    entries = _compact(read_entries(con, filters, today))
    return PageData(
        entries=entries,
        clients=by_client(entries),
        projects=by_project(entries),
        margin=margin_rows(con, filters),
        margin_people=read_margin_people(con, filters),
        burn=budget_burn_rows(con, filters),
        as_of=filters.end,
        today=today,
        base_currency=con.execute(
            "SELECT coalesce(max(base_currency), 'USD') FROM firm"
        ).fetchall()[0][0],
        has_data=con.execute("SELECT count(*) > 0 FROM time_entries").fetchall()[0][0],
    )


# ---------------------------------------------------------------------------------------------
# Shaping (pure: frames in, frames out)


def cents(value: Decimal | None) -> Decimal | None:
    """Money as shown: half-up to cents."""
    return None if value is None else value.quantize(CENTS, ROUND_HALF_UP)


def _dsum(values: pl.Series) -> Decimal:
    total = values.drop_nulls().sum() if values.len() else None
    return Decimal(0) if total is None else Decimal(total)


def _hours(values: pl.Series) -> Decimal:
    return Decimal(str(round(float(values.sum() or 0.0), 6))).normalize() + Decimal(0)


def _as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


MONEY = pl.Decimal(18, 2)
GROUP_SCHEMA = {
    "billed_hours": pl.Float64,
    "standard_value": MONEY,
    "billed_value": MONEY,
    "write_down": MONEY,
    "realization": pl.Float64,
    "effective_rate": MONEY,
    "standard_rate": MONEY,
    "wip_hours": pl.Float64,
    "wip_value": MONEY,
}


def _group_row(part: pl.DataFrame) -> dict[str, object]:
    """The realization figures of a set of entries: sums first, then one division each."""
    billed = part.filter(pl.col("billed_value").is_not_null())
    wip = part.filter(pl.col("billed_value").is_null())
    standard, value = _dsum(billed["standard_value"]), _dsum(billed["billed_value"])
    hours = _hours(billed["hours"])
    return {
        "billed_hours": float(hours),
        "standard_value": cents(standard),
        "billed_value": cents(value),
        "write_down": cents(standard - value),
        "realization": _as_float(ratio(value, standard)),
        "effective_rate": cents(value / hours) if hours else None,
        "standard_rate": cents(standard / hours) if hours else None,
        "wip_hours": float(_hours(wip["hours"])),
        "wip_value": cents(_dsum(wip["standard_value"])),
    }


def _grouped(entries: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    schema = {k: pl.String for k in keys} | GROUP_SCHEMA
    rows = [
        dict(zip(keys, key, strict=True)) | _group_row(part)
        for key, part in entries.group_by(keys, maintain_order=True)
    ]
    frame = pl.DataFrame(rows, schema=schema)
    return frame.sort(["standard_value", *keys], descending=[True] + [False] * len(keys))


def by_client(entries: pl.DataFrame) -> pl.DataFrame:
    """Realization and effective bill rate per client, largest standard value first."""
    return _grouped(entries, ["client_id", "client_name"])


def by_project(entries: pl.DataFrame, client_id: str | None = None) -> pl.DataFrame:
    """Realization and effective bill rate per project (of one client when given)."""
    if client_id is not None:
        entries = entries.filter(pl.col("client_id") == client_id)
    return _grouped(entries, ["client_id", "client_name", "project_id", "project_name"])


ENTRY_COLUMNS = {
    "date": pl.Date,
    "person_name": pl.String,
    "hours": pl.Float64,
    "rate": MONEY,
    "standard_value": MONEY,
    "billed_value": MONEY,
    "collected_value": MONEY,
    "invoices": pl.String,
    "entry_id": pl.String,
}


def project_entries(entries: pl.DataFrame, project_id: str) -> pl.DataFrame:
    """The entries behind a project's realization: date, person, hours, the card rate in base
    currency (standard value / hours), standard, billed (empty = WIP) and collected value, and
    the invoices that bill it."""
    part = entries.filter(pl.col("project_id") == project_id)
    rows = []
    for r in part.iter_rows(named=True):
        hours = Decimal(str(r["hours"]))
        rows.append(
            {
                "date": r["date"],
                "person_name": r["person_name"],
                "hours": r["hours"],
                "rate": cents(r["standard_value"] / hours)
                if hours and r["standard_value"] is not None
                else None,
                "standard_value": cents(r["standard_value"]),
                "billed_value": cents(r["billed_value"]),
                "collected_value": cents(r["collected_value"]),
                "invoices": r["invoices"],
                "entry_id": r["entry_id"],
            }
        )
    return pl.DataFrame(rows, schema=ENTRY_COLUMNS)


WATERFALL_STEPS = (
    "Standard value",
    "Write-downs & discounts",
    "Billed",
    "Written off (credit memos)",
    "Not yet collected",
    "Collected",
)


def waterfall(entries: pl.DataFrame, *, now: bool = False) -> pl.DataFrame:
    """Standard value -> billed -> collected for the range's billed entries (WIP left out: it
    has no billed value yet). Steps: step (label), kind ("total" or "step"), value (a step is
    negative when it lowers the running total; a write-up makes the first one positive).
    `now` measures collection today instead of at the range end."""
    billed = entries.filter(pl.col("billed_value").is_not_null())
    suffix = "_now" if now else ""
    standard = _dsum(billed["standard_value"])
    value = _dsum(billed["billed_value"])
    collected = _dsum(billed[f"collected_value{suffix}"])
    credited = _dsum(billed[f"credited_value{suffix}"])
    outstanding = value - collected - credited
    rows = [
        ("Standard value", "total", standard),
        ("Write-downs & discounts", "step", value - standard),
        ("Billed", "total", value),
        ("Written off (credit memos)", "step", -credited),
        ("Not yet collected", "step", -outstanding),
        ("Collected", "total", collected),
    ]
    return pl.DataFrame(
        [{"step": s, "kind": k, "value": cents(v)} for s, k, v in rows],
        schema={"step": pl.String, "kind": pl.String, "value": MONEY},
    )


def waterfall_step_by_project(
    entries: pl.DataFrame, step: str, *, now: bool = False
) -> pl.DataFrame:
    """The rows behind one waterfall bar: its amount per project, largest first."""
    billed = entries.filter(pl.col("billed_value").is_not_null())
    suffix = "_now" if now else ""
    rows = []
    for (client, project, name), part in billed.group_by(
        ["client_name", "project_id", "project_name"], maintain_order=True
    ):
        standard, value = _dsum(part["standard_value"]), _dsum(part["billed_value"])
        collected = _dsum(part[f"collected_value{suffix}"])
        credited = _dsum(part[f"credited_value{suffix}"])
        amount = {
            "Standard value": standard,
            "Write-downs & discounts": standard - value,
            "Billed": value,
            "Written off (credit memos)": credited,
            "Not yet collected": value - collected - credited,
            "Collected": collected,
        }[step]
        rows.append(
            {
                "client_name": client,
                "project_id": project,
                "project_name": name,
                "amount": cents(amount),
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "client_name": pl.String,
            "project_id": pl.String,
            "project_name": pl.String,
            "amount": MONEY,
        },
    )
    return frame.filter(pl.col("amount") != 0).sort(
        ["amount", "project_id"], descending=[True, False]
    )


def margin_table(margin: pl.DataFrame) -> pl.DataFrame:
    """margin_rows with margin % (margin / revenue; n/a without revenue), by margin, highest
    first."""
    pcts = [
        _as_float(ratio(m, r)) for m, r in zip(margin["margin"], margin["revenue"], strict=True)
    ]
    return margin.with_columns(pl.Series("margin_pct", pcts, dtype=pl.Float64)).sort(
        ["margin", "project_id"], descending=[True, False]
    )


def project_cost(margin_people: pl.DataFrame, project_id: str) -> pl.DataFrame:
    """A project's cost by person: hours, cost rate, cost."""
    return margin_people.filter(pl.col("project_id") == project_id).drop("project_id")


def burn_table(burn: pl.DataFrame) -> pl.DataFrame:
    """budget_burn_rows with the gap between hour burn and milestones done, and a flag when
    burn runs ahead of completion by more than BURN_AHEAD (n/a without budget or milestones)."""
    gap = pl.col("burn") - pl.col("milestones_done")
    return burn.with_columns(
        gap.alias("burn_ahead_by"),
        (gap > BURN_AHEAD).fill_null(False).alias("burn_ahead"),
    )
