-- approval_overdue (ref person_id:week_start): the person's entries of a week (week start per
-- firm.week_starts) that were submitted on or before $as_of and are still unapproved as of
-- $as_of, where strictly more than $approval_overdue_business_days business days (Monday to
-- Friday, not a firm_holidays day) lie after the earliest such submission's day, up to and
-- including $as_of. Days are local to firm.timezone (default UTC). The approver is the
-- person's manager (people.manager_id); it escalates to that manager's manager.
WITH cfg AS (
    SELECT coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  lower(trim(max(week_starts)))), 1) AS ws,
           coalesce(nullif(trim(max(timezone)), ''), 'UTC') AS tz
    FROM firm
),
pending AS (
    SELECT e.person_id, e.date - CAST((isodow(e.date) - c.ws + 7) % 7 AS INTEGER) AS week_start,
           min(e.submitted_at) AS submitted_at,
           min(CAST(timezone(c.tz, e.submitted_at) AS DATE)) AS submitted_on,
           sum(e.hours) AS hours,
           list(e.entry_id ORDER BY e.entry_id) AS entry_ids
    FROM effective_time_entries e CROSS JOIN cfg c
    WHERE e.person_id IS NOT NULL AND e.date <= $as_of
      AND e.submitted_at IS NOT NULL
      AND CAST(timezone(c.tz, e.submitted_at) AS DATE) <= $as_of
      AND (e.approved_at IS NULL OR CAST(timezone(c.tz, e.approved_at) AS DATE) > $as_of)
    GROUP BY ALL
),
calendar AS (
    SELECT CAST(unnest(generate_series(CAST(min(submitted_on) AS TIMESTAMP),
                                       CAST($as_of AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
    FROM pending
    HAVING min(submitted_on) IS NOT NULL
),
business_days AS (
    SELECT c.day FROM calendar c
    WHERE isodow(c.day) <= 5 AND c.day NOT IN (SELECT date FROM firm_holidays WHERE date IS NOT NULL)
),
overdue AS (
    SELECT p.*, count(b.day) AS business_days
    FROM pending p LEFT JOIN business_days b ON b.day > p.submitted_on
    GROUP BY ALL
    HAVING count(b.day) > $approval_overdue_business_days
)
SELECT
    o.person_id || ':' || strftime(o.week_start, '%Y-%m-%d') AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(o.week_start, '%Y-%m') AS period,
    coalesce(pe.name, o.person_id) || '''s time for the week of ' || strftime(o.week_start, '%Y-%m-%d')
        || ' (' || CAST(o.hours::DECIMAL(12,2) AS VARCHAR) || ' h) has waited '
        || CAST(o.business_days AS VARCHAR) || ' business days for approval by '
        || coalesce(mg.name, pe.manager_id, 'no manager on file') AS detail,
    to_json({'person_id': o.person_id, 'person': pe.name, 'week_start': o.week_start,
             'submitted_at': o.submitted_at, 'business_days': o.business_days,
             'threshold_business_days': $approval_overdue_business_days,
             'hours': o.hours, 'entry_ids': o.entry_ids,
             'approver_id': pe.manager_id, 'approver': mg.name,
             'escalate_to_id': mg.manager_id, 'escalate_to': mg2.name}) AS evidence,
    'approve or reject the week; escalate to ' || coalesce(mg2.name, mg.manager_id, 'the approver''s manager')
        || ' if it stays pending' AS suggested_action,
    o.hours::DECIMAL(12,2) AS hours,
    o.week_start AS event_date,
    o.person_id AS person_id
FROM overdue o
LEFT JOIN people pe ON pe.person_id = o.person_id
LEFT JOIN people mg ON mg.person_id = pe.manager_id
LEFT JOIN people mg2 ON mg2.person_id = mg.manager_id
