"""The weekly AR review: every open invoice with its bucket, last reminder, promise, dispute,
owner and notes; edits saved with who and when (and audited); what moved between buckets since
last week; the review as CSV and PDF for the meeting."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import duckdb
import polars as pl
from fpdf import FPDF

from app_auth import guard
from billing.ar.aging import Aging, aging_from_ledger
from billing.ar.ledger import Ledger, build_ledger
from billing.ar.model import BUCKETS
from billing.export import REPLACEMENTS, amount_text
from billing.store import _audit
from core import clock
from core.csv_safe import rows_csv
from warehouse.db import transaction

NOTES_SQL = """
SELECT n.invoice_id, n.owner, n.note, n.is_disputed, n.promised_date, n.updated_at,
       n.updated_by
FROM ar_invoice_notes n
"""
REMINDERS_SQL = """
SELECT invoice_id, max(sent_at) AS last_reminder_at,
       arg_max(tone, (sent_at, offset_days)) AS last_reminder_tone
FROM reminder_log
WHERE channel NOT IN ('skipped', 'sending')  -- skipped offsets share the sent one's time
GROUP BY invoice_id
"""
CLIENT_TERMS_SQL = "SELECT client_id, payment_terms_days FROM clients"
UPSERT_NOTE_SQL = """
INSERT INTO ar_invoice_notes VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (invoice_id) DO UPDATE SET owner = excluded.owner, note = excluded.note,
    is_disputed = excluded.is_disputed, promised_date = excluded.promised_date,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by
"""
NOTE_FIELDS = ("owner", "note", "is_disputed", "promised_date")
REVIEW_COLUMNS = (
    "client_id",
    "client_name",
    "billing_email",
    "payment_terms_days",
    "invoice_id",
    "number",
    "issue_date",
    "due_date",
    "days_past_due",
    "bucket",
    "currency",
    "open",
    "open_base",
    "late_fee",
    "last_reminder_at",
    "last_reminder_tone",
    "promised_date",
    "is_disputed",
    "owner",
    "note",
    "updated_by",
    "updated_at",
)


def _frame(con, sql: str) -> pl.DataFrame:
    return con.sql(sql).pl()


def review_rows(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    ledger: Ledger | None = None,
    clients: tuple[str, ...] = (),
) -> pl.DataFrame:
    """One row per open invoice as of `as_of` with the review's facts, clients with the most
    overdue first, then each client's oldest invoice first."""
    report = aging_from_ledger(ledger or build_ledger(con), as_of)
    rows = [
        {
            "client_id": r.invoice.client_id,
            "client_name": r.invoice.client_name,
            "billing_email": r.invoice.billing_email,
            "invoice_id": r.invoice.invoice_id,
            "number": r.invoice.label,
            "issue_date": r.invoice.issue_date,
            "due_date": r.invoice.due_date,
            "days_past_due": r.days_past_due,
            "bucket": r.bucket,
            "currency": r.invoice.currency,
            "open": r.open,
            "open_base": r.open_base,
            "late_fee": r.late_fee,
        }
        for r in report.rows
        if not clients or r.invoice.client_id in clients
    ]
    schema = {
        "issue_date": pl.Date,
        "due_date": pl.Date,
        "days_past_due": pl.Int64,
        "open": pl.Decimal(18, 2),
        "open_base": pl.Decimal(18, 2),
        "late_fee": pl.Decimal(18, 2),
    }
    frame = pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None)
    if frame.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(REVIEW_COLUMNS, pl.Utf8) | schema)
    frame = (
        frame.join(_frame(con, CLIENT_TERMS_SQL), on="client_id", how="left")
        .join(_frame(con, REMINDERS_SQL), on="invoice_id", how="left")
        .join(_frame(con, NOTES_SQL), on="invoice_id", how="left")
        .with_columns(pl.col("is_disputed").fill_null(False))
    )
    overdue = (
        pl.when(pl.col("days_past_due") > 0)
        .then(pl.col("open_base"))
        .otherwise(0)
        .sum()
        .over("client_id")
        .alias("client_overdue")
    )
    return (
        frame.with_columns(overdue)
        .sort(["client_overdue", "client_id", "days_past_due"], descending=[True, False, True])
        .select(REVIEW_COLUMNS)
    )


