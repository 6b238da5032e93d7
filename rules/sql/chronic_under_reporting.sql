-- chronic_under_reporting (ref person): the person's latest full weeks with expected hours end
-- in a run of at least $chronic_weeks consecutive under-reported weeks (as under_reported_week:
-- logged strictly below $under_reported_ratio of expected). A week with no expected hours (all
-- time off / holiday, not yet employed) neither counts nor breaks the run. Only a run that is
-- still going (it ends at the person's latest full week with expected hours) fires, so the
-- finding resolves itself once the person logs a normal week.
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
, counted AS (
    SELECT *,
           row_number() OVER (PARTITION BY person_id ORDER BY week_start)
             - row_number() OVER (PARTITION BY person_id, low ORDER BY week_start) AS grp,
           max(week_start) OVER (PARTITION BY person_id) AS last_week
    FROM person_weeks
    WHERE expected_hours > 0
),
streaks AS (
    SELECT person_id, any_value(team) AS team, count(*) AS weeks, min(week_start) AS first_week,
           max(week_start) AS last_low_week, sum(logged_hours) AS logged_hours,
           sum(expected_hours) AS expected_hours,
           list({'week_start': week_start, 'logged_hours': logged_hours,
                 'expected_hours': expected_hours} ORDER BY week_start) AS week_list
    FROM counted
    WHERE low
    GROUP BY person_id, grp
    HAVING count(*) >= $chronic_weeks AND max(week_start) = any_value(last_week)
)
SELECT
    s.person_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(s.last_low_week, '%Y-%m') AS period,
    coalesce(pe.name, s.person_id) || ' under-reported ' || CAST(s.weeks AS VARCHAR)
        || ' weeks in a row (weeks of ' || strftime(s.first_week, '%Y-%m-%d') || ' to '
        || strftime(s.last_low_week, '%Y-%m-%d') || '): ' || CAST(s.logged_hours::DECIMAL(12,2) AS VARCHAR)
        || ' h of ' || CAST(s.expected_hours::DECIMAL(12,2) AS VARCHAR) || ' h expected' AS detail,
    to_json({'person_id': s.person_id, 'person': pe.name, 'team': s.team, 'weeks': s.weeks,
             'first_week': s.first_week, 'last_week': s.last_low_week,
             'logged_hours': s.logged_hours, 'expected_hours': s.expected_hours,
             'threshold_ratio': $under_reported_ratio, 'threshold_weeks': $chronic_weeks,
             'week_list': s.week_list}) AS evidence,
    'talk with the person and their manager: time is going unrecorded week after week' AS suggested_action
FROM streaks s
LEFT JOIN people pe ON pe.person_id = s.person_id
