-- nonbillable_suspect (ref entry): an entry marked non-billable (billable false, as
-- effective_time_entries shows it) on a client project (not an internal client), dated on or
-- before $as_of, whose notes describe client deliverables and nothing internal.
--   client-work words (case-insensitive, whole words, any ending): deliver*, client*,
--     feature*, fix*, bug*, implement*, design*; or a ticket key (case-sensitive) like ABC-123
--   internal words (case-insensitive), any of which clears the entry: internal, admin*,
--     training, standup / stand-up, timesheet(s), 1:1
SELECT
    e.entry_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    e.project_id,
    strftime(e.date, '%Y-%m') AS period,
    'entry ' || e.entry_id || ' on ' || strftime(e.date, '%Y-%m-%d') || ' ('
        || CAST(e.hours::DECIMAL(12,2) AS VARCHAR) || ' h, project ' || e.project_id
        || ') is non-billable but its notes describe client work: "' || e.notes || '"' AS detail,
    to_json({'entry_id': e.entry_id, 'person_id': e.person_id, 'date': e.date,
             'hours': e.hours, 'project_id': e.project_id, 'client_id': pr.client_id,
             'notes': e.notes}) AS evidence,
    'check whether the time should be billable, and mark it billable if so' AS suggested_action
FROM effective_time_entries e
JOIN projects pr ON pr.project_id = e.project_id
LEFT JOIN clients c ON c.client_id = pr.client_id
WHERE e.date <= $as_of
  AND e.billable = false
  AND pr.client_id IS NOT NULL AND coalesce(c.status, '') <> 'internal'
  AND e.notes IS NOT NULL
  AND (regexp_matches(lower(e.notes),
                      '\b(deliver\w*|client\w*|feature\w*|fix\w*|bug\w*|implement\w*|design\w*)\b')
       OR regexp_matches(e.notes, '\b[A-Z][A-Z0-9]*-\d+\b'))
  AND NOT regexp_matches(lower(e.notes),
                         '\b(internal|admin\w*|training|standup|stand-up|timesheets?)\b|(^|\W)1:1(\W|$)')
ORDER BY e.entry_id
