-- cues: one row per approved time entry on a SOW line dated before $before, with what the firm
-- decided about it: rush or standard, billable or not on a line that bills. Where the rush and
-- no-charge words of this firm are learnt from (deterministic.learn_cues).
SELECT lower(coalesce(e.notes, '')) AS notes, e.work_type = 'rush' AS rush,
       coalesce(s.billable, true) AND NOT (p.client_id IS NULL OR coalesce(c.status, '') = 'internal')
           AS line_bills,
       e.billable IS NOT DISTINCT FROM false AS no_charge
FROM effective_time_entries e
JOIN sow_lines s ON s.sow_line_id = e.sow_line_id AND s.project_id = e.project_id
JOIN projects p ON p.project_id = e.project_id
LEFT JOIN clients c ON c.client_id = p.client_id
WHERE e.approved_at IS NOT NULL AND e.date < $before
