-- current_suggestions: one row per time entry among $entry_ids with its latest suggestion that
-- is open or applied (accepted by a person, or auto-applied), named for a person to read.
WITH latest AS (
    SELECT s.*, row_number() OVER (PARTITION BY s.object_id ORDER BY s.suggestion_id DESC) AS n
    FROM classify_suggestions s
    WHERE s.object_type = 'time_entry' AND list_contains($entry_ids, s.object_id)
      AND s.status IN ('open', 'accepted', 'applied')
),
final AS (
    SELECT l.object_id AS entry_id, l.status, l.project_id, p.name AS project_name,
           l.sow_line_id, sl.description AS sow_line, l.billable, l.work_type,
           l.confidence, l.method, l.decided_by, l.rationale
    FROM latest l
    LEFT JOIN projects p ON p.project_id = l.project_id
    LEFT JOIN sow_lines sl ON sl.sow_line_id = l.sow_line_id
    WHERE l.n = 1
)
SELECT * FROM final ORDER BY entry_id
