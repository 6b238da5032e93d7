"""A saved draft's derived time lines (volume discounts, the not-to-exceed cap) recomputed from
the time lines still on it, so that excluding or including a time line changes the tiers, the
discount and the cap exactly as if the excluded work had never been drafted.

Only time-and-materials workstreams derive lines from other lines. The recompute prices from
the saved lines themselves (each time line's unit price, the rate x rush multiplier it was
drafted at) and the entries' current hours rounded by the contract: a draft whose entries
changed since it was saved is refused (draft it again) rather than silently re-priced."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import duckdb

from billing.draft import time_billed
from billing.entries import round_hours
from billing.model import BillableEntry, Contract, Line, Workstream
from billing.period import Period
from billing.terms import load_contracts
from billing.time_and_materials import cap_adjustment, discount_lines
from core.money import ZERO, dec

TIME_KINDS = ("time", "rush")
DERIVED_KINDS = ("discount", "cap_adjustment")

ENTRIES_SQL = """
SELECT entry_id, date, hours FROM effective_time_entries
WHERE list_contains(CAST(? AS VARCHAR[]), entry_id)
"""

LINE_INSERT_SQL = """
INSERT INTO invoice_draft_lines (draft_id, line_no, kind, project_id, person_id, description,
                                 quantity, unit_price, amount, sources)
VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)
"""

LINE_UPDATE_SQL = """
UPDATE invoice_draft_lines SET description = ?, quantity = ?, unit_price = ?, amount = ?,
       sources = ?
WHERE draft_id = ? AND line_no = ?
"""


def _entries(con, contract: Contract, lines: list[dict]) -> list[BillableEntry]:
    """The entries behind the kept time lines, priced at their line's unit price (which already
    holds any rush multiplier, so they count as standard work here)."""
    price = {source: dec(line["unit_price"]) for line in lines for source in line["sources"]}
    rows = con.execute(ENTRIES_SQL, [list(price)]).fetchall()
    found = {entry_id: (day, dec(hours)) for entry_id, day, hours in rows}
    out = []
    for line in lines:
        rounded = ZERO
        for source in line["sources"]:
            if source not in found:
                raise ValueError(f"entry {source} of line {line['line_no']} is gone: draft again")
            day, hours = found[source]
            entry = BillableEntry(
                source,
                line["person_id"],
                None,
                line["project_id"],
                day,
                hours,
                round_hours(hours, contract),
                "standard",
                price[source],
            )
            rounded += entry.rounded_hours
            out.append(entry)
        if rounded != dec(line["quantity"]):
            raise ValueError(
                f"the hours behind line {line['line_no']} changed since the draft "
                "was saved: draft the period again"
            )
    return out


def _as_line(row: dict) -> Line:
    return Line(
        row["kind"],
        row["project_id"],
        row["description"],
        dec(row["quantity"]),
        dec(row["unit_price"]),
        dec(row["amount"]),
        list(row["sources"]),
        row["person_id"],
    )


def workstream_derived(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    ws: Workstream,
    period: Period,
    time_rows: list[dict],
) -> list[Line]:
    """Discount and cap lines of one T&M workstream over the time lines kept on the draft."""
    entries = _entries(con, contract, time_rows)
    discounts = discount_lines(replace(ws, rush_multiplier=None), entries)
    billed = time_billed(con, ws, period) if ws.cap_amount is not None else dec(0)
    kept = [_as_line(row) for row in time_rows] + discounts
    cap, _exceptions = cap_adjustment(contract, ws, kept, billed)
    return discounts + cap


def recompute_derived(
    con: duckdb.DuckDBPyConnection, draft: dict, lines: list[dict]
) -> dict[str, list[str]]:
    """Rewrites the draft's discount and cap lines from its time lines that are not excluded.
    A derived line keeps its number (and an exclusion someone gave it); one no longer due is
    deleted; a new one takes the next number. Runs inside the caller's transaction. Returns the
    amounts before and after, for the audit."""
    contract = load_contracts(con, draft["client_id"]).get(draft["contract_id"])
    if contract is None:
        return {}
    period = Period.parse(draft["period"])
    next_no = max((row["line_no"] for row in lines), default=0) + 1
    before: list[str] = []
    after: list[str] = []
    for ws in contract.workstreams:
        if ws.billing != "time_and_materials" or (not ws.tiers and ws.cap_amount is None):
            continue
        mine = [row for row in lines if row["project_id"] == ws.project_id]
        time_rows = [r for r in mine if r["kind"] in TIME_KINDS]
        if not time_rows:
            continue
        kept = [r for r in time_rows if not r["excluded"]]
        fresh = workstream_derived(con, contract, ws, period, kept) if kept else []
        old = [r for r in mine if r["kind"] in DERIVED_KINDS]
        before += [f"{r['kind']} {dec(r['amount'])}" for r in old]
        after += [f"{line.kind} {line.amount}" for line in fresh]
        next_no = _rewrite(con, draft["draft_id"], old, fresh, next_no)
    return {"derived_before": before, "derived_after": after}


def _rewrite(con, draft_id: int, old: list[dict], fresh: list[Line], next_no: int) -> int:
    """Old derived lines matched to fresh ones by kind, in order; the rest deleted or added."""
    for kind in DERIVED_KINDS:
        was = [r for r in old if r["kind"] == kind]
        now = [line for line in fresh if line.kind == kind]
        for row, line in zip(was, now, strict=False):
            con.execute(
                LINE_UPDATE_SQL,
                [
                    line.description,
                    line.quantity,
                    line.unit_price,
                    line.amount,
                    line.sources,
                    draft_id,
                    row["line_no"],
                ],
            ).fetchall()
        for row in was[len(now) :]:
            con.execute(
                "DELETE FROM invoice_draft_lines WHERE draft_id = ? AND line_no = ?",
                [draft_id, row["line_no"]],
            ).fetchall()
        for line in now[len(was) :]:
            con.execute(
                LINE_INSERT_SQL,
                [
                    draft_id,
                    next_no,
                    line.kind,
                    line.project_id,
                    line.description,
                    line.quantity,
                    line.unit_price,
                    line.amount,
                    line.sources,
                ],
            ).fetchall()
            next_no += 1
    return next_no


def time_value(lines: list[dict]) -> Decimal:
    """The kept time value of a draft's lines (time, rush, discounts and cap): a check figure."""
    kinds = TIME_KINDS + DERIVED_KINDS
    return sum((dec(r["amount"]) for r in lines if r["kind"] in kinds and not r["excluded"]), ZERO)
