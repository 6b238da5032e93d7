"""Which time of a period can be billed (rule 1), at what rate (rule 2) and for how many hours
after rounding (rule 3). The selection and the rate card lookup are one SQL query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from billing.model import BillableEntry, BillingException, Contract
from billing.period import Period
from core.money import dec
from warehouse import attribution_snapshot

PERIOD_ENTRIES_SQL = (Path(__file__).parent / "sql" / "period_entries.sql").read_text()
HOURLY = ("time_and_materials", "retainer")


def round_hours(hours: Decimal, contract: Contract) -> Decimal:
    """Rule 3: each entry's hours to the contract's increment (`up` = ceiling, `nearest` =
    half-up). Kept exact: a 10-minute increment gives sixths of an hour, priced unrounded."""
    minutes = contract.rounding_increment_minutes
    if not minutes:
        return hours
    mode = ROUND_CEILING if contract.rounding_mode == "up" else ROUND_HALF_UP
    units = (hours * 60 / minutes).quantize(Decimal(1), rounding=mode)
    return units * minutes / Decimal(60)


@dataclass
class PeriodWork:
    """The period's billable time, by contract and project, and what kept the rest out."""

    by_project: dict[str, list[BillableEntry]] = field(default_factory=lambda: defaultdict(list))
    exceptions: list[BillingException] = field(default_factory=list)


def _rows(con: duckdb.DuckDBPyConnection, period: Period, only: list[str]) -> list[dict]:
    params = {"period_start": period.start, "period_end": period.end, "only_contracts": only}
    result = con.execute(attribution_snapshot.reading_snapshot(con, PERIOD_ENTRIES_SQL), params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _exception(row: dict) -> BillingException | None:
    if row["status"] == "no_contract":
        return BillingException(
            "no_contract",
            row["entry_id"],
            f"{row['hours']} h on {row['date']} by {row['person_id']}: project "
            f"{row['project_id']} has no contract",
        )
    if row["status"] == "unapproved" and row["billing"] in HOURLY:
        return BillingException(
            "unapproved_time",
            row["entry_id"],
            f"{row['hours']} h on {row['date']} by {row['person_id']} on {row['project_id']} "
            "is not approved",
        )
    return None


def _rate_problem(row: dict) -> str | None:
    if row["billing"] not in HOURLY:
        return None
    if row["rate_rows"] == 0:
        return "missing_rate"
    return "ambiguous_rate" if row["rate_rows"] > 1 else None


def period_work(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    contracts: dict[str, Contract],
    client_id: str | None = None,
    contracts_only: bool = False,
) -> PeriodWork:
    """Eligible entries of `contracts`, grouped by project, and the exceptions of rule 1.
    `contracts_only`: read the entries of `contracts` alone, leaving out the rule 1 exceptions
    of other work (time with no contract): for callers that want these contracts' lines."""
    work = PeriodWork()
    only = sorted(contracts) if contracts_only else []
    if contracts_only and not only:
        return work
    for row in _rows(con, period, only):
        if client_id is not None and row["client_id"] != client_id:
            continue
        contract = contracts.get(row["contract_id"]) if row["contract_id"] else None
        if row["contract_id"] and contract is None:
            continue  # a contract left out of this draft
        problem = _exception(row)
        if problem is not None:
            work.exceptions.append(problem)
        if row["status"] != "eligible":
            continue
        hours = dec(row["hours"])
        work.by_project[row["project_id"]].append(
            BillableEntry(
                entry_id=row["entry_id"],
                person_id=row["person_id"],
                role=row["role"],
                project_id=row["project_id"],
                date=row["date"],
                hours=hours,
                rounded_hours=round_hours(hours, contract),
                work_type=row["work_type"],
                rate=dec(row["rate"]) if row["rate"] is not None else None,
                rate_problem=_rate_problem(row),
            )
        )
    return work
