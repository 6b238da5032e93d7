-- mart_time_entries: one row per time entry, with the person, project, client and contract
-- it belongs to, and whether the work is internal (never billed, counted as non-billable).
-- is_billable follows billing's rule 1: a client project that is not internal, and the entry's
-- billable flag, else its SOW line's, else true. An entry with no project is not billable
-- (yet: the classification step may give it one).
CREATE OR REPLACE VIEW mart_time_entries AS
WITH entries AS (
    SELECT * FROM effective_time_entries
),
projects_with_client AS (
    SELECT
        p.project_id,
        p.name AS project_name,
        p.client_id,
        c.name AS client_name,
        coalesce(p.contract_id, ws.contract_id) AS contract_id,
        p.client_id IS NULL OR coalesce(c.status, '') = 'internal' AS is_internal
    FROM projects p
    LEFT JOIN clients c USING (client_id)
    LEFT JOIN (
        SELECT project_id, min(contract_id) AS contract_id
        FROM contract_workstreams GROUP BY project_id
    ) ws USING (project_id)
),
final AS (
    SELECT
        e.entry_id,
        e.person_id,
        pe.name AS person_name,
        pe.team,
        pe.role,
        e.date,
        e.hours,
        e.project_id,
        pc.project_name,
        pc.client_id,
        pc.client_name,
        pc.contract_id,
        e.sow_line_id,
        pe.employment,
        pe.cost_rate,
        e.notes,
        coalesce(pc.is_internal, false) AS is_internal,
        e.project_id IS NOT NULL AND NOT coalesce(pc.is_internal, true)
            AND coalesce(e.billable, s.billable, true) AS is_billable,
        coalesce(e.work_type, 'standard') AS work_type,
        e.submitted_at,
        e.approved_at,
        e.invoice_id,
        e.source
    FROM entries e
    LEFT JOIN people pe USING (person_id)
    LEFT JOIN projects_with_client pc USING (project_id)
    LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
)
SELECT * FROM final
