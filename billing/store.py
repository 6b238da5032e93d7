"""Saved draft invoices, the Invoices page's data layer: save a period's drafts, review them
line by line, approve one into the staging invoices (numbered, dated) or void it. Every human
action writes an audit_log row (who, before, after, why); every write is one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import polars as pl

from app_auth import four_eyes, guard
from billing import locks
from billing import recompute as recompute_lines
from billing.draft import draft_period
from billing.locks import AlreadyBilled
from billing.model import DraftInvoice
from billing.period import Period
from billing.terms import load_contracts
from core import clock
from core.money import cents, dec
from etl.app_writes import app_load, insert_row, update_row
from etl.checks import quote
from warehouse.db import transaction

DEFAULT_TERMS_DAYS = 30
APPROVAL_ATTEMPTS = 3  # a number taken by a concurrent approval is retried with the next one

# Grain: one row per saved draft, with its totals over the lines that are not excluded.
DRAFTS_SQL = """
WITH totals AS (
    SELECT draft_id,
           CAST(coalesce(sum(amount) FILTER (WHERE NOT excluded), 0) AS DECIMAL(18,2)) AS subtotal,
           count(*) FILTER (WHERE NOT excluded) AS line_count,
           count(*) FILTER (WHERE excluded) AS excluded_count
    FROM invoice_draft_lines GROUP BY draft_id
),
priced AS (
    SELECT d.*, coalesce(c.name, d.client_id) AS client_name, c.billing_email,
           coalesce(t.subtotal, 0) AS subtotal,
           CAST(round(coalesce(t.subtotal, 0) * d.tax_rate, 2) AS DECIMAL(18,2)) AS tax,
           coalesce(t.line_count, 0) AS line_count, coalesce(t.excluded_count, 0) AS excluded_count
    FROM invoice_drafts d
    LEFT JOIN totals t USING (draft_id)
    LEFT JOIN clients c ON c.client_id = d.client_id
),
final AS (
    SELECT draft_id, period, contract_id, client_id, client_name, billing_email, project_id,
           currency, po_number, status, invoice_number, issue_date, due_date, tax_rate, subtotal,
           tax, CAST(subtotal + tax AS DECIMAL(18,2)) AS total, line_count, excluded_count,
           created_at, created_by, approved_at, approved_by, voided_at, voided_by, void_reason
    FROM priced
)
SELECT * FROM final
"""

LINES_SQL = """
SELECT line_no, kind, project_id, person_id, description, quantity, unit_price, amount,
       excluded, exclude_reason, sources
FROM invoice_draft_lines WHERE draft_id = ? ORDER BY line_no
"""

INSERT_LINE_SQL = """
INSERT INTO invoice_draft_lines (draft_id, line_no, kind, project_id, person_id, description,
                                 quantity, unit_price, amount, sources)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

NUMBERS_SQL = """
SELECT coalesce(max(TRY_CAST(regexp_extract(n, '^INV-[0-9]{4}-([0-9]+)$', 1) AS BIGINT)), 0)
FROM (SELECT number AS n FROM invoices UNION ALL SELECT invoice_id FROM invoices
      UNION ALL SELECT invoice_number FROM invoice_drafts
      UNION ALL SELECT number FROM invoice_numbers)
WHERE starts_with(n, ?)
"""

