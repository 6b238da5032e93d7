-- history: one row per approved time entry with a project and a SOW line of that project,
-- dated before $before: what the firm decided, the local model's training data.
SELECT e.entry_id, e.person_id, e.date, coalesce(e.notes, '') AS notes, e.project_id,
       e.sow_line_id
FROM effective_time_entries e
JOIN sow_lines s ON s.sow_line_id = e.sow_line_id AND s.project_id = e.project_id
WHERE e.approved_at IS NOT NULL AND e.date < $before
ORDER BY e.entry_id
