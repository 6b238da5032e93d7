-- under_reported_week (ref person_id:week_start): in a full week (week start per firm.week_starts,
-- default Monday; only weeks ended on or before $as_of, from the week of the firm's first entry)
-- the person logged strictly below $under_reported_ratio of the week's expected hours (capacity
-- after public holidays and time off). Every entry counts (any project, billable or not). A
-- week with no expected hours never fires.
WITH cfg AS (
    SELECT coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  lower(trim(max(week_starts)))), 1) AS ws
    FROM firm
),
span AS (  -- from the start of the week of the firm's first time entry up to $as_of
    SELECT min(e.date) - CAST((isodow(min(e.date)) - c.ws + 7) % 7 AS INTEGER) AS first_day
    FROM effective_time_entries e CROSS JOIN cfg c
    WHERE e.date <= $as_of
    GROUP BY c.ws
),
days AS (
    SELECT day, day - CAST((isodow(day) - c.ws + 7) % 7 AS INTEGER) AS week_start
    FROM (SELECT CAST(unnest(generate_series(CAST(first_day AS TIMESTAMP),
                                             CAST($as_of AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
          FROM span) CROSS JOIN cfg c
),
-- Capacity (DATA_CONTRACT): weekly_capacity_hours / 5 per weekday between start and end date;
-- a public holiday (firm_holidays) takes the whole day, time off its hours, the larger wins,
-- never below zero.
person_days AS (
    SELECT p.person_id, p.team, d.day, d.week_start,
           coalesce(p.weekly_capacity_hours, 40) / 5 AS capacity,
           greatest(coalesce(p.weekly_capacity_hours, 40) / 5 - greatest(
               CASE WHEN h.date IS NOT NULL THEN coalesce(p.weekly_capacity_hours, 40) / 5 ELSE 0 END,
               coalesce(t.hours, 0)), 0) AS expected
    FROM people p
    CROSS JOIN days d
    LEFT JOIN (SELECT DISTINCT date FROM firm_holidays) h ON h.date = d.day
    LEFT JOIN (SELECT person_id, date, sum(hours) AS hours FROM time_off GROUP BY ALL) t
        ON t.person_id = p.person_id AND t.date = d.day
    WHERE isodow(d.day) <= 5
      AND (p.start_date IS NULL OR d.day >= p.start_date)
      AND (p.end_date IS NULL OR d.day <= p.end_date)
),
weeks AS (  -- full weeks only: ended on or before $as_of
    SELECT person_id, any_value(team) AS team, week_start, sum(capacity) AS capacity_hours,
           sum(expected) AS expected_hours
    FROM person_days
    WHERE week_start + 6 <= $as_of
    GROUP BY person_id, week_start
),
logged AS (
    SELECT e.person_id, d.week_start, sum(e.hours) AS hours
    FROM effective_time_entries e JOIN days d ON d.day = e.date
    WHERE e.person_id IS NOT NULL
    GROUP BY ALL
),
person_weeks AS (
    SELECT w.*, coalesce(l.hours, 0) AS logged_hours,
           w.expected_hours > 0 AND coalesce(l.hours, 0) < $under_reported_ratio * w.expected_hours AS low
    FROM weeks w LEFT JOIN logged l USING (person_id, week_start)
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
    'ask the person to log the missing time for the week (or record the time off)' AS suggested_action
FROM person_weeks w
LEFT JOIN people pe ON pe.person_id = w.person_id
WHERE w.low
