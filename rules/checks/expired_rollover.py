"""expired_rollover (ref contract): banked retainer hours that expired, as the billing draft
of a closed month reports them (billing's retainer rules), for the last 12 closed months before
as_of at most. One finding per contract: the latest month with an expiry; value is the hours
that expired that month (all lots and projects of the contract summed), not money."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import duckdb

from rules.checks.over_cap import closed_drafts
from rules.config import RulesConfig
from rules.engine import RuleException

KIND = "expired_rollover"
DETAIL = re.compile(r"(\S+?): (\d+(?:\.\d+)?) h of unused")


def find(con: duckdb.DuckDBPyConnection, as_of: date, config: RulesConfig) -> list[RuleException]:
    found: dict[str, RuleException] = {}
    for draft in closed_drafts(con, as_of):
        month: dict[str, list] = {}
        for problem in draft.exceptions:
            if problem.kind == KIND and problem.ref not in found:
                month.setdefault(problem.ref, []).append(problem.detail)
        for contract_id, details in month.items():
            parsed = [m for d in details if (m := DETAIL.match(d))]
            hours = sum((Decimal(m.group(2)) for m in parsed), Decimal(0))
            projects = sorted({m.group(1) for m in parsed})
            found[contract_id] = RuleException(
                kind=KIND, ref=contract_id, severity=config.severity_of(KIND),
                detail=f"{draft.period}: " + "; ".join(details), value=hours,
                project_id=projects[0] if len(projects) == 1 else None,
                period=str(draft.period),
                evidence={"contract_id": contract_id, "period": str(draft.period),
                          "expired_hours": str(hours), "projects": projects,
                          "billing_details": details},
                suggested_action="tell the client their banked retainer hours expired",
            )  # fmt: skip
    return sorted(found.values(), key=lambda e: e.ref)
