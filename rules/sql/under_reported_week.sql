-- under_reported_week (ref person_id:week_start): in a full week (week start per firm.week_starts,
-- default Monday; only weeks ended on or before $as_of, from the week of the firm's first entry)
-- the person logged strictly below $under_reported_ratio of the week's expected hours (capacity
-- after public holidays and time off). Every entry counts (any project, billable or not). A
-- week with no expected hours never fires.
WITH person_weeks AS (
    SELECT w.*,
           w.expected_hours > 0 AND w.logged_hours < $under_reported_ratio * w.expected_hours AS low
    FROM rule_person_weeks w
)
SELECT
    w.person_id || ':' || strftime(w.week_start, '%Y-%m-%d') AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(w.week_start, '%Y-%m') AS period,
    coalesce(pe.name, w.person_id) || ' logged ' || CAST(w.logged_hours::DECIMAL(12,2) AS VARCHAR)
        || ' h of ' || CAST(w.expected_hours::DECIMAL(12,2) AS VARCHAR)
        || ' h expected in the week of ' || strftime(w.week_start, '%Y-%m-%d') || ' (below '
        || CAST(($under_reported_ratio * 100)::DECIMAL(12,0) AS VARCHAR) || '%)' AS detail,
    to_json({'person_id': w.person_id, 'person': pe.name, 'team': w.team,
             'week_start': w.week_start, 'week_end': w.week_start + 6,
             'logged_hours': w.logged_hours, 'expected_hours': w.expected_hours,
             'capacity_hours': w.capacity_hours,
             'ratio': round(w.logged_hours / w.expected_hours, 4),
             'threshold_ratio': $under_reported_ratio}) AS evidence,
    'ask the person to log the missing time for the week (or record the time off)' AS suggested_action,
    w.week_start AS event_date,
    w.person_id AS person_id
FROM person_weeks w
LEFT JOIN people pe ON pe.person_id = w.person_id
WHERE w.low
