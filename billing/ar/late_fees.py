"""Late fees (rule 13): accrued as of a date, recorded as pending charges of only what was not
charged before (so any number of runs, on any schedule, charges nothing twice), then posted on
a fee invoice per client and currency, or waived, when operations decide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import polars as pl

from app_auth import audit, four_eyes, guard
from billing.ar.aging import aging_from_ledger, late_fee_periods
from billing.ar.ledger import build_ledger
from billing.locks import claim_number
from billing.store import _audit, _billing_load, _stage_row, next_invoice_number
from core import clock
from core.money import ZERO, money_text, percent_text
from warehouse.db import WarehouseBusy, transaction

CHARGED_SQL = """
SELECT invoice_id, sum(amount) FROM late_fee_charges GROUP BY invoice_id
"""
INSERT_SQL = """
INSERT INTO late_fee_charges (charge_id, invoice_id, client_id, as_of_date, periods,
    open_amount, monthly_rate, amount, currency, status, created_at, charged_before)
VALUES (nextval('late_fee_charge_seq'), ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
RETURNING charge_id
"""
CHARGES_SQL = """
SELECT f.*, i.number AS invoice_number, c.name AS client_name
FROM late_fee_charges f
LEFT JOIN invoices i ON i.invoice_id = f.invoice_id
LEFT JOIN clients c ON c.client_id = f.client_id
WHERE ($status IS NULL OR f.status = $status)
ORDER BY f.client_id, f.invoice_id, f.charge_id
"""
TERMS_SQL = "SELECT coalesce(max(payment_terms_days), 30) FROM clients WHERE client_id = ?"


def accrue_late_fees(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    actor: str = "system",
    *,
    now: datetime | None = None,
    pause: Callable[[], None] | None = None,
) -> list[dict]:
    """Records, per late invoice, the accrued fee as of `as_of` less every fee already charged
    on it (pending, posted or waived). Returns the charges written by this run.

    The reading of what was charged and the writing are one transaction, and each charge
    records the amount charged before it (unique per invoice): a run that overlaps another
    (two sessions, or the app and the command line) fails at COMMIT with WarehouseBusy instead
    of charging the same fee twice. `pause()`, when given, is called after the first charge is
    written and before the commit: the seam tests use to overlap two runs or stop one midway."""
    guard.require("late_fees", actor)
    now = now or clock.now()
    written = []
    with transaction(con):
        report = aging_from_ledger(build_ledger(con), as_of)
        charged = dict(con.execute(CHARGED_SQL).fetchall())
        for row in report.rows:
            before = charged.get(row.invoice.invoice_id, ZERO)
            due = row.late_fee - before
            if due <= 0:
                continue
            inv = row.invoice
            values = [
                inv.invoice_id,
                inv.client_id,
                as_of,
                late_fee_periods(inv, as_of),
                row.open,
                inv.late_fee_rate,
                due,
                inv.currency,
                now,
                before,
            ]
            try:
                charge_id = con.execute(INSERT_SQL, values).fetchall()[0][0]
            except duckdb.ConstraintException as err:  # the chain key: a concurrent run's row
                raise WarehouseBusy(f"another run charged {inv.invoice_id} meanwhile") from err
            written.append(
                {
                    "charge_id": charge_id,
                    "invoice_id": inv.invoice_id,
                    "client_id": inv.client_id,
                    "amount": due,
                    "currency": inv.currency,
                    "periods": values[3],
                    "open_amount": row.open,
                }
            )
            if pause is not None and len(written) == 1:
                pause()
        if written:  # a run that charged nothing wrote nothing and leaves no row
            total = sum((c["amount"] for c in written), ZERO)
            audit.record(
                con,
                actor,
                "late_fees_accrued",
                "late_fee_run",
                as_of.isoformat(),
                after={
                    "charges": len(written),
                    "total": total,
                    "charge_ids": [c["charge_id"] for c in written],
                },
            )
    return written


def charges(con: duckdb.DuckDBPyConnection, status: str | None = "pending") -> pl.DataFrame:
    """Late-fee charges (pending by default), with the invoice number and client name."""
    return con.sql(CHARGES_SQL, params={"status": status}).pl()


def post_late_fees(
    con: duckdb.DuckDBPyConnection,
    charge_ids: list[int],
    actor: str,
    *,
    issue_date: date | None = None,
) -> list[str]:
    """Posts pending charges on one fee invoice per (client, currency), issued and sent today
    with the client's terms; returns the new invoice numbers. A fee invoice never accrues a
    late fee itself (no compounding)."""
    if not actor or not actor.strip():
        raise ValueError("posting late fees needs an actor")
    guard.require("late_fees", actor)
    issue = issue_date or clock.today()
    with transaction(con):
        pending = charges(con).filter(pl.col("charge_id").is_in(list(charge_ids)))
        if pending.height != len(set(charge_ids)):
            raise ValueError("only pending charges can be posted")
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for charge in pending.to_dicts():
            groups[(charge["client_id"], charge["currency"])].append(charge)
        return [
            _fee_invoice(con, client, cur, rows, actor, issue)
            for (client, cur), rows in sorted(groups.items())
        ]


def _fee_invoice(
    con, client_id: str, currency: str, rows: list[dict], actor: str, issue: date
) -> str:
    number = next_invoice_number(con, issue.year)
    claim_number(con, number, None)  # unique: a concurrent approval cannot take it too
    terms = con.execute(TERMS_SQL, [client_id]).fetchall()[0][0]
    total = sum((Decimal(r["amount"]) for r in rows), ZERO)
    load_id = _billing_load(
        con,
        0,
        f"late fees posted as {number}",
        {"invoices": (1, 0), "invoice_lines": (len(rows), 0)},
    )
    _stage_row(
        con,
        "invoices",
        load_id,
        {
            "invoice_id": number,
            "client_id": client_id,
            "issue_date": issue,
            "due_date": issue + timedelta(days=terms),
            "currency": currency,
            "total": total,
            "number": number,
            "status": "sent",
            "kind": "invoice",
            "sent_at": clock.now(),
        },
    )
    for no, r in enumerate(rows, 1):
        text = (
            f"Late fee on {r['invoice_number'] or r['invoice_id']}: "
            f"{percent_text(Decimal(r['monthly_rate']))} a month x {r['periods']} "
            f"on {money_text(Decimal(r['open_amount']))} (as of {r['as_of_date']})"
        )
        _stage_row(
            con,
            "invoice_lines",
            load_id,
            {
                "invoice_id": number,
                "line_no": no,
                "amount": r["amount"],
                "kind": "late_fee",
                "description": text,
                "quantity": 1,
                "unit_price": r["amount"],
            },
        )
    ids = [r["charge_id"] for r in rows]
    con.execute(
        "UPDATE late_fee_charges SET status = 'posted', fee_invoice_id = ?, "
        "decided_at = now(), decided_by = ? WHERE list_contains(?, charge_id)",
        [number, actor, ids],
    ).fetchall()
    _audit(
        con,
        actor,
        "late_fees_posted",
        "invoice",
        number,
        after={"charges": ids, "total": total, "currency": currency},
    )
    return number


def waive_late_fees(
    con: duckdb.DuckDBPyConnection, charge_ids: list[int], actor: str, reason: str
) -> str:
    """Waives pending charges: they stay counted as charged, so they never come back. Above
    the four-eyes limit (FOUR_EYES_WAIVER_ABOVE, on the charges' total) the first person's
    waiver is only a request, and a different person waiving the same charges carries it out.
    Returns what happened, in words."""
    if not reason or not reason.strip():
        raise ValueError("waiving a late fee needs a reason")
    guard.require("late_fees", actor)
    with transaction(con):
        pending = charges(con).filter(pl.col("charge_id").is_in(list(charge_ids)))
        if pending.height != len(set(charge_ids)):
            raise ValueError("only pending charges can be waived")
        total = sum((Decimal(a) for a in pending["amount"]), ZERO)
        key = ",".join(str(i) for i in sorted(set(charge_ids)))
        if not four_eyes.second_person(con, "late_fee_waiver", key, total, actor, reason):
            return (
                f"Waiver of {money_text(total)} requested: above the four-eyes limit, "
                "another person must waive the same charges to confirm it"
            )
        con.execute(
            "UPDATE late_fee_charges SET status = 'waived', decided_at = now(), "
            "decided_by = ? WHERE list_contains(?, charge_id)",
            [actor, list(charge_ids)],
        ).fetchall()
        for charge_id in charge_ids:
            _audit(con, actor, "late_fee_waived", "late_fee_charge", charge_id, reason=reason)
    return "Waived"


def charges_json(written: list[dict]) -> dict:
    return {
        "charges": [
            {**c, "amount": money_text(c["amount"]), "open_amount": money_text(c["open_amount"])}
            for c in written
        ]
    }


def render_table(written: list[dict], as_of: date) -> str:
    out = [f"Late fees accrued as of {as_of}: {len(written)} new charge(s)"]
    out += [
        f"  {c['invoice_id']:<14} {c['client_id']:<10} {c['periods']:>3} period(s) "
        f"{money_text(c['amount']):>12} {c['currency']}"
        for c in written
    ]
    return "\n".join(out) + "\n"