TERMS_SQL = """
SELECT coalesce(k.payment_terms_days, c.payment_terms_days, ?)
FROM invoice_drafts d
LEFT JOIN contracts k ON k.contract_id = d.contract_id
LEFT JOIN clients c ON c.client_id = d.client_id
WHERE d.draft_id = ?
"""


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Every statement is fetched to the end (DuckDB 2.0 refuses work on an unfinished one)."""
    return con.execute(sql, params or []).fetchall()


def _required(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise ValueError(f"{what} is required")
    return str(value).strip()


def _audit(con, actor, action, object_type, object_id, before=None, after=None, reason=None):
    _run(
        con,
        "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), now(), ?, ?, ?, ?, "
        "CAST(? AS JSON), CAST(? AS JSON), ?)",
        [
            actor,
            action,
            object_type,
            str(object_id),
            None if before is None else json.dumps(before, default=str),
            None if after is None else json.dumps(after, default=str),
            reason,
        ],
    )


def _drafts(con, where: str, params: list) -> pl.DataFrame:
    return con.sql(f"SELECT * FROM ({DRAFTS_SQL}) WHERE {where}", params=params).pl()


def get_draft(con: duckdb.DuckDBPyConnection, draft_id: int) -> dict:
    """One saved draft as a dict (the list_drafts columns); ValueError when there is none."""
    rows = _drafts(con, "draft_id = ?", [draft_id]).to_dicts()
    if not rows:
        raise ValueError(f"there is no saved draft {draft_id}")
    return rows[0]


def _editable(con, draft_id: int, action: str) -> dict:
    draft = get_draft(con, draft_id)
    if draft["status"] != "draft":
        raise ValueError(f"cannot {action} draft {draft_id}: it is already {draft['status']}")
    return draft


def _summary(draft: dict) -> dict:
    keys = (
        "status",
        "contract_id",
        "project_id",
        "subtotal",
        "tax",
        "total",
        "line_count",
        "excluded_count",
        "invoice_number",
    )
    return {k: draft[k] for k in keys}


# ---- saving ---------------------------------------------------------------------------------


def save_drafts(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    actor: str,
    client_id: str | None = None,
    *,
    before_save: Callable[[], None] | None = None,
) -> list[int]:
    """Re-drafts the period (of one client, when given) in one transaction: the period's saved
    drafts still in status 'draft' for those contracts are replaced, approved ones stay (what
    they bill is locked, so nothing is billed twice). Returns the new draft ids.

    Each draft's locks (billing/locks.py) are written with it; when another session saved or
    replaced the same drafts in the meantime, this raises AlreadyBilled and writes nothing.
    `before_save` runs between drafting and writing (a seam for tests to line up a race)."""
    actor = _required(actor, "actor")
    guard.require("edit_drafts", actor)
    refusal = (
        f"cannot save drafts for {period}: it is already drafted or invoiced by another "
        "session that saved at the same time; reload to see its drafts"
    )
    with locks.refused_when_taken(refusal), transaction(con):
        _replace_unapproved(con, period, list(load_contracts(con, client_id)), actor)
        draft = draft_period(con, period, client_id)
        if before_save is not None:
            before_save()
        try:
            return [_save_invoice(con, period, inv, actor) for inv in draft.invoices]
        except AlreadyBilled as taken:
            raise AlreadyBilled(refusal) from taken


def _replace_unapproved(con, period: Period, contract_ids: list[str], actor: str) -> None:
    if not contract_ids:
        return
    stale = _drafts(
        con,
        "period = ? AND status = 'draft' AND list_contains(?, contract_id)",
        [str(period), contract_ids],
    ).to_dicts()
    for draft in stale:
        locks.release(con, draft["draft_id"])
        _run(con, "DELETE FROM invoice_draft_lines WHERE draft_id = ?", [draft["draft_id"]])
        _run(con, "DELETE FROM invoice_drafts WHERE draft_id = ?", [draft["draft_id"]])
        _audit(
            con,
            actor,
            "draft_replaced",
            "invoice_draft",
            draft["draft_id"],
            before=_summary(draft),
            reason=f"period {period} drafted again",
        )


def _save_invoice(con, period: Period, inv: DraftInvoice, actor: str) -> int:
    draft_id = _run(con, "SELECT nextval('draft_id_seq')")[0][0]
    _run(
        con,
        "INSERT INTO invoice_drafts (draft_id, period, contract_id, client_id, project_id, "
        "currency, po_number, tax_rate, status, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', now(), ?)",
        [
            draft_id,
            str(period),
            inv.contract_id,
            inv.client_id,
            inv.project_id,
            inv.currency,
            inv.po_number,
            inv.tax_rate,
            actor,
        ],
    )
    con.executemany(
        INSERT_LINE_SQL,
        [
            [
                draft_id,
                no,
                line.kind,
                line.project_id,
                line.person_id,
                line.description,
                line.quantity,
                line.unit_price,
                line.amount,
                list(line.sources),
            ]
            for no, line in enumerate(inv.lines, 1)
        ],
    )
    locks.hold(con, draft_id, locks.draft_locks(period, inv))
    after = {
        "period": str(period),
        "contract_id": inv.contract_id,
        "client_id": inv.client_id,
        "project_id": inv.project_id,
        "currency": inv.currency,
        "line_count": len(inv.lines),
        "subtotal": inv.subtotal,
        "tax": inv.tax,
        "total": inv.total,
    }
    _audit(con, actor, "draft_saved", "invoice_draft", draft_id, after=after)
    return draft_id


# ---- reading --------------------------------------------------------------------------------


def list_drafts(
    con: duckdb.DuckDBPyConnection, period: Period, client_id: str | None = None
) -> pl.DataFrame:
    """One row per saved draft of the period, every status; totals count only lines that are
    not excluded (tax = subtotal x tax_rate half-up to cents); line_count likewise."""
    return con.sql(
        f"SELECT * FROM ({DRAFTS_SQL}) WHERE period = ? AND (? IS NULL OR client_id = ?) "
        "ORDER BY client_name, contract_id, project_id NULLS FIRST, draft_id",
        params=[str(period), client_id, client_id],
    ).pl()


def draft_lines(con: duckdb.DuckDBPyConnection, draft_id: int) -> pl.DataFrame:
    """A draft's lines in order, excluded ones too, each with the list of its sources."""
    return con.sql(LINES_SQL, params=[draft_id]).pl()


