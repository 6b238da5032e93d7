"""Rule 6: a fixed fee bills once when its project is completed; a milestone bills once when
it reaches `bill_on`. Time on these projects is never billed by the hour."""

from __future__ import annotations

import duckdb

from billing.model import Line, Workstream
from billing.money import dec
from billing.period import Period

FIXED_FEE_SQL = """
SELECT p.project_id, p.name, p.end_date,
       EXISTS (SELECT 1 FROM invoice_lines l JOIN invoices i USING (invoice_id)
               WHERE l.project_id = p.project_id AND l.kind = 'fixed_fee'
                 AND coalesce(i.status, 'sent') <> 'void')
       OR p.project_id IN (SELECT source_id FROM locked_sources) AS already_billed
FROM projects p
WHERE p.project_id = ? AND p.status = 'completed' AND p.end_date BETWEEN ? AND ?
"""

MILESTONES_SQL = """
SELECT milestone_id, name, amount,
       CASE WHEN ? = 'accepted' THEN accepted_on ELSE completed_on END AS reached_on
FROM milestones
WHERE project_id = ? AND invoice_id IS NULL
  AND milestone_id NOT IN (SELECT source_id FROM locked_sources)
  AND milestone_id NOT IN (  -- on an invoice line that names it (approved here, or imported)
      SELECT unnest(string_split(l.entry_ids, ';')) FROM invoice_lines l
      JOIN invoices i USING (invoice_id)
      WHERE l.kind = 'milestone' AND coalesce(i.status, 'sent') <> 'void')
  AND status IN ({statuses})
  AND (CASE WHEN ? = 'accepted' THEN accepted_on ELSE completed_on END) BETWEEN ? AND ?
ORDER BY reached_on, milestone_id
"""


def fixed_fee_lines(con: duckdb.DuckDBPyConnection, ws: Workstream, period: Period) -> list[Line]:
    rows = con.execute(FIXED_FEE_SQL, [ws.project_id, period.start, period.end]).fetchall()
    if not rows or rows[0][3] or ws.fee is None:
        return []
    project_id, name, end_date, _ = rows[0]
    text = f"{name}: fixed fee, project completed {end_date}"
    return [Line("fixed_fee", project_id, text, dec(1), ws.fee, ws.fee, [project_id])]


def milestone_lines(con: duckdb.DuckDBPyConnection, ws: Workstream, period: Period) -> list[Line]:
    """Each milestone once, in the period it was accepted (or completed, per bill_on)."""
    bill_on = ws.bill_on or "accepted"
    statuses = "'accepted'" if bill_on == "accepted" else "'complete', 'accepted'"
    rows = con.execute(
        MILESTONES_SQL.format(statuses=statuses),
        [bill_on, ws.project_id, bill_on, period.start, period.end],
    ).fetchall()
    lines = []
    for milestone_id, name, amount, reached_on in rows:
        text = f"Milestone: {name} ({bill_on} {reached_on})"
        lines.append(Line("milestone", ws.project_id, text, dec(1), dec(amount), dec(amount),
                          [milestone_id]))  # fmt: skip
    return lines
