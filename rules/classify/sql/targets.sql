-- targets: one row per time entry dated on or before $as_of that lacks a project, SOW line,
-- billable flag or work type, and that can still change (not invoiced, locked or in a draft).
SELECT e.entry_id, e.person_id, e.date, coalesce(e.notes, '') AS notes, e.hours,
       nullif(trim(e.project_id), '') AS project_id, nullif(trim(e.sow_line_id), '') AS sow_line_id,
       e.billable, e.work_type
FROM effective_time_entries e
WHERE e.date <= $as_of
  AND (nullif(trim(e.project_id), '') IS NULL OR nullif(trim(e.sow_line_id), '') IS NULL
       OR e.billable IS NULL OR e.work_type IS NULL)
  AND e.invoice_id IS NULL AND NOT coalesce(e.locked, false)
  AND e.entry_id NOT IN (SELECT source_id FROM locked_sources)
ORDER BY e.entry_id
