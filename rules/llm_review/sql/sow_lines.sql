-- review scope: every SOW line of a client project (the statement of work the notes are read
-- against), with its project and client names.
SELECT s.sow_line_id, s.project_id, coalesce(s.code, '') AS code,
       coalesce(s.description, '') AS description, coalesce(s.billable, true) AS billable,
       coalesce(s.phase, '') AS phase, p.name AS project_name, p.client_id, c.name AS client_name
FROM sow_lines s
JOIN projects p ON p.project_id = s.project_id
LEFT JOIN clients c ON c.client_id = p.client_id
WHERE p.client_id IS NOT NULL AND coalesce(c.status, '') <> 'internal'
ORDER BY s.project_id, s.sow_line_id
