-- missing_timesheet (ref person_id:week_start): for a full week with expected hours > 0 (see
-- under_reported_week), no entry of the person dated in that week has submitted_at on or
-- before the firm's deadline. The deadline is firm.timesheet_deadline ("<day> HH:MM", default
-- "mon 12:00") in the week after, local time of firm.timezone (default UTC). Only deadlines
-- that fall before the end of the $as_of day (in that timezone) are judged. A warehouse in which
-- no entry at all has a submitted_at (the time source does not record submission) is not
-- judged: every week would fire.
WITH cfg AS (
    SELECT coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  lower(trim(max(week_starts)))), 1) AS ws
    FROM firm
),
person_weeks AS (
    SELECT w.*,
           w.expected_hours > 0 AND w.logged_hours < $under_reported_ratio * w.expected_hours AS low
    FROM rule_person_weeks w
)
, firm_cfg AS (
    SELECT coalesce(nullif(trim(max(timezone)), ''), 'UTC') AS tz,
           lower(coalesce(nullif(trim(max(timesheet_deadline)), ''), 'mon 12:00')) AS deadline
    FROM firm
),
deadline_cfg AS (
    SELECT f.tz, f.deadline,
           coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  split_part(f.deadline, ' ', 1)), 1) AS dow,
           coalesce(try_cast(split_part(f.deadline, ' ', 2) AS TIME), TIME '12:00') AS at
    FROM firm_cfg f
),
due AS (
    SELECT w.*, d.tz,
           timezone(d.tz, (w.week_start + 7 + CAST((d.dow - c.ws + 7) % 7 AS INTEGER)) + d.at) AS deadline_at
    FROM person_weeks w CROSS JOIN deadline_cfg d CROSS JOIN cfg c
    WHERE w.expected_hours > 0
),
submitted AS (
    SELECT u.person_id, u.week_start,
           count(e.entry_id) AS entries,
           count(e.entry_id) FILTER (WHERE e.submitted_at <= u.deadline_at) AS on_time,
           min(e.submitted_at) AS first_submitted_at
    FROM due u
    LEFT JOIN effective_time_entries e
        ON e.person_id = u.person_id AND e.date BETWEEN u.week_start AND u.week_start + 6
    GROUP BY u.person_id, u.week_start
)
SELECT
    u.person_id || ':' || strftime(u.week_start, '%Y-%m-%d') AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(u.week_start, '%Y-%m') AS period,
    coalesce(pe.name, u.person_id) || ' submitted no timesheet for the week of '
        || strftime(u.week_start, '%Y-%m-%d') || ' by the deadline '
        || strftime(timezone(u.tz, u.deadline_at), '%Y-%m-%d %H:%M') || ' ' || u.tz AS detail,
    to_json({'person_id': u.person_id, 'person': pe.name, 'week_start': u.week_start,
             'week_end': u.week_start + 6, 'deadline': u.deadline_at, 'timezone': u.tz,
             'expected_hours': u.expected_hours, 'logged_hours': u.logged_hours,
             'entries': s.entries, 'first_submitted_at': s.first_submitted_at}) AS evidence,
    'remind the person to submit the week''s timesheet' AS suggested_action,
    u.week_start AS event_date,
    u.person_id AS person_id
FROM due u
JOIN submitted s USING (person_id, week_start)
LEFT JOIN people pe ON pe.person_id = u.person_id
CROSS JOIN (SELECT count(submitted_at) > 0 AS tracked FROM effective_time_entries) t
WHERE s.on_time = 0
  AND u.deadline_at < timezone(u.tz, CAST($as_of AS TIMESTAMP) + INTERVAL 1 DAY)
  AND t.tracked
