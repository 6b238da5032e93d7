"""Rule 6: a fixed fee bills once when its project is completed; a milestone bills once when
it reaches `bill_on`. Time on these projects is never billed by the hour. The period's fixed
fees and milestones are read once for all projects (FixedWork.read), then priced per
workstream without the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb

from billing.model import Line, Workstream
from billing.period import Period
from core.money import dec

FIXED_FEE_SQL = """
SELECT p.project_id, p.name, p.end_date,
       EXISTS (SELECT 1 FROM invoice_lines l JOIN invoices i USING (invoice_id)
               WHERE l.project_id = p.project_id AND l.kind = 'fixed_fee'
                 AND coalesce(i.status, 'sent') <> 'void')
       OR p.project_id IN (SELECT source_id FROM locked_sources) AS already_billed
FROM projects p
WHERE list_contains($projects, p.project_id) AND p.status = 'completed'
  AND p.end_date BETWEEN $start AND $end
"""

# Both readings of bill_on at once; the workstream's own picks its rows (milestone_lines).
MILESTONES_SQL = """
SELECT project_id, milestone_id, name, amount, status, accepted_on, completed_on
FROM milestones
WHERE list_contains($projects, project_id) AND invoice_id IS NULL
  AND milestone_id NOT IN (SELECT source_id FROM locked_sources)
  AND milestone_id NOT IN (  -- on an invoice line that names it (approved here, or imported)
      SELECT unnest(string_split(l.entry_ids, ';')) FROM invoice_lines l
      JOIN invoices i USING (invoice_id)
      WHERE l.kind = 'milestone' AND coalesce(i.status, 'sent') <> 'void')
  AND ((status = 'accepted' AND accepted_on BETWEEN $start AND $end)
       OR (status IN ('complete', 'accepted') AND completed_on BETWEEN $start AND $end))
"""


@dataclass
class FixedWork:
    """The period's completed fixed-fee projects and unbilled milestones, by project."""

    period: Period
    fixed: dict[str, tuple] = field(default_factory=dict)
    milestones: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(
        cls, con: duckdb.DuckDBPyConnection, period: Period, workstreams: list[Workstream]
    ) -> FixedWork:
        """Two queries for every fixed-fee and milestone workstream of the draft."""
        work = cls(period)
        params = {"start": period.start, "end": period.end}
        fixed = sorted({ws.project_id for ws in workstreams if ws.billing == "fixed_fee"})
        if fixed:
            for row in con.execute(FIXED_FEE_SQL, params | {"projects": fixed}).fetchall():
                work.fixed[row[0]] = row
        staged = sorted({ws.project_id for ws in workstreams if ws.billing == "milestone"})
        if staged:
            for row in con.execute(MILESTONES_SQL, params | {"projects": staged}).fetchall():
                work.milestones[row[0]].append(row[1:])
        return work


def fixed_fee_lines(work: FixedWork, ws: Workstream) -> list[Line]:
    row = work.fixed.get(ws.project_id)
    if row is None or row[3] or ws.fee is None:
        return []
    project_id, name, end_date, _ = row
    text = f"{name}: fixed fee, project completed {end_date}"
    return [Line("fixed_fee", project_id, text, dec(1), ws.fee, ws.fee, [project_id])]


def _reached_on(
    bill_on: str, status: str, accepted_on: date | None, completed_on: date | None, period: Period
) -> date | None:
    """The day the milestone reached `bill_on` within the period, else None."""
    if bill_on == "accepted":
        day, statuses = accepted_on, ("accepted",)
    else:
        day, statuses = completed_on, ("complete", "accepted")
    if status in statuses and day is not None and period.start <= day <= period.end:
        return day
    return None


def milestone_lines(work: FixedWork, ws: Workstream) -> list[Line]:
    """Each milestone once, in the period it was accepted (or completed, per bill_on)."""
    bill_on = ws.bill_on or "accepted"
    rows = []
    for milestone_id, name, amount, status, accepted_on, completed_on in work.milestones.get(
        ws.project_id, []
    ):
        reached_on = _reached_on(bill_on, status, accepted_on, completed_on, work.period)
        if reached_on is not None:
            rows.append((reached_on, milestone_id, name, amount))
    lines = []
    for reached_on, milestone_id, name, amount in sorted(rows, key=lambda r: (r[0], r[1])):
        text = f"Milestone: {name} ({bill_on} {reached_on})"
        lines.append(
            Line("milestone", ws.project_id, text, dec(1), dec(amount), dec(amount), [milestone_id])
        )
    return lines
