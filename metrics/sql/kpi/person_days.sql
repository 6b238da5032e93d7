-- kpi_person_days (temp table): one row per person and weekday of the history, from the
-- firm's first time entry to $last_day, inside the person's start/end dates. capacity is
-- weekly_capacity_hours / 5; available is capacity less public holidays (firm_holidays, the
-- whole day) and time off (its hours), the larger reduction winning, never below zero
-- (DATA_CONTRACT "Capacity"). Utilization divides by `available`, compliance expects it.
CREATE OR REPLACE TEMP TABLE kpi_person_days AS
WITH span AS (
    SELECT min(date) AS first_day FROM time_entries
),
days AS (
    SELECT CAST(unnest(generate_series(CAST(first_day AS TIMESTAMP),
                                       CAST($last_day AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
    FROM span WHERE first_day IS NOT NULL
),
off AS (
    SELECT person_id, date, sum(hours) AS hours FROM time_off GROUP BY ALL
)
SELECT
    p.person_id, p.name AS person_name, p.team, p.role,
    coalesce(p.employment, 'employee') AS employment,
    coalesce(p.target_utilization, 0.75) AS target_utilization,
    d.day,
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
