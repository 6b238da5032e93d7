-- digest: one row; changes whenever the training history (or the SOW catalog) changes, so a
-- cached model is reused only for the very history it learnt from.
WITH final AS (
    SELECT count(*) AS n,
           coalesce(bit_xor(hash(e.entry_id, e.project_id, e.sow_line_id, e.notes)), 0) AS h
    FROM effective_time_entries e
    JOIN sow_lines s ON s.sow_line_id = e.sow_line_id AND s.project_id = e.project_id
    WHERE e.approved_at IS NOT NULL AND e.date < $before
)
SELECT n || '-' || h || '-' || (SELECT coalesce(bit_xor(hash(sow_line_id, project_id, description)), 0)
                                 FROM sow_lines) AS digest
FROM final
