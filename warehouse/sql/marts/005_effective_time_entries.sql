-- effective_time_entries: one row per time entry as the firm decided it: staging values with
-- the decisions of entry_overrides applied (they outlive re-imports), and the saved draft
-- invoice that holds it, if any. Billing and the marts read entries through this view.
CREATE OR REPLACE VIEW effective_time_entries AS
WITH overrides AS (
    SELECT
        entry_id,
        max(CASE WHEN field = 'project_id' THEN value END) AS project_id,
        max(CASE WHEN field = 'sow_line_id' THEN value END) AS sow_line_id,
        max(CASE WHEN field = 'billable' THEN value END) AS billable,
        max(CASE WHEN field = 'work_type' THEN value END) AS work_type,
        list(field) AS fields
    FROM entry_overrides GROUP BY entry_id
),
final AS (
    SELECT
        e.* REPLACE (
            CASE WHEN list_contains(o.fields, 'project_id') THEN o.project_id ELSE e.project_id END AS project_id,
            CASE WHEN list_contains(o.fields, 'sow_line_id') THEN o.sow_line_id ELSE e.sow_line_id END AS sow_line_id,
            CASE WHEN list_contains(o.fields, 'billable') THEN CAST(o.billable AS BOOLEAN) ELSE e.billable END AS billable,
            CASE WHEN list_contains(o.fields, 'work_type') THEN o.work_type ELSE e.work_type END AS work_type
        ),
        o.fields IS NOT NULL AS is_overridden
    FROM time_entries e
    LEFT JOIN overrides o USING (entry_id)
)
SELECT * FROM final