def draft_totals(con: duckdb.DuckDBPyConnection, draft_id: int) -> dict[str, Decimal]:
    draft = get_draft(con, draft_id)
    return {k: dec(draft[k]) for k in ("subtotal", "tax", "total")}


# ---- line edits -----------------------------------------------------------------------------


def _line(con, draft_id: int, line_no: int) -> dict:
    frame = draft_lines(con, draft_id).filter(pl.col("line_no") == line_no)
    if frame.is_empty():
        raise ValueError(f"draft {draft_id} has no line {line_no}")
    return frame.to_dicts()[0]


def _set_line(
    con,
    draft_id,
    line_no,
    actor,
    action,
    changes,
    reason=None,
    expect=None,
    recompute: bool = False,
) -> None:
    """Changes one line of a draft still in status 'draft', audited with before and after;
    `expect` names the values the line must have first (e.g. not yet excluded). With
    `recompute`, a time line's change re-derives the draft's discounts and cap in the same
    transaction (billing.recompute), and the audit records their amounts before and after."""
    actor = _required(actor, "actor")
    guard.require("edit_drafts", actor)
    with transaction(con):
        _editable(con, draft_id, "change a line of")
        line = _line(con, draft_id, line_no)
        for key, value in (expect or {}).items():
            if line[key] != value:
                state = "excluded" if line["excluded"] else "not excluded"
                raise ValueError(f"line {line_no} of draft {draft_id} is {state}")
        sets = ", ".join(f"{quote(k)} = ?" for k in changes)
        _run(
            con,
            f"UPDATE invoice_draft_lines SET {sets} WHERE draft_id = ? AND line_no = ?",
            [*changes.values(), draft_id, line_no],
        )
        before = {k: line[k] for k in changes}
        after = dict(changes)
        if recompute and line["kind"] in recompute_lines.TIME_KINDS:
            derived = recompute_lines.recompute_derived(
                con, get_draft(con, draft_id), draft_lines(con, draft_id).to_dicts()
            )
            if derived.get("derived_before") or derived.get("derived_after"):
                before |= {"derived": derived["derived_before"]}
                after |= {"derived": derived["derived_after"]}
        _audit(con, actor, action, "draft_line", f"{draft_id}:{line_no}", before, after, reason)


def edit_line_description(con, draft_id: int, line_no: int, text: str, actor: str) -> None:
    """Rewrites what the client reads on a line; only while the draft is a draft."""
    _set_line(
        con,
        draft_id,
        line_no,
        actor,
        "line_edited",
        {"description": _required(text, "a line description")},
    )


