-- time_on_completed_project (ref entry): an entry on a project whose status is completed,
-- dated after the project's end_date (taken as its completion date), on or before $as_of.
-- A completed project with no end_date is not flagged. Such an entry is also a
-- time_after_end: both fire on purpose (docs/rules.md).
SELECT
    e.entry_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    p.project_id,
    strftime(e.date, '%Y-%m') AS period,
    'entry ' || e.entry_id || ' on ' || strftime(e.date, '%Y-%m-%d') || ' ('
        || CAST(e.hours::DECIMAL(12,2) AS VARCHAR) || ' h) is on project ' || p.project_id
        || ', completed on ' || strftime(p.end_date, '%Y-%m-%d') AS detail,
    to_json({'entry_id': e.entry_id, 'person_id': e.person_id, 'date': e.date,
             'hours': e.hours, 'project_id': p.project_id, 'project_status': p.status,
             'project_end_date': p.end_date}) AS evidence,
    'move the entry to an open project, or reopen the project (change order)' AS suggested_action
FROM effective_time_entries e
JOIN projects p ON p.project_id = e.project_id
WHERE e.date <= $as_of AND p.status = 'completed' AND p.end_date IS NOT NULL
  AND e.date > p.end_date
