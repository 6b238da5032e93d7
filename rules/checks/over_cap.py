"""over_cap (ref contract): a not-to-exceed cap the billing draft of a closed month reports
(billing's rule 4), for the last 12 closed months before as_of at most. One finding per
contract: the latest month's; value is the amount over the cap, in the contract currency."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import duckdb

from billing.draft import Draft, draft_period
from billing.period import Period
from billing.period_reads import RetainerLedger
from billing.terms import load_contracts
from rules.config import RulesConfig
from rules.engine import RuleException

MONTHS = 12
KIND = "over_cap"
MONEY = r"(-?\d+(?:\.\d+)?)"


# Only the contracts these checks can concern are drafted: a cap or a retainer with rollover.
WATCHED_SQL = """
SELECT DISTINCT contract_id FROM contract_workstreams
WHERE cap_amount IS NOT NULL OR (billing = 'retainer' AND rollover_max_hours IS NOT NULL)
"""

# One rules run drafts the closed months once for over_cap and expired_rollover both.
_DRAFTS: dict[tuple, list[Draft]] = {}
# ...and reads the retainers' history once for every closed month it drafts or replays.
_LEDGERS: dict[tuple, RetainerLedger] = {}


def run_ledger(con: duckdb.DuckDBPyConnection, as_of: date) -> RetainerLedger:
    """Every retainer's approved hours before as_of's month, read once per rules run (the
    engine clears it with the drafts): over_cap, unbilled_time and expired_rollover replay
    closed months from it instead of reading the entries once per month and retainer."""
    key = (con, as_of)
    if key not in _LEDGERS:
        _LEDGERS.clear()
        _LEDGERS[key] = RetainerLedger.read(con, load_contracts(con), Period.of(as_of).start)
    return _LEDGERS[key]


def closed_drafts(con: duckdb.DuckDBPyConnection, as_of: date, months: int = MONTHS) -> list[Draft]:
    """draft_period of each closed month (as_of past its last day), latest first: at most
    `months`, none before the month of the first time entry; only capped contracts and
    retainers with rollover. Cached for the run (the engine clears the cache per run)."""
    # The connection itself, not its id(): a closed connection's id can be reused by the next
    # one, which would then read another warehouse's drafts. Holding it keeps it unique.
    key = (con, as_of, months)
    if key not in _DRAFTS:
        _DRAFTS.clear()
        _DRAFTS[key] = _draft_months(con, as_of, months)
    return _DRAFTS[key]


def clear_cache() -> None:
    _DRAFTS.clear()
    _LEDGERS.clear()


def _draft_months(con, as_of: date, months: int) -> list[Draft]:
    first = con.execute("SELECT min(date) FROM effective_time_entries").fetchall()[0][0]
    watched = {r[0] for r in con.execute(WATCHED_SQL).fetchall()}
    if first is None or not watched:
        return []
    out, period, ledger = [], Period.of(as_of).shift(-1), run_ledger(con, as_of)
    while len(out) < months and period >= Period.of(first):
        draft = draft_period(con, period, contract_ids=watched, ledger=ledger, contracts_only=True)
        out.append(draft)
        period = period.shift(-1)
    return out


def find(con: duckdb.DuckDBPyConnection, as_of: date, config: RulesConfig) -> list[RuleException]:
    contracts = load_contracts(con)
    found: dict[str, RuleException] = {}
    for draft in closed_drafts(con, as_of):
        for problem in draft.exceptions:
            if problem.kind != KIND or problem.ref in found:
                continue  # latest month first: keep the first seen per contract
            over = re.search(MONEY + r" over the cap", problem.detail)
            project = re.search(r"project (\S+?):", problem.detail)
            contract = contracts.get(problem.ref)
            value = Decimal(over.group(1)) if over else None
            found[problem.ref] = RuleException(
                kind=KIND,
                ref=problem.ref,
                severity=config.severity_of(KIND),
                detail=f"{draft.period}: {problem.detail}",
                value=value,
                currency=contract.currency if contract else None,
                project_id=project.group(1) if project else None,
                period=str(draft.period),
                evidence={
                    "contract_id": problem.ref,
                    "period": str(draft.period),
                    "over_cap": None if value is None else str(value),
                    "billing_detail": problem.detail,
                },
                suggested_action="agree a cap increase (change order) with the client, or "
                "accept the write-off",
            )
    return sorted(found.values(), key=lambda e: e.ref)
