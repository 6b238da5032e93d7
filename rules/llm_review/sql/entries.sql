-- review entries: every time entry (as effective_time_entries shows it, after overrides) dated
-- in [$since, $as_of] that carries a note, with its project, client, SOW line and whether the
-- project is internal (no client, or the firm itself), and the hours the person logged that
-- day on every entry (noted or not).
WITH day_hours AS (
    SELECT person_id, date, CAST(sum(hours) AS DECIMAL(12,2)) AS day_hours
    FROM effective_time_entries WHERE date BETWEEN $since AND $as_of GROUP BY ALL
)
SELECT e.entry_id, e.person_id, coalesce(pe.name, e.person_id) AS person, e.date,
       CAST(e.hours AS DECIMAL(12,2)) AS hours, e.project_id, pr.name AS project_name,
       pr.client_id, c.name AS client_name,
       (pr.client_id IS NULL OR coalesce(c.status, '') = 'internal') AS is_internal,
       e.sow_line_id, s.description AS sow_description, s.billable AS sow_billable,
       coalesce(e.billable, s.billable, true) AS billable,
       coalesce(e.work_type, 'standard') AS work_type, e.notes, d.day_hours
FROM effective_time_entries e
LEFT JOIN projects pr ON pr.project_id = e.project_id
LEFT JOIN clients c ON c.client_id = pr.client_id
LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
LEFT JOIN people pe ON pe.person_id = e.person_id
LEFT JOIN day_hours d ON d.person_id = e.person_id AND d.date = e.date
WHERE e.date BETWEEN $since AND $as_of
  AND e.project_id IS NOT NULL
  AND nullif(trim(e.notes), '') IS NOT NULL
ORDER BY e.project_id, e.date, e.entry_id