def client_summary(rows: pl.DataFrame) -> pl.DataFrame:
    """Per client: open and overdue (base currency), invoices, oldest days past due; most
    overdue first."""
    if rows.is_empty():
        return pl.DataFrame(schema={"client_id": pl.Utf8, "client_name": pl.Utf8})
    late = pl.col("days_past_due") > 0
    return (
        rows.group_by("client_id", "client_name", maintain_order=True)
        .agg(
            pl.col("open_base").sum().alias("open_base"),
            pl.col("open_base").filter(late).sum().alias("overdue_base"),
            pl.len().alias("invoices"),
            pl.col("days_past_due").max().alias("oldest_days"),
            pl.col("is_disputed").any().alias("any_disputed"),
            pl.col("promised_date").max().alias("promised_date"),
            pl.col("owner").drop_nulls().first().alias("owner"),
        )
        .sort(["overdue_base", "client_id"], descending=[True, False])
    )


def save_note(
    con: duckdb.DuckDBPyConnection,
    invoice_id: str,
    actor: str,
    *,
    now: datetime | None = None,
    **changes,
) -> None:
    """Saves the review's fields of one invoice (owner, note, is_disputed, promised_date) with
    who and when; a new promised date is also kept in the promise history (broken promises
    are counted from it). Audited with before and after."""
    if not actor or not str(actor).strip():
        raise ValueError("a review edit needs an actor")
    guard.require("ar_notes", str(actor))
    if unknown := set(changes) - set(NOTE_FIELDS):
        raise ValueError(f"unknown review fields: {sorted(unknown)}")
    if not con.execute("SELECT 1 FROM invoices WHERE invoice_id = ?", [invoice_id]).fetchall():
        raise ValueError(f"no invoice {invoice_id!r}")
    now = now or clock.now()
    with transaction(con):
        found = con.execute(
            "SELECT owner, note, is_disputed, promised_date FROM "
            "ar_invoice_notes WHERE invoice_id = ?",
            [invoice_id],
        ).fetchall()
        before = dict(zip(NOTE_FIELDS, found[0])) if found else dict.fromkeys(NOTE_FIELDS)
        before["is_disputed"] = bool(before["is_disputed"])
        after = before | changes
        after["is_disputed"] = bool(after["is_disputed"])
        con.execute(
            UPSERT_NOTE_SQL,
            [
                invoice_id,
                after["owner"],
                after["note"],
                after["is_disputed"],
                after["promised_date"],
                now,
                actor,
            ],
        ).fetchall()
        if after["promised_date"] and after["promised_date"] != before["promised_date"]:
            con.execute(
                "INSERT INTO ar_promises VALUES (nextval('promise_id_seq'), ?, ?, ?, ?)",
                [invoice_id, after["promised_date"], now, actor],
            ).fetchall()
        _audit(con, actor, "ar_review_edit", "invoice", invoice_id, before, after)


