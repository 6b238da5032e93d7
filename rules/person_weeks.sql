-- rule_person_weeks: one row per person and full week (week start per firm.week_starts,
-- weeks ended on or before $as_of, from the week of the firm's first entry): capacity and
-- expected hours (DATA_CONTRACT "Capacity": weekday share of weekly capacity less public
-- holidays and time off, the larger reduction winning) and the hours logged (any entry).
-- Built once per rules run; under_reported_week, chronic_under_reporting,
-- team_under_reporting and missing_timesheet read it.
CREATE OR REPLACE TEMP TABLE rule_person_weeks AS
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
)
SELECT w.*, coalesce(l.hours, 0) AS logged_hours
FROM weeks w LEFT JOIN logged l USING (person_id, week_start)
