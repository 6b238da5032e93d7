-- period_entries: one row per time entry of the period that billing must look at: billable,
-- on a client project, not yet on an invoice (time_entries.invoice_id, or a time line that
-- mart_invoice_attribution attributes to it) nor held by a saved draft (locked_sources);
-- entries as the firm decided them (effective_time_entries: reassignments applied). Each carries its contract workstream (if any),
-- its status (eligible / unapproved / no_contract, rule 1) and, for work billed by the hour,
-- the rate card's answer (rule 2, mart_entry_rates): the rows at the most specific matching
-- level, how many, and the rate when there is exactly one.
-- Parameters: $period_start, $period_end, $only_contracts (a list of contract ids: only their
-- entries, for a caller that wants their lines alone; empty: every entry of the period).
WITH billed_by_attribution AS (  -- billed by an invoice's time line without the entry carrying
    -- its invoice_id (an imported invoice per person x project, mart_invoice_attribution)
    SELECT entry_id FROM mart_invoice_attribution_between($period_start, $period_end)
    WHERE billed_as_time
),
entries AS (
    SELECT
        e.entry_id, e.person_id, pe.role, e.project_id, pr.client_id, e.date, e.hours,
        coalesce(e.work_type, 'standard') AS work_type,
        e.approved_at,
        coalesce(e.billable, s.billable, true) AS is_billable,
        pr.client_id IS NULL OR coalesce(c.status, '') = 'internal' AS is_internal,
        ws.contract_id,
        ws.billing
    FROM effective_time_entries e
    JOIN projects pr ON pr.project_id = e.project_id
    LEFT JOIN people pe ON pe.person_id = e.person_id
    LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
    LEFT JOIN clients c ON c.client_id = pr.client_id
    LEFT JOIN contract_workstreams ws ON ws.project_id = e.project_id
    WHERE e.date BETWEEN $period_start AND $period_end
      AND e.invoice_id IS NULL
      AND e.entry_id NOT IN (SELECT source_id FROM locked_sources)
      AND e.entry_id NOT IN (SELECT entry_id FROM billed_by_attribution)
      AND (len($only_contracts) = 0 OR list_contains($only_contracts, ws.contract_id))
),
classified AS (
    SELECT *,
        CASE WHEN contract_id IS NULL THEN 'no_contract'
             WHEN approved_at IS NULL THEN 'unapproved'
             ELSE 'eligible' END AS status
    FROM entries
    WHERE is_billable AND NOT is_internal
),
final AS (
    SELECT c.*, coalesce(r.rate_rows, 0) AS rate_rows, r.rate
    FROM classified c
    LEFT JOIN mart_entry_rates_between($period_start, $period_end) r
      ON r.entry_id = c.entry_id AND c.billing IN ('time_and_materials', 'retainer')
)
SELECT * EXCLUDE (approved_at) FROM final ORDER BY date, entry_id  -- timestamps cost to convert
