-- person_day_capacity (temp table): one row per person and weekday from the start of the
-- firm's week (firm.week_starts) that holds its first time entry up to $last_day, inside the
-- person's start and end dates. DATA_CONTRACT "Capacity": capacity is
-- weekly_capacity_hours / 5 (40 when unknown); available is capacity less public holidays
-- (firm_holidays, the whole day) and time off (its hours), the larger reduction winning,
-- never below zero. Utilization divides by `available`, compliance and the under-reporting
-- rules expect it. Grain: person_id × day.
CREATE OR REPLACE TEMP TABLE person_day_capacity AS
WITH cfg AS (
    SELECT coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  lower(trim(max(week_starts)))), 1) AS ws
    FROM firm
),
span AS (
    SELECT min(e.date) - CAST((isodow(min(e.date)) - c.ws + 7) % 7 AS INTEGER) AS first_day
    FROM time_entries e CROSS JOIN cfg c
    GROUP BY c.ws
),
days AS (
    SELECT day, day - CAST((isodow(day) - c.ws + 7) % 7 AS INTEGER) AS week_start
    FROM (SELECT CAST(unnest(generate_series(CAST(first_day AS TIMESTAMP),
                                             CAST($last_day AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
          FROM span WHERE first_day IS NOT NULL) CROSS JOIN cfg c
),
off AS (
    SELECT person_id, date, sum(hours) AS hours FROM time_off GROUP BY ALL
)
SELECT
    p.person_id, p.name AS person_name, p.team, p.role,
    coalesce(p.employment, 'employee') AS employment,
    coalesce(p.target_utilization, 0.75) AS target_utilization,
    d.day, d.week_start,
    coalesce(p.weekly_capacity_hours, 40) / 5 AS capacity,
    greatest(coalesce(p.weekly_capacity_hours, 40) / 5 - greatest(
        CASE WHEN h.date IS NOT NULL THEN coalesce(p.weekly_capacity_hours, 40) / 5 ELSE 0 END,
        coalesce(o.hours, 0)), 0) AS available
FROM people p
CROSS JOIN days d
LEFT JOIN (SELECT DISTINCT date FROM firm_holidays) h ON h.date = d.day
LEFT JOIN off o ON o.person_id = p.person_id AND o.date = d.day
WHERE isodow(d.day) <= 5
  AND (p.start_date IS NULL OR d.day >= p.start_date)
  AND (p.end_date IS NULL OR d.day <= p.end_date)
