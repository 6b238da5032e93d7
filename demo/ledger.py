"""Money and time CSV frames: invoices, lines, payments, expenses and the time entries."""

from __future__ import annotations

import polars as pl

from .catalog import Project, sow_table
from .dates import from_int, int_dates, iso, to_int, zoned_strings
from .expenses import Expense
from .invoicing import Invoice, Line
from .money import cents_expr, cents_str, decimal_str, hours_str
from .people import Person
from .receivables import Payment
from .tables import flag, frame


def _head(inv: Invoice, sent_at: str) -> dict:
    return {
        "invoice_id": inv.invoice_id,
        "client_id": inv.client.client_id,
        "issue_date": iso(inv.issue),
        "due_date": iso(inv.due),
        "currency": inv.contract.currency,
        "total": cents_str(inv.total),
        "number": inv.number,
        "contract_id": inv.contract.contract_id,
        "status": inv.status,
        "po_number": inv.contract.po[0] if inv.contract.po else None,
        "sent_at": sent_at,
        "kind": inv.kind,
        "credits_invoice_id": inv.credits,
        "period_start": iso(inv.period_start),
        "period_end": iso(inv.period_end),
    }


def _line(inv: Invoice, ln: Line) -> dict:
    return {
        "invoice_id": inv.invoice_id,
        "line_no": str(ln.line_no),
        "amount": cents_str(ln.amount),
        "kind": ln.kind,
        "description": ln.description,
        "quantity": hours_str(ln.quantity) if ln.quantity is not None else None,
        "unit_price": decimal_str(ln.unit_price) if ln.unit_price is not None else None,
        "project_id": ln.project_id,
        "person_id": ln.person_id,
        "entry_ids": ln.entry_ids,
    }


def invoice_frames(invoices: list[Invoice]) -> tuple[pl.DataFrame, pl.DataFrame]:
    sent = zoned_strings([to_int(i.issue) for i in invoices], [i.sent_min for i in invoices])
    heads = [_head(inv, s) for inv, s in zip(invoices, sent, strict=True)]
    lines = [_line(inv, ln) for inv in invoices for ln in inv.lines]
    return frame(heads, "invoices"), frame(lines, "invoice_lines")


def payments_frame(payments: list[Payment]) -> pl.DataFrame:
    rows = [
        {
            "payment_id": p.payment_id,
            "client_id": p.client_id,
            "date": iso(p.day),
            "amount": cents_str(p.cents),
            "currency": p.currency,
            "reference": p.reference,
            "invoice_id": p.invoice_id,
        }
        for p in payments
    ]
    return frame(rows, "payments")


def expenses_frame(
    expenses: list[Expense], people: list[Person], projects: list[Project], billed: dict[str, str]
) -> pl.DataFrame:
    minutes = [e.approved_min or 0 for e in expenses]
    stamps = zoned_strings([m // 1440 for m in minutes], [m % 1440 for m in minutes])
    rows = []
    for e, stamp in zip(expenses, stamps, strict=True):
        split = ";".join(f"{projects[p].project_id}:{pct}" for p, pct in e.split) or None
        project = projects[e.project_idx].project_id if e.project_idx is not None else None
        rows.append(
            {
                "expense_id": e.expense_id,
                "person_id": people[e.pidx].person_id,
                "date": iso(from_int(e.day)),
                "amount": cents_str(e.cents),
                "currency": e.currency,
                "description": e.description,
                "vendor": e.vendor,
                "project_id": project,
                "billable": flag(e.billable),
                "receipt_ref": e.receipt_ref,
                "split": split,
                "invoice_id": billed.get(e.expense_id),
                "approved_at": stamp if e.approved_min is not None else None,
            }
        )
    return frame(rows, "expenses")


def _yes_no(cond: pl.Expr, yes: str, no: str) -> pl.Expr:
    return pl.when(cond).then(pl.lit(yes)).otherwise(pl.lit(no))


def truth_frame(df: pl.DataFrame, projects: list[Project]) -> pl.DataFrame:
    """What every entry really was, before unclassified rows lost their labels: the answer key
    of the classification benchmark (entry_id, project_id, sow_line_id, billable, work_type)."""
    sow_ids = pl.Series([f"S-{projects[pi].number}-{code}" for pi, code in sow_table(projects)])
    return df.select(
        "entry_id",
        project_id=pl.Series([p.project_id for p in projects]).gather(df["proj"]),
        sow_line_id=sow_ids.gather(df["sow"]),
        billable=pl.col("billable_true"),
        work_type=_yes_no(pl.col("rush"), "rush", "standard"),
        was_blank=pl.col("blank_proj"),
        sow_was_blank=pl.col("blank_sow"),
    )


def entries_frame(
    df: pl.DataFrame, people: list[Person], projects: list[Project], entry_map: pl.DataFrame
) -> pl.DataFrame:
    """The written time entries: unclassified rows lose project, SOW line, billable, work type."""
    sow_ids = pl.Series([f"S-{projects[pi].number}-{code}" for pi, code in sow_table(projects)])
    project_ids = pl.Series([p.project_id for p in projects])
    df = df.join(entry_map, on="entry_id", how="left", maintain_order="left")
    shown = ~pl.col("blank_proj")
    out = df.select(
        "entry_id",
        person_id=pl.Series([p.person_id for p in people]).gather(df["pidx"]),
        date=int_dates(df["day"].to_numpy()).dt.to_string("%Y-%m-%d"),
        hours=cents_expr(pl.col("cent")),
        project_id=pl.when(shown).then(project_ids.gather(df["proj"])),
        sow_line_id=pl.when(~pl.col("blank_sow")).then(sow_ids.gather(df["sow"])),
        notes="notes",
        billable=pl.when(shown).then(_yes_no(pl.col("billable_true"), "true", "false")),
        work_type=pl.when(shown).then(_yes_no(pl.col("rush"), "rush", "standard")),
        source=pl.lit("demo"),
        source_id="source_id",
        submitted_at="submitted_at",
        approved_at="approved_at",
        approved_by="approved_by",
        invoice_id="invoice_id",
        locked=_yes_no(pl.col("invoice_id").is_not_null(), "true", "false"),
    )
    return out.select(frame([], "time_entries").columns)
