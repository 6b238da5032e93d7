-- retainer_hours: the approved, billable hours of the given retainer projects before a day, in
-- one read of the entries (a filter on effective_time_entries.project_id is not pushed down,
-- overrides may move an entry, so one query per project read every entry each time).
-- Invoiced or not: the bank replays the work as it happened. Grouped by project, month, rush
-- and the entry's hours, with how many entries: the caller rounds each distinct hours value to
-- its contract's increment once (billing rule 3) and multiplies.
-- Parameters: $projects (list of project ids), $before (first day not read).
SELECT e.project_id,
       CAST(date_trunc('month', e.date) AS DATE) AS month,
       coalesce(e.work_type, 'standard') = 'rush' AS is_rush,
       e.hours,
       count(*) AS entries
FROM effective_time_entries e
LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
WHERE e.date < $before AND e.approved_at IS NOT NULL
  AND coalesce(e.billable, s.billable, true)
  AND list_contains($projects, e.project_id)
GROUP BY ALL
