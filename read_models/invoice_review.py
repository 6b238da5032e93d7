"""What the Invoices page reads: a period's saved drafts and their headline numbers, a draft's
lines, the exceptions the period's billing run raised, and the approved invoice's files."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb
import polars as pl

from billing import export, store
from billing.draft import draft_period
from billing.period import Period
from exception_queue import findings
from metrics.filters import Filters
from read_models import stored_reads
from warehouse.db import resolve_db_path
from warehouse.sessions import Db, read_only


@dataclass(frozen=True)
class DraftSummary:
    draft_count: int
    approved_count: int
    void_count: int
    totals: list[tuple[str, Decimal]]  # (currency, total of the drafts not void), largest first


@dataclass(frozen=True)
class PeriodBilling:
    """Where the period stands before anyone saves: what already bills it, and what is left."""

    invoices: list[str]  # numbers of the non-void invoices that bill the period (any source)
    left_to_draft: int  # draft invoices a save would write now (0: nothing left to bill)

    @property
    def already_invoiced(self) -> bool:
        """Invoiced, with nothing left: the page offers no save, only the invoice numbers."""
        return bool(self.invoices) and self.left_to_draft == 0


def period_billing(period: Period, db: Db = None) -> PeriodBilling:
    """Drafts the period without saving (what `billing draft` prints): the invoices that already
    bill it and how many draft invoices are left, so the page never offers to bill it twice.
    Kept in the warehouse while nothing it reads changes (read_models/stored_reads.py: drafting
    a month at 600 people takes ~1 s). A warehouse not built yet has nothing invoiced and
    nothing to draft."""
    path = resolve_db_path(db)
    if not path.exists():
        return PeriodBilling([], 0)
    return stored_reads.read_kept(path, month_billing, Filters.month(period), prepared=False)


def month_billing(con: duckdb.DuckDBPyConnection, filters: Filters) -> PeriodBilling:
    """period_billing of the month `filters` covers, on `con` (the stored read's reader)."""
    draft = draft_period(con, Period.of(filters.start))
    return PeriodBilling(draft.already_invoiced, len(draft.invoices))


def period_drafts(period: Period, db: Db = None) -> pl.DataFrame:
    """One row per saved draft of the period (client, contract, status, number, totals)."""
    with read_only(db) as con:
        return store.list_drafts(con, period)


def summarize(drafts: pl.DataFrame) -> DraftSummary:
    status = drafts["status"]
    totals = (
        drafts.filter(status != "void")
        .group_by("currency")
        .agg(pl.col("total").sum())
        .sort("total", "currency", descending=[True, False])
    )
    return DraftSummary(
        draft_count=drafts.height,
        approved_count=int((status == "approved").sum()),
        void_count=int((status == "void").sum()),
        totals=list(totals.iter_rows()),
    )


def with_contract_text(drafts: pl.DataFrame) -> pl.DataFrame:
    """Adds `contract_text`: the contract, and its project when it invoices per project."""
    return drafts.with_columns(
        contract_text=pl.concat_str(
            ["contract_id", "project_id"], separator=" · ", ignore_nulls=True
        )
    )


def draft_lines(draft_id: int, db: Db = None) -> pl.DataFrame:
    """The draft's lines with the ids of what each bills (`sources`) and any exclusion."""
    with read_only(db) as con:
        return store.draft_lines(con, draft_id)


STRIKE = "\u0336"  # combining long stroke overlay: struck-out text in any table cell


def struck(text: str) -> str:
    """'abc' drawn struck out (a\u0336b\u0336c\u0336): the data grid has no per-row style."""
    return "".join(char + STRIKE for char in text)


def lines_for_review(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines as the Invoices page shows them: an excluded line's description and amount
    struck out (the amount as text, `amount_text`), its reason beside it, so nobody reads it
    as billed; `on_invoice` the amount that counts (none when excluded)."""
    excluded = pl.col("excluded")
    amount = pl.col("amount").map_elements(lambda v: f"{v:,.2f}", return_dtype=pl.Utf8)
    return lines.with_columns(
        description=pl.when(excluded)
        .then(pl.col("description").map_elements(struck, return_dtype=pl.Utf8))
        .otherwise(pl.col("description")),
        amount_text=pl.when(excluded)
        .then(amount.map_elements(struck, return_dtype=pl.Utf8))
        .otherwise(amount),
        exclude_reason=pl.when(excluded).then(pl.col("exclude_reason")),
    )


def run_exceptions(period: Period, db: Db = None) -> pl.DataFrame:
    """The exceptions the period's billing run raised (po_alert, over_cap, unapproved time, …),
    whatever their status, so a decided one still shows beside the drafts."""
    with read_only(db) as con:
        found = findings.queue(con, statuses=None)
    return found.filter((pl.col("period") == str(period)) & (pl.col("source") == "billing"))


def invoice_pdf(draft_id: int, db: Db = None) -> bytes:
    with read_only(db) as con:
        return export.invoice_pdf(con, draft_id)


def invoice_csv(draft_id: int, db: Db = None) -> str:
    with read_only(db) as con:
        return export.invoice_csv(con, draft_id)


def exceptions_by_kind(found: pl.DataFrame) -> pl.DataFrame:
    """One row per exception kind of the run: kind, raised, still open; most open first."""
    return (
        found.group_by("kind")
        .agg(raised=pl.len(), open=(pl.col("status") == "open").sum())
        .sort(["open", "raised", "kind"], descending=[True, True, False])
    )


def accounting_states(draft_id: int, db: Db = None) -> list[str]:
    """One line per accounting system the approved draft was pushed to: its number, status and
    amount paid there, and "changed in QuickBooks/Xero" with the difference when it was edited
    there after the push (as last read by `billing pushed` or `etl sync`; no API call)."""
    from billing.accounting_push import stored_states

    with read_only(db) as con:
        return [state.line(source) for source, state in stored_states(con, draft_id)]