def exclude_line(con, draft_id: int, line_no: int, reason: str, actor: str) -> None:
    """Takes a line off the invoice and its totals; its sources stay held by this draft (not
    billed elsewhere) until the draft is re-drafted or voided. A reason is required. A time
    line's volume discounts and cap are recomputed without it (billing.recompute)."""
    reason = _required(reason, "a reason for excluding the line")
    _set_line(
        con,
        draft_id,
        line_no,
        actor,
        "line_excluded",
        {"excluded": True, "exclude_reason": reason},
        reason,
        {"excluded": False},
        recompute=True,
    )


def include_line(con, draft_id: int, line_no: int, actor: str, reason: str | None = None) -> None:
    """Undoes exclude_line: the line is back on the invoice and in its totals."""
    _set_line(
        con,
        draft_id,
        line_no,
        actor,
        "line_included",
        {"excluded": False, "exclude_reason": None},
        reason,
        {"excluded": True},
        recompute=True,
    )


# Kinds a person may add by hand, and their sign: a fee or a pass-through cost adds, a credit
# takes off (entered as a positive price, stored negative).
MANUAL_KINDS = {"fixed_fee": 1, "expense": 1, "credit": -1}


def _money(value, what: str) -> Decimal:
    try:
        number = dec(value)
    except (ArithmeticError, TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be a number, not {value!r}")
    return number


def edit_line_amount(
    con,
    draft_id: int,
    line_no: int,
    quantity,
    unit_price,
    reason: str,
    actor: str,
) -> None:
    """Sets a line's quantity and unit price, its amount quantity x price half-up to cents, with
    a reason (audited, before and after). A time line's hours are its entries' (fix them in the
    tracker and draft again, or exclude the line): only its price changes, and the draft's
    volume discounts and cap are recomputed from it. Discount and cap lines follow the time
    lines and are not edited by hand."""
    reason = _required(reason, "a reason for changing the line")
    quantity, unit_price = _money(quantity, "the quantity"), _money(unit_price, "the unit price")
    if quantity < 0:
        raise ValueError("the quantity cannot be negative (exclude the line, or add a credit)")
    line = _line(con, draft_id, line_no)
    if line["kind"] in recompute_lines.DERIVED_KINDS:
        raise ValueError(
            f"line {line_no} is a {line['kind'].replace('_', ' ')}: it follows the time lines "
            "and the contract; change those instead"
        )
    if line["kind"] in recompute_lines.TIME_KINDS and quantity != dec(line["quantity"]):
        raise ValueError(
            f"the hours of line {line_no} are its time entries': fix them in the tracker and "
            "draft again, or exclude the line; its unit price can be changed here"
        )
    sign = -1 if dec(line["amount"]) < 0 else 1  # a credit stays a credit
    changes = {
        "quantity": quantity,
        "unit_price": unit_price,
        "amount": sign * abs(cents(quantity * unit_price)),
    }
    _set_line(
        con,
        draft_id,
        line_no,
        actor,
        "line_amount_changed",
        changes,
        reason,
        {"excluded": False},
        recompute=True,
    )


def add_manual_line(
    con,
    draft_id: int,
    kind: str,
    description: str,
    quantity,
    unit_price,
    reason: str,
    actor: str,
) -> int:
    """A line typed by a person (a one-off fee, a pass-through cost, a credit), after the
    draft's last line, on the draft's project; returns its number. It bills no entry (no
    sources) and is kept when the draft is approved; drafting the period again replaces it
    with the rest of the draft, like every edit."""
    if kind not in MANUAL_KINDS:
        raise ValueError(f"a manual line is one of {', '.join(MANUAL_KINDS)}, not {kind!r}")
    description = _required(description, "a line description")
    reason = _required(reason, "a reason for adding the line")
    quantity, unit_price = _money(quantity, "the quantity"), _money(unit_price, "the unit price")
    if quantity <= 0 or unit_price < 0:
        raise ValueError("give a positive quantity and a unit price of 0 or more")
    amount = MANUAL_KINDS[kind] * cents(quantity * unit_price)
    actor = _required(actor, "actor")
    guard.require("edit_drafts", actor)
    with transaction(con):
        draft = _editable(con, draft_id, "add a line to")
        line_no = _run(
            con,
            "SELECT coalesce(max(line_no), 0) + 1 FROM invoice_draft_lines WHERE draft_id = ?",
            [draft_id],
        )[0][0]
        _run(
            con,
            INSERT_LINE_SQL,
            [
                draft_id,
                line_no,
                kind,
                draft["project_id"],
                None,
                description,
                quantity,
                unit_price,
                amount,
                [],
            ],
        )
        after = {"kind": kind, "description": description, "quantity": quantity}
        after |= {"unit_price": unit_price, "amount": amount}
        _audit(con, actor, "line_added", "draft_line", f"{draft_id}:{line_no}", None, after, reason)
    return line_no


# ---- approval and void ----------------------------------------------------------------------


def next_invoice_number(con: duckdb.DuckDBPyConnection, year: int) -> str:
    """INV-YYYY-NNNN after the highest number of that year in staging invoices (number or id),
    saved drafts and the numbers given (invoice_numbers); numbers of void invoices are never
    reused. Reading it is not claiming it: locks.claim_number does, under a unique key."""
    prefix = f"INV-{year:04d}-"
    return f"{prefix}{_run(con, NUMBERS_SQL, [prefix])[0][0] + 1:04d}"


def approve_draft(
    con: duckdb.DuckDBPyConnection,
    draft_id: int,
    actor: str,
    *,
    issue_date: date | None = None,
    on_numbered: Callable[[str], None] | None = None,
) -> str:
    """Numbers and dates the draft (issue today unless given; due after the contract's terms,
    else the client's, else 30 days) and writes it into the staging invoices as status 'draft'
    (approved, not yet sent), so caps, PO-to-date and fixed-fee checks see it.

    The number is claimed under a unique key: when a concurrent approval took the same number,
    the approval is redone with the next one (a draft that other approval approved is then
    refused as already approved). `on_numbered` runs once a number is chosen, before anything
    is written (a seam for tests to line up a race)."""
    actor = _required(actor, "actor")
    guard.require("approve_invoices", actor)
    for _ in range(APPROVAL_ATTEMPTS - 1):
        try:
            return _approve(con, draft_id, actor, issue_date, on_numbered)
        except AlreadyBilled:
            continue  # a concurrent approval took the number: the next attempt reads the next
    try:
        return _approve(con, draft_id, actor, issue_date, on_numbered)
    except AlreadyBilled as err:
        raise AlreadyBilled(
            f"cannot approve draft {draft_id} now: other approvals are taking "
            "invoice numbers at the same time; try again"
        ) from err


def _approve(
    con,
    draft_id: int,
    actor: str,
    issue_date: date | None,
    on_numbered: Callable[[str], None] | None,
) -> str:
    """One attempt, one transaction; AlreadyBilled when it collided with another session."""
    with locks.refused_when_taken("the invoice number was taken"), transaction(con):
        draft = _editable(con, draft_id, "approve")
        if draft["line_count"] == 0:
            raise ValueError(f"cannot approve draft {draft_id}: every line is excluded")
        if draft["total"] < 0:
            raise ValueError(
                f"cannot approve draft {draft_id}: its total is negative; "
                "issue a credit memo instead"
            )
        four_eyes.check_invoice_approval(con, draft_id, draft["total"], actor)
        issue = issue_date or clock.today()
        terms = _run(con, TERMS_SQL, [DEFAULT_TERMS_DAYS, draft_id])[0][0]
        number, due = next_invoice_number(con, issue.year), issue + timedelta(days=terms)
        if on_numbered is not None:
            on_numbered(number)
        locks.claim_number(con, number, draft_id)
        locks.release_open_slot(con, draft_id)
        _run(
            con,
            "UPDATE invoice_drafts SET status = 'approved', invoice_number = ?, "
            "issue_date = ?, due_date = ?, approved_at = now(), approved_by = ? "
            "WHERE draft_id = ?",
            [number, issue, due, actor, draft_id],
        )
        _stage_invoice(con, draft | {"issue_date": issue, "due_date": due}, number)
        after = {
            "status": "approved",
            "invoice_number": number,
            "issue_date": issue,
            "due_date": due,
            "terms_days": terms,
            "total": draft["total"],
        }
        _audit(con, actor, "draft_approved", "invoice_draft", draft_id, _summary(draft), after)
    return number


def _stage_invoice(con, draft: dict, number: str) -> None:
    """The invoice and its non-excluded lines (renumbered from 1) into staging, _source
    'billing', as one logged load so the data-health page can trace the rows."""
    period = Period.parse(draft["period"])
    if _run(con, "SELECT count(*) FROM invoices WHERE invoice_id = ?", [number])[0][0]:
        raise ValueError(f"invoice {number} is already in the warehouse")
    lines = draft_lines(con, draft["draft_id"]).filter(~pl.col("excluded")).to_dicts()
    load_id = _billing_load(
        con,
        draft["draft_id"],
        f"approved as {number}",
        {"invoices": (1, 0), "invoice_lines": (len(lines), 0)},
    )
    insert_row(
        con,
        "invoices",
        load_id,
        "billing",
        {
            "invoice_id": number,
            "client_id": draft["client_id"],
            "issue_date": draft["issue_date"],
            "due_date": draft["due_date"],
            "currency": draft["currency"],
            "total": draft["total"],
            "number": number,
            "contract_id": draft["contract_id"],
            "status": "draft",
            "po_number": draft["po_number"],
            "kind": "invoice",
            "period_start": period.start,
            "period_end": period.end,
        },
    )
    for no, line in enumerate(lines, 1):
        insert_row(
            con,
            "invoice_lines",
            load_id,
            "billing",
            {
                "invoice_id": number,
                "line_no": no,
                "amount": line["amount"],
                "kind": line["kind"],
                "description": line["description"],
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "project_id": line["project_id"],
                "person_id": line["person_id"],
                "entry_ids": ";".join(line["sources"]),
            },
        )


def _billing_load(con, draft_id: int, message: str, rows: dict[str, tuple[int, int]]) -> int:
    """A load_log entry (source 'billing') for staging rows written by approval or void;
    `rows` maps entity -> (new, updated)."""
    return app_load(
        con, "billing", f"invoice_drafts/{draft_id}", f"draft {draft_id} {message}", rows
    )


def void_draft(con: duckdb.DuckDBPyConnection, draft_id: int, actor: str, reason: str) -> None:
    """Voids a draft or an approved invoice not yet sent: its sources are released (the next
    draft bills them again) and its staging invoice, if any, becomes void (history kept)."""
    actor, reason = _required(actor, "actor"), _required(reason, "a reason for voiding")
    guard.require("void_invoices", actor)
    with transaction(con):
        draft = get_draft(con, draft_id)
        if draft["status"] == "void":
            raise ValueError(f"draft {draft_id} is already void")
        if draft["status"] == "approved":
            _void_staged_invoice(con, draft)
        locks.release(con, draft_id)
        _run(
            con,
            "UPDATE invoice_drafts SET status = 'void', voided_at = now(), voided_by = ?, "
            "void_reason = ? WHERE draft_id = ?",
            [actor, reason, draft_id],
        )
        _audit(
            con,
            actor,
            "draft_voided",
            "invoice_draft",
            draft_id,
            _summary(draft),
            {"status": "void"},
            reason,
        )


def _void_staged_invoice(con, draft: dict) -> None:
    number = draft["invoice_number"]
    rows = _run(con, "SELECT status FROM invoices WHERE invoice_id = ?", [number])
    if rows and rows[0][0] not in (None, "draft", "void"):
        raise ValueError(
            f"invoice {number} is already {rows[0][0]}: credit it with a credit "
            "memo in the accounting system instead of voiding it"
        )
    if not rows or rows[0][0] == "void":
        return
    load_id = _billing_load(con, draft["draft_id"], f"voided {number}", {"invoices": (0, 1)})
    update_row(con, "invoices", number, load_id, "billing", {"status": "void"})
