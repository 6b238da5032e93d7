"""Contracts, their workstreams and their clients' tax rates, read from the warehouse: terms
are data, editable by importing a new contracts.yaml, never code."""

from __future__ import annotations

import duckdb

from billing.model import Contract, Workstream
from core.money import ZERO

CONTRACTS_SQL = """
SELECT k.contract_id, k.client_id, k.currency, k.payment_terms_days, k.po_number, k.po_limit,
       k.po_alert_at, k.rounding_increment_minutes, k.rounding_mode, k.expenses_billable,
       k.expenses_markup, k.invoice_per, coalesce(c.tax_rate, 0) AS tax_rate,
       coalesce(c.name, k.client_id) AS client_name
FROM contracts k LEFT JOIN clients c USING (client_id)
WHERE ? IS NULL OR k.client_id = ?
ORDER BY k.contract_id
"""

WORKSTREAMS_SQL = """
SELECT * EXCLUDE (position) FROM contract_workstreams ORDER BY contract_id, position
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def load_contracts(
    con: duckdb.DuckDBPyConnection, client_id: str | None = None
) -> dict[str, Contract]:
    """Every contract (of one client, when given) with its workstreams in file order."""
    contracts = {}
    for row in _rows(con, CONTRACTS_SQL, [client_id, client_id]):
        row["tax_rate"] = row["tax_rate"] if row["tax_rate"] is not None else ZERO
        contracts[row["contract_id"]] = Contract(**row)
    for row in _rows(con, WORKSTREAMS_SQL):
        contract = contracts.get(row["contract_id"])
        if contract is not None:
            contract.workstreams.append(Workstream.from_row(row))
    return contracts


def project_contracts(contracts: dict[str, Contract]) -> dict[str, str]:
    """project_id -> contract_id: a project bills under the contract whose workstream names it."""
    return {w.project_id: c.contract_id for c in contracts.values() for w in c.workstreams}
