-- unapproved_time (ref entry): billable time (billable true, or empty with the SOW line
-- billable / defaulting to true) on a client project (not internal) in a closed period (as_of
-- past the month's last day) that is still not approved. Value: hours x the rate card's rate
-- for time-and-materials work when the rate resolves (billing's rule 2), else null.
WITH entries AS (
    SELECT e.entry_id, e.person_id, pe.role, e.project_id, e.date, e.hours, ws.contract_id,
           ws.billing, k.currency
    FROM effective_time_entries e
    JOIN projects pr ON pr.project_id = e.project_id
    LEFT JOIN people pe ON pe.person_id = e.person_id
    LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
    LEFT JOIN clients c ON c.client_id = pr.client_id
    LEFT JOIN contract_workstreams ws ON ws.project_id = e.project_id
    LEFT JOIN contracts k ON k.contract_id = ws.contract_id
    WHERE last_day(e.date) < $as_of
      AND e.approved_at IS NULL
      AND coalesce(e.billable, s.billable, true)
      AND pr.client_id IS NOT NULL AND coalesce(c.status, '') <> 'internal'
)
SELECT
    e.entry_id AS ref,
    round(e.hours * r.rate, 2)::DECIMAL(18,2) AS value,
    CASE WHEN r.rate IS NOT NULL THEN e.currency END AS currency,
    e.project_id,
    strftime(e.date, '%Y-%m') AS period,
    'entry ' || e.entry_id || ' on ' || strftime(e.date, '%Y-%m-%d') || ' ('
        || CAST(e.hours::DECIMAL(12,2) AS VARCHAR) || ' h, project ' || e.project_id
        || ') is billable but still not approved, and its period '
        || strftime(e.date, '%Y-%m') || ' is closed' AS detail,
    to_json({'entry_id': e.entry_id, 'person_id': e.person_id, 'date': e.date,
             'hours': e.hours, 'project_id': e.project_id, 'contract_id': e.contract_id,
             'billing': e.billing, 'rate': r.rate}) AS evidence,
    'have the entry approved (or rejected) so it can be billed' AS suggested_action,
    round(e.hours * r.rate, 2)::DECIMAL(18,2) AS amount
FROM entries e
LEFT JOIN (  -- the rate card's answer (billing rule 2), shared with billing and the metrics
    SELECT entry_id, rate FROM mart_entry_rates_between(DATE '0001-01-01', $as_of)
    WHERE billing = 'time_and_materials'
) r USING (entry_id)
ORDER BY e.entry_id
