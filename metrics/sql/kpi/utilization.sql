-- utilization: one row per person and month of [$start, $end] with available hours
-- (kpi_person_days: capacity less holidays and time off), hours logged, billable hours (client
-- work, billing's rule 1 meaning of billable: mart_time_entries.is_billable) and non-billable
-- hours, with the person's target. Numerator: all billable hours recorded, approved or not
-- (time entered on a holiday counts). Filters: $teams and $people keep those people; $clients
-- keeps only hours on those clients *and* only the people who logged time on them in the range,
-- so a client filter reads "the client's share of the capacity of the people who worked for it"
-- (never one client's hours over the whole firm's capacity).
WITH people_in AS (
    SELECT person_id FROM people
    WHERE (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), team))
      AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), person_id))
      AND (len(CAST($clients AS VARCHAR[])) = 0 OR person_id IN (
            SELECT person_id FROM mart_time_entries
            WHERE date BETWEEN $start AND $end
              AND list_contains(CAST($clients AS VARCHAR[]), client_id)))
),
capacity AS (
    SELECT person_id, strftime(day, '%Y-%m') AS month,
           any_value(person_name) AS person_name, any_value(team) AS team,
           any_value(role) AS role, any_value(employment) AS employment,
           any_value(target_utilization) AS target_utilization,
           sum(capacity) AS capacity_hours, sum(available) AS available_hours
    FROM kpi_person_days
    WHERE day BETWEEN $start AND $end AND person_id IN (SELECT person_id FROM people_in)
    GROUP BY person_id, month
),
logged AS (
    SELECT person_id, strftime(date, '%Y-%m') AS month,
           sum(hours) AS logged_hours,
           sum(hours) FILTER (WHERE is_billable) AS billable_hours,
           sum(hours) FILTER (WHERE NOT is_billable) AS nonbillable_hours
    FROM mart_time_entries
    WHERE date BETWEEN $start AND $end
      AND person_id IN (SELECT person_id FROM people_in)
      AND (len(CAST($clients AS VARCHAR[])) = 0
           OR list_contains(CAST($clients AS VARCHAR[]), client_id))
    GROUP BY person_id, month
)
SELECT c.month, c.person_id, c.person_name, c.team, c.role, c.employment,
       CAST(c.target_utilization AS DOUBLE) AS target_utilization,
       CAST(c.capacity_hours AS DOUBLE) AS capacity_hours,
       CAST(c.available_hours AS DOUBLE) AS available_hours,
       CAST(coalesce(l.logged_hours, 0) AS DOUBLE) AS logged_hours,
       CAST(coalesce(l.billable_hours, 0) AS DOUBLE) AS billable_hours,
       CAST(coalesce(l.nonbillable_hours, 0) AS DOUBLE) AS nonbillable_hours
FROM capacity c LEFT JOIN logged l USING (person_id, month)
ORDER BY c.month, c.person_id