def bucket_movement(
    ledger: Ledger, as_of: date, days: int = 7, clients: tuple[str, ...] = ()
) -> pl.DataFrame:
    """What moved since `days` ago: one row per invoice whose bucket changed, with 'new' for
    invoices issued since and 'paid' for those settled since."""
    now, then = aging_from_ledger(ledger, as_of), aging_from_ledger(ledger, as_of - timedelta(days))
    a, b = _by_invoice(then, clients), _by_invoice(now, clients)
    rows = []
    for invoice_id in sorted(set(a) | set(b)):
        before, after = a.get(invoice_id), b.get(invoice_id)
        was, is_ = before.bucket if before else "new", after.bucket if after else "paid"
        if was != is_:
            ref = (after or before).invoice
            rows.append(
                {
                    "client_id": ref.client_id,
                    "client_name": ref.client_name,
                    "invoice_id": invoice_id,
                    "number": ref.label,
                    "from_bucket": was,
                    "to_bucket": is_,
                    "open_before": before.open if before else None,
                    "open_now": after.open if after else None,
                    "currency": ref.currency,
                }
            )
    schema = {"open_before": pl.Decimal(18, 2), "open_now": pl.Decimal(18, 2)}
    columns = (
        "client_id",
        "client_name",
        "invoice_id",
        "number",
        "from_bucket",
        "to_bucket",
        "open_before",
        "open_now",
        "currency",
    )
    if not rows:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8) | schema)
    return pl.DataFrame(rows, schema_overrides=schema)


def _by_invoice(report: Aging, clients: tuple[str, ...]) -> dict:
    return {
        r.invoice.invoice_id: r
        for r in report.rows
        if not clients or r.invoice.client_id in clients
    }


def movement_matrix(moves: pl.DataFrame) -> pl.DataFrame:
    """Counts of invoices from bucket (rows) to bucket (columns)."""
    order = ["new", *BUCKETS, "paid"]
    counts = Counter(zip(moves["from_bucket"].to_list(), moves["to_bucket"].to_list()))
    return pl.DataFrame(
        [{"from": f, **{t: counts.get((f, t), 0) for t in order[1:]}} for f in order[:-1]]
    )


# ---- exports ------------------------------------------------------------------------------

CSV_COLUMNS = REVIEW_COLUMNS


def review_csv(rows: pl.DataFrame) -> str:
    """The review's rows as CSV; notes and names are text, so formula cells are neutralised."""
    return rows_csv(
        CSV_COLUMNS, ([row[c] for c in CSV_COLUMNS] for row in rows.iter_rows(named=True))
    )


def _latin(text) -> str:
    text = "" if text is None else str(text)
    for k, v in REPLACEMENTS.items():
        text = text.replace(k, v)
    return text.encode("latin-1", "replace").decode("latin-1")


PDF_COLUMNS = (
    ("number", "Invoice", 30),
    ("due_date", "Due", 22),
    ("days_past_due", "Days", 14),
    ("bucket", "Bucket", 18),
    ("open", "Open", 28),
    ("currency", "Cur.", 12),
    ("late_fee", "Late fee", 20),
    ("promised_date", "Promised", 22),
    ("is_disputed", "Disputed", 16),
    ("owner", "Owner", 28),
    ("note", "Note", 70),
)
RIGHT = ("open", "late_fee", "days_past_due")


def review_pdf(rows: pl.DataFrame, as_of: date, firm_name: str = "") -> bytes:
    """The review for the meeting: one block per client (most overdue first), landscape A4."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0, 8, _latin(f"{firm_name} AR review as of {as_of}".strip()), new_x="LMARGIN", new_y="NEXT"
    )
    for (client_id, client_name), block in _blocks(rows):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _latin(f"{client_name} ({client_id})"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 8)
        for name, label, width in PDF_COLUMNS:
            pdf.cell(width, 5, label, border="B", align="R" if name in RIGHT else "L")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        for row in block.iter_rows(named=True):
            for name, _, width in PDF_COLUMNS:
                value = row[name]
                if name == "is_disputed":
                    value = "yes" if value else ""
                text = amount_text(value) if name in ("open", "late_fee") else _latin(value)
                pdf.cell(width, 5, text[: int(width / 1.6)], align="R" if name in RIGHT else "L")
            pdf.ln()
    if rows.is_empty():
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 8, "Nothing is open.")
    return bytes(pdf.output())


def _blocks(rows: pl.DataFrame):
    for key in rows.select("client_id", "client_name").unique(maintain_order=True).iter_rows():
        yield key, rows.filter(pl.col("client_id") == key[0])
