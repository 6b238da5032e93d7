"""What a draft reads once for all its contracts instead of once per workstream: the projects'
running spans, the time value already billed per project (contract-scope caps), and the
retainer ledger (the approved hours that drew on each retainer, by month). One query each, so
drafting grows with the month's work, not with the number of contracts times the entries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from billing.entries import round_hours
from billing.model import Contract, Workstream
from billing.period import Period
from billing.retainer import rush_apart
from core.money import ZERO, dec

SQL = Path(__file__).parent / "sql"
RETAINER_HOURS_SQL = (SQL / "retainer_hours.sql").read_text(encoding="utf-8")
PROJECT_SPANS_SQL = "SELECT project_id, start_date, end_date FROM projects"
NOTHING_BILLED = Decimal("0.00")


def project_spans(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[date | None, date | None]]:
    """project_id -> (start_date, end_date)."""
    return {r[0]: (r[1], r[2]) for r in con.execute(PROJECT_SPANS_SQL).fetchall()}


def runs_in(
    spans: dict[str, tuple[date | None, date | None]], project_id: str, period: Period
) -> bool:
    """A retainer bills its fee only in months its project runs (start and end dates)."""
    start, end = spans.get(project_id, (None, None))
    return (start is None or start <= period.end) and (end is None or end >= period.start)


@dataclass
class RetainerLedger:
    """Approved billable hours of retainer projects before `before`, invoiced or not, as
    (month, is_rush, hours, entries) per project: read once, then each draft of a month before
    `before` (or the rules replaying closed months) takes its history from it."""

    before: date
    rows: dict[str, list[tuple[Period, bool, Decimal, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    spans: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)

    @classmethod
    def read(
        cls, con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], before: date
    ) -> RetainerLedger:
        """One read of the entries for every retainer workstream of `contracts`."""
        projects = sorted(
            {
                ws.project_id
                for c in contracts.values()
                for ws in c.workstreams
                if ws.billing == "retainer"
            }
        )
        ledger = cls(before, spans=project_spans(con))
        if projects:
            params = {"projects": projects, "before": before}
            for project_id, month, is_rush, hours, n in con.execute(
                RETAINER_HOURS_SQL, params
            ).fetchall():
                ledger.rows[project_id].append((Period.of(month), bool(is_rush), dec(hours), n))
        return ledger

    def history(
        self, contract: Contract, ws: Workstream, period: Period
    ) -> tuple[dict[Period, Decimal], Period]:
        """Hours that drew on the allowance in each period before `period`, rounded per entry
        to the contract's increment (rule 3), and the retainer's first period."""
        if period.start > self.before:
            raise ValueError(f"the retainer ledger was read before {self.before}, not {period}")
        apart = rush_apart(ws)
        history: dict[Period, Decimal] = {}
        for month, is_rush, hours, n in self.rows.get(ws.project_id, []):
            if month >= period or (is_rush and apart):
                continue
            history[month] = history.get(month, ZERO) + round_hours(hours, contract) * n
        start = self.spans.get(ws.project_id, (None, None))[0]
        first = Period.of(start) if start else min(history, default=period)
        first = min(first, period)
        p = first
        while p < period:
            history.setdefault(p, ZERO)
            p = p.shift(1)
        return history, first
