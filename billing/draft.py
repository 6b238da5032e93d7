"""A period's draft invoices: every contract's workstreams priced by their rules, one invoice
per contract (or per project), tax (rule 8), PO checks (rule 9) and the exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from billing.entries import PeriodWork, period_work
from billing.expenses import FxRates, expense_lines
from billing.fixed import FixedWork, fixed_fee_lines, milestone_lines
from billing.locks import InvoicedFee, invoiced_fees, period_billed, period_invoices
from billing.model import BillingException, Contract, DraftInvoice, Line, Workstream
from billing.period import Period
from billing.period_reads import (
    NOTHING_BILLED,
    RetainerLedger,
    runs_in,
)
from billing.retainer import retainer_lines
from billing.terms import load_contracts, project_contracts
from billing.time_and_materials import tm_lines
from core.money import ZERO, dec, money_text
from warehouse import attribution_snapshot

BILLED_TIME_SQL = (Path(__file__).parent / "sql" / "time_billed_before.sql").read_text(
    encoding="utf-8"
)
BILLED_UNNAMED_SQL = (Path(__file__).parent / "sql" / "time_billed_unnamed.sql").read_text(
    encoding="utf-8"
)

PO_TO_DATE_SQL = """
SELECT coalesce(sum(total), 0) FROM invoices
WHERE po_number = ? AND coalesce(status, 'sent') <> 'void'
"""

# Contracts the import refused (unknown project, negative hours, typo'd billing type...): the
# draft repeats why, so a billing run never silently leaves a client out.
REFUSED_CONTRACTS_SQL = """
SELECT coalesce(record_key, raw->>'contract_id', file || ':' || line) AS ref, reason
FROM quarantine
WHERE entity = 'contracts' AND resolved_at IS NULL
  AND (? IS NULL OR raw->>'client_id' = ?)
