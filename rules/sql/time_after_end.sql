-- time_after_end (ref entry): an entry dated after its project's end_date (any project
-- status), on or before $as_of. Projects without an end_date are never flagged.
SELECT
    e.entry_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    p.project_id,
    strftime(e.date, '%Y-%m') AS period,
    'entry ' || e.entry_id || ' on ' || strftime(e.date, '%Y-%m-%d') || ' ('
        || CAST(e.hours::DECIMAL(12,2) AS VARCHAR) || ' h) is after project ' || p.project_id
        || '''s end date ' || strftime(p.end_date, '%Y-%m-%d') AS detail,
    to_json({'entry_id': e.entry_id, 'person_id': e.person_id, 'date': e.date,
             'hours': e.hours, 'project_id': p.project_id, 'project_status': p.status,
             'project_end_date': p.end_date,
             'days_after_end': date_diff('day', p.end_date, e.date)}) AS evidence,
    'move the entry to the right project, or extend the project''s end date' AS suggested_action
FROM effective_time_entries e
JOIN projects p ON p.project_id = e.project_id
WHERE e.date <= $as_of AND p.end_date IS NOT NULL AND e.date > p.end_date
