-- catalog: one row per SOW line with its project: dates, client, whether the project is
-- internal (no client, or the firm itself) and whether the line is billable.
SELECT s.sow_line_id, s.project_id, coalesce(s.description, '') AS description,
       coalesce(s.code, '') AS sow_code, coalesce(s.billable, true) AS line_billable,
       p.name AS project_name, p.code AS project_code, p.client_id, c.name AS client_name,
       p.start_date, p.end_date,
       (p.client_id IS NULL OR coalesce(c.status, '') = 'internal') AS is_internal
FROM sow_lines s
JOIN projects p ON p.project_id = s.project_id
LEFT JOIN clients c ON c.client_id = p.client_id
ORDER BY s.sow_line_id
