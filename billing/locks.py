"""Never bill twice: what each saved draft holds (billing_locks, migration 006) and what the
firm's invoices already bill.

Every line of a saved draft locks what it bills, in the transaction that saves the draft:
- time, rush, discount, cap, overage and retainer-fee lines: each time entry of their sources;
- expense lines: the expense *part* (expense id, project), since a split bills on two projects;
- milestone lines: the milestone;
- a retainer fee also locks its contract-period (contract, project, YYYY-MM, `retainer_fee`),
  and a fixed fee its contract and project (`fixed_fee`, any period: rule 6 bills it once);
- the draft itself holds its contract-period (and project, when invoicing per project) while it
  is still a draft, so there is at most one open draft per contract-period.
The table's primary key refuses a second holder, so a check-then-write race between two
sessions ends with one draft and a refusal (`AlreadyBilled`), never with two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from billing.model import DraftInvoice, Line
from billing.period import Period

SQL_DIR = Path(__file__).parent / "sql"
ENTRY_KINDS = frozenset(
    {"time", "rush", "discount", "cap_adjustment", "retainer_fee", "overage", "credit"}
)

# One statement for all of a draft's locks (executemany would run one insert per entry): five
# lists of equal length, unnested side by side.
INSERT_LOCKS_SQL = """
INSERT INTO billing_locks
SELECT unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS VARCHAR[])),
       unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS VARCHAR[])), ?, now()
"""
RELEASE_SQL = "DELETE FROM billing_locks WHERE draft_id = ?"
RELEASE_OPEN_SQL = "DELETE FROM billing_locks WHERE draft_id = ? AND lock_kind = 'open_draft'"
CLAIM_NUMBER_SQL = "INSERT INTO invoice_numbers VALUES (?, ?, now())"

# DuckDB's words for "another transaction holds this row or key": a duplicate key at insert or
# at commit, or two transactions deleting or updating the same row.
_CONFLICT_WORDS = (
    "duplicate key",
    "conflict on tuple",
    "transaction conflict",
    "write-write conflict",
)


class AlreadyBilled(ValueError):
    """What a draft would bill is already held by another draft or invoice (often one another
    session saved a moment ago): nothing was written."""


Lock = tuple[str, str, str, str, str]  # lock_kind, ref, contract_id, project_id, period


@dataclass(frozen=True)
class InvoicedFee:
    """A fee of the period already on an invoice (imported or approved) or a saved draft."""

    kind: str  # retainer_fee
    project_id: str
    ref: str  # the invoice number, or "draft #N" for a saved draft not yet approved


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def line_locks(contract_id: str, period: Period, line: Line) -> list[Lock]:
    """What one draft line holds (see the module docstring)."""
    project = line.project_id or ""
    if line.kind == "expense":
        return [("expense", ref, "", project, "") for ref in line.sources]
    if line.kind == "milestone":
        return [("milestone", ref, "", "", "") for ref in line.sources]
    if line.kind == "fixed_fee":
        return [("fixed_fee", "", contract_id, project, "")]
    locks = [("entry", ref, "", "", "") for ref in line.sources]
    if line.kind == "retainer_fee":
        locks.append(("retainer_fee", "", contract_id, project, str(period)))
    return locks


def draft_locks(period: Period, invoice: DraftInvoice) -> list[Lock]:
    """Every lock of a draft invoice, each once (an entry sits on its time and discount lines),
    and the contract-period's open-draft slot."""
    locks = [("open_draft", "", invoice.contract_id, invoice.project_id or "", str(period))]
    for line in invoice.lines:
        locks += line_locks(invoice.contract_id, period, line)
    return list(dict.fromkeys(locks))


def hold(con: duckdb.DuckDBPyConnection, draft_id: int, locks: list[Lock]) -> None:
    """Writes the draft's locks; a lock another draft holds raises AlreadyBilled."""
    with refused_when_taken("it is already drafted or invoiced"):
        columns = [list(column) for column in zip(*locks, strict=True)] if locks else [[]] * 5
        con.execute(INSERT_LOCKS_SQL, [*columns, draft_id]).fetchall()


def release(con: duckdb.DuckDBPyConnection, draft_id: int) -> None:
    """Voiding or replacing a draft frees everything it held."""
    con.execute(RELEASE_SQL, [draft_id]).fetchall()


def release_open_slot(con: duckdb.DuckDBPyConnection, draft_id: int) -> None:
    """An approved draft is no longer open: its contract-period may be drafted again for what
    was not billed yet (its fees and sources stay locked)."""
    con.execute(RELEASE_OPEN_SQL, [draft_id]).fetchall()


def claim_number(con: duckdb.DuckDBPyConnection, number: str, draft_id: int | None) -> None:
    """Records an invoice number as given; a number given already raises AlreadyBilled."""
    with refused_when_taken(f"invoice number {number} is already taken"):
        con.execute(CLAIM_NUMBER_SQL, [number, draft_id]).fetchall()


def is_conflict(err: BaseException) -> bool:
    """A lock held by another transaction (committed or not) or a write-write conflict."""
    if not isinstance(err, duckdb.ConstraintException | duckdb.TransactionException):
        return False
    return any(word in str(err).lower() for word in _CONFLICT_WORDS)


@contextmanager
def refused_when_taken(why: str) -> Iterator[None]:
    """Turns DuckDB's duplicate-key and write-conflict errors into AlreadyBilled(why)."""
    try:
        yield
    except (duckdb.ConstraintException, duckdb.TransactionException) as err:
        if is_conflict(err):
            raise AlreadyBilled(why) from err
        raise


def period_billed(
    con: duckdb.DuckDBPyConnection, period: Period
) -> list[tuple[str, str, str, str]]:
    """(held_by, kind, project_id, ref) of what is already billed for the period: the lines of
    the invoices that bill it, and the retainer fees saved drafts hold (period_billed.sql)."""
    params = {"period_start": period.start, "period": str(period)}
    return con.execute(sql("period_billed"), params).fetchall()


def invoiced_fees(rows: list[tuple[str, str, str, str]]) -> list[InvoicedFee]:
    """The retainer fees among period_billed's rows, each (project, ref) once."""
    fees = {(project, ref) for _, kind, project, ref in rows if kind == "retainer_fee"}
    return [InvoicedFee("retainer_fee", project, ref) for project, ref in sorted(fees)]


def period_invoices(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """Numbers of the invoices among period_billed's rows (late-fee invoices left out: they bill
    no work of the period), in number order."""
    refs = {ref for held_by, kind, _, ref in rows if held_by == "invoice" and kind != "late_fee"}
    return sorted(refs)
