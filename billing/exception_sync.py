"""Billing's findings in the exception queue: drafting a period (writing no invoice) raises
the billing exceptions (no contract, missing rate, over cap, PO...), synced as source `billing`.
Billing writes them through the queue's interface (exception_queue/findings.py), which knows
nothing of billing."""

from __future__ import annotations

from datetime import datetime

import duckdb

from app_auth import guard
from billing.draft import draft_period
from billing.model import BillingException
from billing.period import Period
from exception_queue.findings import sync_exceptions


def sync_billing_exceptions(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    actor: str = "system",
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Drafts the period (writing no invoice) and syncs its exceptions as source `billing`."""
    guard.require("decide_exceptions", actor)
    period = Period.parse(period) if isinstance(period, str) else period
    draft = draft_period(con, period)
    found = draft.exceptions + _held_by_saved_drafts(con, period, draft.exceptions)
    return sync_exceptions(con, found, "billing", {"period": str(period)}, actor, now=now)


# A saved draft takes its work out of the next draft run, so that run can no longer see a cap
# or PO problem the saved draft still has: those contract-level findings stay while a
# non-void saved draft of the contract exists for the period.
HELD_SQL = """
SELECT x.kind, x.ref, x.detail, x.amount, x.currency, x.value, x.hours, x.project_id
FROM exceptions x
WHERE x.source = 'billing' AND x.period = ?
  AND x.kind IN ('over_cap', 'po_alert', 'po_exceeded', 'expired_rollover')
  AND x.status <> 'resolved'
  AND x.ref IN (SELECT contract_id FROM invoice_drafts WHERE period = ? AND status <> 'void')
"""


def _held_by_saved_drafts(
    con, period: Period, found: list[BillingException]
) -> list[BillingException]:
    seen = {(e.kind, e.ref) for e in found}
    rows = con.execute(HELD_SQL, [str(period), str(period)]).fetchall()
    return [BillingException(*row) for row in rows if (row[0], row[1]) not in seen]
