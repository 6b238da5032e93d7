-- utilization_weeks: one row per person and week (weeks start on firm.week_starts, as in
-- compliance.sql) that has a weekday of [$start, $end] for the person, with the week's available
-- hours (kpi_person_days: capacity less holidays and time off, the larger reduction winning)
-- and billable / non-billable hours logged (mart_time_entries.is_billable), the person's
-- employment and target. Only the days of a week inside the range count, so the weeks of a
-- range add up to exactly what utilization.sql reports for it. Filters as in utilization.sql:
-- $clients keeps only hours on those clients and only the people who logged time on them in
-- the range (the client's share of their capacity), $teams and $people keep those people.
WITH cfg AS (
    SELECT coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  lower(trim(any_value(week_starts)))), 1) AS ws
    FROM firm
),
people_in AS (
    SELECT person_id FROM people
    WHERE (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), team))
      AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), person_id))
      AND (len(CAST($clients AS VARCHAR[])) = 0 OR person_id IN (
            SELECT person_id FROM mart_time_entries
            WHERE date BETWEEN $start AND $end
              AND list_contains(CAST($clients AS VARCHAR[]), client_id)))
),
capacity AS (
    SELECT d.person_id, d.day - CAST((isodow(d.day) - c.ws + 7) % 7 AS INTEGER) AS week_start,
           any_value(d.person_name) AS person_name, any_value(d.team) AS team,
           any_value(d.role) AS role, any_value(d.employment) AS employment,
           any_value(d.target_utilization) AS target_utilization,
           sum(d.capacity) AS capacity_hours, sum(d.available) AS available_hours
    FROM kpi_person_days d CROSS JOIN cfg c
    WHERE d.day BETWEEN $start AND $end AND d.person_id IN (SELECT person_id FROM people_in)
    GROUP BY d.person_id, week_start
),
logged AS (
    SELECT m.person_id, m.date - CAST((isodow(m.date) - c.ws + 7) % 7 AS INTEGER) AS week_start,
           sum(m.hours) FILTER (WHERE m.is_billable) AS billable_hours,
           sum(m.hours) FILTER (WHERE NOT m.is_billable) AS nonbillable_hours
    FROM mart_time_entries m CROSS JOIN cfg c
    WHERE m.date BETWEEN $start AND $end
      AND m.person_id IN (SELECT person_id FROM people_in)
      AND (len(CAST($clients AS VARCHAR[])) = 0
           OR list_contains(CAST($clients AS VARCHAR[]), m.client_id))
    GROUP BY ALL
)
SELECT c.week_start, c.person_id, c.person_name, c.team, c.role, c.employment,
       CAST(c.target_utilization AS DOUBLE) AS target_utilization,
       CAST(c.capacity_hours AS DOUBLE) AS capacity_hours,
       CAST(c.available_hours AS DOUBLE) AS available_hours,
       CAST(coalesce(l.billable_hours, 0) AS DOUBLE) AS billable_hours,
       CAST(coalesce(l.nonbillable_hours, 0) AS DOUBLE) AS nonbillable_hours
FROM capacity c LEFT JOIN logged l USING (person_id, week_start)
ORDER BY c.week_start, c.person_id
