"""unbilled_time (ref entry): approved billable time on a client project in a closed period
(as_of past the month's last day) that is on no invoice (invoice_id empty, and no time line of
an invoice reaches it in mart_invoice_attribution: an imported invoice billing per person x
project bills it too) and held by no saved draft (locked_sources), on work billed by the hour:
- time-and-materials workstreams: every such entry (set-based SQL below); value = hours x the
  rate card's rate (billing's rule 2) when it resolves, in the contract currency;
- retainers: only hours beyond the allowance and the bank are billable, so an entry is flagged
  only when billing's own draft of that closed month puts it on an `overage` or `rush` line;
  value = its share of those lines' amounts, by hours.
Time on fixed-fee and milestone work is never unbilled (the fee or the milestone bills it).
Grace: a closed month is judged only once the firm's billing day of the next month has passed
(rules/billing_day.py; `billing_business_day`, default the 5th business day), so the month just
ended is work in progress while it is being invoiced, not leakage."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb

from billing.draft import draft_period
from billing.period import Period
from core.money import cents
from rules.billing_day import last_month_due
from rules.checks.over_cap import run_ledger
from rules.config import RulesConfig
from rules.finding import RuleException
from warehouse import attribution_snapshot

KIND = "unbilled_time"
ACTION = "bill the entry in a draft for its period (or mark it non-billable if it is not)"

CANDIDATES_SQL = """
WITH entries AS (
    SELECT e.entry_id, e.person_id, pe.role, e.project_id, e.date, e.hours, ws.contract_id,
           ws.billing, k.currency
    FROM effective_time_entries e
    JOIN projects pr ON pr.project_id = e.project_id
    LEFT JOIN people pe ON pe.person_id = e.person_id
    LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
    LEFT JOIN clients c ON c.client_id = pr.client_id
    JOIN contract_workstreams ws ON ws.project_id = e.project_id
    LEFT JOIN contracts k ON k.contract_id = ws.contract_id
    WHERE e.date <= $due_through
      AND e.approved_at IS NOT NULL
      AND coalesce(e.invoice_id, '') = ''
      AND e.entry_id NOT IN (SELECT source_id FROM locked_sources WHERE source_id IS NOT NULL)
      AND e.entry_id NOT IN (  -- billed by an invoice line that names no entry (imported)
          SELECT entry_id FROM mart_invoice_attribution_between(DATE '0001-01-01', $due_through)
          WHERE billed_as_time)
      AND coalesce(e.billable, s.billable, true)
      AND pr.client_id IS NOT NULL AND coalesce(c.status, '') <> 'internal'
      AND ws.billing IN ('time_and_materials', 'retainer')
)
SELECT e.entry_id, e.billing, e.project_id, strftime(e.date, '%Y-%m') AS period,
       e.date, e.hours, e.person_id, e.contract_id, e.currency, r.rate,
       round(e.hours * r.rate, 2)::DECIMAL(18,2) AS value
FROM entries e
LEFT JOIN (  -- the rate card's answer (billing rule 2), shared with billing and the metrics
    SELECT entry_id, rate FROM mart_entry_rates_between(DATE '0001-01-01', $as_of)
    WHERE billing = 'time_and_materials'
) r USING (entry_id)
ORDER BY e.entry_id
"""


def find(con: duckdb.DuckDBPyConnection, as_of: date, config: RulesConfig) -> list[RuleException]:
    due = last_month_due(con, as_of, int(config.billing_business_day))
    sql = attribution_snapshot.reading_snapshot(con, CANDIDATES_SQL)
    rows = con.execute(sql, {"as_of": as_of, "due_through": due.end}).fetchall()
    cols = (
        "entry_id",
        "billing",
        "project_id",
        "period",
        "date",
        "hours",
        "person_id",
        "contract_id",
        "currency",
        "rate",
        "value",
    )
    candidates = {r[0]: dict(zip(cols, r, strict=True)) for r in rows}
    flagged: dict[str, tuple[dict, Decimal | None, dict]] = {}
    retainer_months = sorted(
        {c["period"] for c in candidates.values() if c["billing"] == "retainer"}
    )
    retainers = {c["contract_id"] for c in candidates.values() if c["billing"] == "retainer"}
    for text in retainer_months:  # one draft per closed month with retainer candidates
        draft = draft_period(
            con,
            Period.parse(text),
            contract_ids=retainers,
            ledger=run_ledger(con, as_of),
            contracts_only=True,
        )
        for invoice in draft.invoices:
            for line in invoice.lines:
                mine = [
                    candidates[s]
                    for s in line.sources
                    if s in candidates and candidates[s]["billing"] == "retainer"
                ]
                if line.kind not in ("overage", "rush") or not mine:
                    continue
                hours = sum((Decimal(c["hours"]) for c in mine), Decimal(0))
                for c in mine:
                    share = cents(line.amount * Decimal(c["hours"]) / hours) if hours else None
                    previous = flagged.get(c["entry_id"])
                    if previous and previous[1] is not None and share is not None:
                        share += previous[1]
                    flagged[c["entry_id"]] = (
                        c,
                        share,
                        {"line": line.kind, "line_amount": str(line.amount)},
                    )
    for c in candidates.values():
        if c["billing"] == "time_and_materials":
            flagged[c["entry_id"]] = (
                c,
                c["value"],
                {"rate": None if c["rate"] is None else str(c["rate"])},
            )
    found = []
    for entry_id, (c, value, extra) in sorted(flagged.items()):
        what = "overage/rush on a retainer" if c["billing"] == "retainer" else "time and materials"
        found.append(
            RuleException(
                kind=KIND,
                ref=entry_id,
                severity=config.severity_of(KIND),
                detail=(
                    f"entry {entry_id} on {c['date']} ({Decimal(c['hours']):.2f} h, project "
                    f"{c['project_id']}, {what}) is approved but on no invoice, and its period "
                    f"{c['period']} is closed and its billing day has passed"
                ),
                value=value,
                amount=value,
                currency=c["currency"] if value is not None else None,
                project_id=c["project_id"],
                period=c["period"],
                event_date=c["date"],
                person_id=c["person_id"],
                hours=Decimal(c["hours"]),
                evidence=json.loads(
                    json.dumps(
                        {
                            "entry_id": entry_id,
                            "person_id": c["person_id"],
                            "date": str(c["date"]),
                            "hours": str(c["hours"]),
                            "contract_id": c["contract_id"],
                            "billing": c["billing"],
                        }
                        | extra
                    )
                ),
                suggested_action=ACTION,
            )
        )
    return found