ORDER BY line
"""


@dataclass
class Draft:
    period: Period
    invoices: list[DraftInvoice] = field(default_factory=list)
    exceptions: list[BillingException] = field(default_factory=list)
    # What was billed for the period before this draft: the invoices that bill it, and the
    # retainer fees left off because an invoice or a saved draft already bills them.
    already_invoiced: list[str] = field(default_factory=list)
    fees_already_billed: list[InvoicedFee] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "period": str(self.period),
            "invoices": [inv.to_json() for inv in self.invoices],
            "exceptions": [e.to_json() for e in self.exceptions],
            "already_invoiced": self.already_invoiced,
            "fees_already_billed": [
                {"kind": f.kind, "project_id": f.project_id, "ref": f.ref}
                for f in self.fees_already_billed
            ],
        }


def _names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT person_id, name FROM people").fetchall())


def approved_retainer_hours(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    ws: Workstream,
    through: Period,
    ledger: RetainerLedger | None = None,
):
    """Hours that drew on the allowance in every period up to and including `through`, invoiced
    or not, and the retainer's first period: the bank as the work happened, which the rules
    replay for closed months (a draft sees only its period's uninvoiced entries). Pass a ledger
    read once (RetainerLedger.read) when asking for many workstreams."""
    if ledger is None:
        ledger = RetainerLedger.read(con, {contract.contract_id: contract}, through.shift(1).start)
    return ledger.history(contract, ws, through.shift(1))


@dataclass
class PeriodReads:
    """Everything a draft reads beside the month's entries, once for all contracts."""

    work: PeriodWork
    fixed: FixedWork
    ledger: RetainerLedger
    billed_time: dict[str, Decimal]  # capped T&M project -> what invoices already bill of it


def _capped_billed_time(con, contracts: dict[str, Contract], period: Period) -> dict[str, Decimal]:
    """What invoices already bill against each capped T&M workstream: one read per capped
    workstream (few; uncapped work reads nothing)."""
    return {
        ws.project_id: time_billed(con, ws, period)
        for c in contracts.values()
        for ws in c.workstreams
        if ws.billing == "time_and_materials" and ws.cap_amount is not None
    }


def workstream_lines(
    contract: Contract,
    ws: Workstream,
    period: Period,
    reads: PeriodReads,
    names: dict[str, str],
    fee_billed: frozenset[str] = frozenset(),
):
    """The workstream's lines and exceptions; `fee_billed` names the retainer projects whose
    fee for the period is already on an invoice or a saved draft (left off, never twice)."""
    entries = reads.work.by_project.get(ws.project_id, [])
    if ws.billing == "time_and_materials":
        billed = reads.billed_time.get(ws.project_id, NOTHING_BILLED)
        return tm_lines(contract, ws, entries, billed, names)
    if ws.billing == "retainer":
        if not runs_in(reads.ledger.spans, ws.project_id, period):
            return [], []
        history, first = reads.ledger.history(contract, ws, period)
        lines, problems = retainer_lines(ws, period, entries, history, first)
        if ws.project_id in fee_billed:
            lines = [line for line in lines if line.kind != "retainer_fee"]
        return lines, problems
    if ws.billing == "fixed_fee":
        return fixed_fee_lines(reads.fixed, ws), []
    return milestone_lines(reads.fixed, ws), []


def time_billed(con, ws: Workstream, period: Period) -> Decimal:
    """What invoices already bill against the workstream's cap: contract scope every earlier
    month, period scope this month only (time_billed_before.sql); the attribution mart is read
    only when some invoice line of those months names no project."""
    from_month = period.start if ws.cap_scope == "period" else date.min
    params = {"project_id": ws.project_id, "period_start": period.start, "from_month": from_month}
    named, has_unnamed = con.execute(BILLED_TIME_SQL, params).fetchall()[0]
    if not has_unnamed:
        return dec(named)
    unnamed = con.execute(
        attribution_snapshot.reading_snapshot(con, BILLED_UNNAMED_SQL),
        params | {"period_end": period.end},
    ).fetchall()
    return dec(named) + dec(unnamed[0][0])


def _invoices(contract: Contract, lines: list[Line]) -> list[DraftInvoice]:
    """One invoice per contract, or per project with `invoice_per: project`."""

    def make(project_id=None):
        return DraftInvoice(
            contract.contract_id,
            contract.client_id,
            contract.currency,
            contract.po_number,
            [],
            contract.tax_rate,
            project_id,
        )

    if contract.invoice_per != "project":
        invoice = make()
        invoice.lines = lines
        return [invoice] if lines else []
    by_project: dict[str | None, DraftInvoice] = {}
    for line in lines:
        by_project.setdefault(line.project_id, make(line.project_id)).lines.append(line)
    return list(by_project.values())


def po_exceptions(con, contract: Contract, invoices: list[DraftInvoice]) -> list[BillingException]:
    """Rule 9: earlier non-void invoices with the PO plus this draft, against the limit."""
    if not contract.po_number or contract.po_limit is None or not invoices:
        return []
    to_date = dec(con.execute(PO_TO_DATE_SQL, [contract.po_number]).fetchall()[0][0])
    to_date += sum((inv.total for inv in invoices), ZERO)
    limit, alert_at = contract.po_limit, contract.po_alert_at
    detail = (
        f"contract {contract.contract_id}: PO {contract.po_number} invoiced to date "
        f"{money_text(to_date)} including this draft, limit {money_text(limit)}"
    )
    if to_date > limit:  # at stake: what is invoiced beyond the PO
        excess = to_date - limit
        return [
            BillingException(
                "po_exceeded",
                contract.contract_id,
                detail,
                amount=excess,
                currency=contract.currency,
                value=excess,
            )
        ]
    if alert_at is not None and to_date > alert_at * limit:  # nothing over the limit yet
        return [
            BillingException(
                "po_alert",
                contract.contract_id,
                detail + f", alert at {alert_at}",
                currency=contract.currency,
                value=to_date,
            )
        ]
    return []


CLIENT_EXPENSES_SQL = """
SELECT e.expense_id FROM expenses e LEFT JOIN projects p USING (project_id)
WHERE e.date BETWEEN ? AND ? AND (p.client_id = ? OR e.split IS NOT NULL)
"""


def client_expenses(con, period: Period, contracts: dict[str, Contract], client_id: str | None):
    """Expense lines for the drafted contracts. With --client, every contract still maps its
    projects (another client's expense is not `no_contract`), and only that client's lines and
    exceptions are kept (a split expense counts when a part goes to one of its projects)."""
    everyone = contracts if client_id is None else load_contracts(con)
    lines, problems = expense_lines(
        con, period, everyone, project_contracts(everyone), FxRates.from_duckdb(con)
    )
    if client_id is None:
        return lines, problems
    mine = {
        r[0]
        for r in con.execute(CLIENT_EXPENSES_SQL, [period.start, period.end, client_id]).fetchall()
    }
    kept = [p for p in problems if p.ref in mine]
    return {cid: ls for cid, ls in lines.items() if cid in contracts}, kept


def refused_contracts(con, client_id: str | None) -> list[BillingException]:
    rows = con.execute(REFUSED_CONTRACTS_SQL, [client_id, client_id]).fetchall()
    return [
        BillingException("invalid_contract", ref, f"not drafted: {reason}") for ref, reason in rows
    ]


def draft_period(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    client_id: str | None = None,
    contract_ids: set[str] | None = None,
    ledger: RetainerLedger | None = None,
    contracts_only: bool = False,
) -> Draft:
    """Drafts every contract (of one client, or only `contract_ids`, when given) for the period.
    Pure: writes nothing. What is already billed for the period (an imported or approved
    invoice, a saved draft) is left off, so an invoiced month proposes only what is new.
    A `ledger` read once for a later month serves many drafts (the rules' closed months).
    The month's entries, fixed fees, milestones, retainer history and billed time are each
    read once for all contracts: no query per workstream. `contracts_only` (with
    `contract_ids`) reads only those contracts' entries: their lines and exceptions, without
    the period's no_contract and unapproved time of other work (the rules' closed months)."""
    contracts = load_contracts(con, client_id)
    if contract_ids is not None:
        contracts = {k: c for k, c in contracts.items() if k in contract_ids}
    work = period_work(con, period, contracts, client_id, contracts_only)
    if ledger is None or ledger.before < period.start:
        ledger = RetainerLedger.read(con, contracts, period.start)
    workstreams = [ws for c in contracts.values() for ws in c.workstreams]
    reads = PeriodReads(
        work,
        FixedWork.read(con, period, workstreams),
        ledger,
        _capped_billed_time(con, contracts, period),
    )
    draft = Draft(period, exceptions=refused_contracts(con, client_id) + list(work.exceptions))
    billed = period_billed(con, period)
    draft.already_invoiced = period_invoices(billed)
    draft.fees_already_billed = invoiced_fees(billed)
    fee_billed = frozenset(fee.project_id for fee in draft.fees_already_billed)
    names = _names(con)
    expenses, expense_problems = client_expenses(con, period, contracts, client_id)
    draft.exceptions += expense_problems
    for contract in contracts.values():
        lines: list[Line] = []
        for ws in contract.workstreams:
            ws_lines, problems = workstream_lines(contract, ws, period, reads, names, fee_billed)
            lines += ws_lines
            draft.exceptions += problems
        lines += expenses.get(contract.contract_id, [])
        invoices = _invoices(contract, lines)
        draft.exceptions += po_exceptions(con, contract, invoices)
        draft.invoices += invoices
    return draft
