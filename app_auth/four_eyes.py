"""Four-eyes: a second person for the money decisions above a threshold (app_auth.settings).

- An invoice whose total is above FOUR_EYES_INVOICE_ABOVE is approved by someone who neither
  drafted it nor edited any of its lines (invoice_drafts.created_by and the audit rows of its
  lines say who did).
- Waiving late fees (or writing off) above FOUR_EYES_WAIVER_ABOVE / FOUR_EYES_WRITE_OFF_ABOVE
  takes two people: the first one's request is kept in second_approvals, a different person
  confirms it by doing the same action.

These rules hold for every caller, the command line included, and compare the names writes
record (the signed-in identity's name in the app)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from app_auth import audit, settings
from app_auth.guard import NotAllowed

EDITORS_SQL = """
SELECT created_by FROM invoice_drafts WHERE draft_id = $draft
UNION
SELECT actor FROM audit_log
WHERE object_type = 'draft_line' AND split_part(object_id, ':', 1) = CAST($draft AS VARCHAR)
"""
REQUEST_SQL = "SELECT requested_by FROM second_approvals WHERE kind = ? AND object_key = ?"
KIND_SETTINGS = {
    "late_fee_waiver": "four_eyes_waiver_above",
    "write_off": "four_eyes_write_off_above",
}


def invoice_threshold() -> Decimal:
    return settings.load().four_eyes_invoice_above


def check_invoice_approval(
    con: duckdb.DuckDBPyConnection, draft_id: int, total: Decimal, approver: str
) -> None:
    """Refuses (NotAllowed) the approval of a draft above the threshold by its drafter or one
    of its editors."""
    limit = invoice_threshold()
    if Decimal(total) <= limit:
        return
    hands = {r[0] for r in con.execute(EDITORS_SQL, {"draft": draft_id}).fetchall() if r[0]}
    if approver in hands:
        raise NotAllowed(
            f"draft {draft_id} totals {Decimal(total):,.2f}, above the four-eyes limit of "
            f"{limit:,.2f}: it needs an approver who neither drafted nor edited it "
            f"({approver} did)"
        )


def second_person(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    object_key: str,
    amount: Decimal,
    actor: str,
    reason: str | None = None,
) -> bool:
    """For an action of `kind` over its threshold: True when a different person asked for the
    same thing before (the request is used up and the action goes ahead); else records this
    person's request and returns False (the action waits). Refuses (NotAllowed) the same person
    asking twice. Call it inside the action's transaction. True below the threshold."""
    limit = getattr(settings.load(), KIND_SETTINGS[kind])
    if Decimal(amount) <= limit:
        return True
    rows = con.execute(REQUEST_SQL, [kind, object_key]).fetchall()
    if rows and rows[0][0] == actor:
        raise NotAllowed(
            f"{kind.replace('_', ' ')} of {Decimal(amount):,.2f} is above the four-eyes limit of "
            f"{limit:,.2f}: {actor} asked for it already; another person must confirm it"
        )
    if rows:
        con.execute(
            "DELETE FROM second_approvals WHERE kind = ? AND object_key = ?", [kind, object_key]
        ).fetchall()
        return True
    con.execute(
        "INSERT INTO second_approvals VALUES (?, ?, ?, ?, now(), ?)",
        [kind, object_key, Decimal(amount), actor, reason],
    ).fetchall()
    audit.record(
        con,
        actor,
        "second_approval_requested",
        kind,
        object_key,
        after={"amount": Decimal(amount), "limit": limit},
        reason=reason,
    )
    return False


def pending(con: duckdb.DuckDBPyConnection, kind: str) -> list[dict]:
    """The requests waiting for a second person."""
    cur = con.execute("SELECT * FROM second_approvals WHERE kind = ? ORDER BY requested_at", [kind])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
