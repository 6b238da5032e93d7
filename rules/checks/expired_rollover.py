"""expired_rollover (ref contract): banked retainer hours that expired unused, for the last 12
closed months before as_of at most. One finding per contract: the latest month with an expiry;
value is the hours that expired that month (all lots and projects of the contract summed), not
money.

The bank is replayed with billing's own arithmetic (billing.retainer.simulate_bank, rule 5)
over every approved hour that drew on it, *invoiced or not*. Re-drafting the month would not
do: a draft sees only its month's uninvoiced entries, so once the month that used the banked
hours has been invoiced its draft would find the lot unused and report it expired."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from billing.draft import approved_retainer_hours
from billing.period import Period
from billing.period_reads import runs_in
from billing.retainer import simulate_bank
from billing.terms import load_contracts
from rules.checks.over_cap import MONTHS, run_ledger
from rules.config import RulesConfig
from rules.engine import RuleException

KIND = "expired_rollover"
FIRST_ENTRY_SQL = "SELECT min(date) FROM effective_time_entries"


def _hours(hours: Decimal) -> str:
    return f"{hours:.4f}".rstrip("0").rstrip(".") or "0"


def expiries(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, tuple[Period, list]]:
    """contract_id -> (latest closed month with an expiry, [(project, banked in, hours)])."""
    first_entry = con.execute(FIRST_ENTRY_SQL).fetchall()[0][0]
    if first_entry is None:
        return {}
    last = Period.of(as_of).shift(-1)
    oldest = max(last.shift(-(MONTHS - 1)), Period.of(first_entry))
    found: dict[str, tuple[Period, list]] = {}
    ledger = run_ledger(con, as_of)  # one read of the retainers' hours for every contract
    for contract in load_contracts(con).values():
        for ws in contract.workstreams:
            if ws.billing != "retainer" or ws.rollover_expires_after_months is None:
                continue
            history, first = approved_retainer_hours(con, contract, ws, last, ledger)
            for month in reversed(simulate_bank(ws, history, first, last)):
                if month.period < oldest:
                    break
                if month.expired_from and runs_in(ledger.spans, ws.project_id, month.period):
                    lots = [(ws.project_id, origin, h) for origin, h in month.expired_from]
                    seen = found.get(contract.contract_id)
                    if seen is None or month.period > seen[0]:
                        found[contract.contract_id] = (month.period, lots)
                    elif month.period == seen[0]:
                        seen[1].extend(lots)
                    break
    return found


def find(con: duckdb.DuckDBPyConnection, as_of: date, config: RulesConfig) -> list[RuleException]:
    out = []
    for contract_id, (period, lots) in sorted(expiries(con, as_of).items()):
        hours = sum((h for _, _, h in lots), Decimal(0))
        projects = sorted({p for p, _, _ in lots})
        details = [
            f"{p}: {_hours(h)} h of unused retainer hours banked in {origin:%B %Y} expired at "
            f"the end of {period.end:%B %Y}"
            for p, origin, h in [(p, o.start, h) for p, o, h in lots]
        ]
        out.append(
            RuleException(
                kind=KIND,
                ref=contract_id,
                severity=config.severity_of(KIND),
                detail=f"{period}: " + "; ".join(details),
                value=hours,
                project_id=projects[0] if len(projects) == 1 else None,
                period=str(period),
                evidence={
                    "contract_id": contract_id,
                    "period": str(period),
                    "expired_hours": str(hours),
                    "projects": projects,
                    "billing_details": details,
                },
                suggested_action="tell the client their banked retainer hours expired",
            )
        )
    return out
