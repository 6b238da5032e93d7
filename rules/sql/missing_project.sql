-- missing_project (ref entry): an entry dated on or before $as_of with no project.
SELECT
    e.entry_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(e.date, '%Y-%m') AS period,
    'entry ' || e.entry_id || ' by ' || coalesce(e.person_id, '?') || ' on '
        || strftime(e.date, '%Y-%m-%d') || ' (' || CAST(e.hours::DECIMAL(12,2) AS VARCHAR)
        || ' h) has no project' AS detail,
    to_json({'entry_id': e.entry_id, 'person_id': e.person_id, 'date': e.date,
             'hours': e.hours, 'notes': e.notes}) AS evidence,
    'assign the entry to a project (reassign), or classify it from its notes' AS suggested_action
FROM effective_time_entries e
WHERE e.date <= $as_of AND nullif(trim(e.project_id), '') IS NULL
