-- margin_people: the cost side of margin.sql by project and person: every hour logged on a
-- client project in [$start, $end] (billable or not) x the person's cost_rate, with the same
-- client, team and person filters, so a project's rows here sum to its cost in margin.sql.
SELECT m.project_id, m.person_id, m.person_name, m.team,
       CAST(sum(m.hours) AS DOUBLE) AS hours,
       CAST(coalesce(sum(m.hours) FILTER (WHERE m.is_billable), 0) AS DOUBLE) AS billable_hours,
       any_value(m.cost_rate) AS cost_rate,
       CAST(sum(m.hours * coalesce(m.cost_rate, 0)) AS DECIMAL(18, 2)) AS cost
FROM mart_time_entries m
WHERE m.date BETWEEN $start AND $end AND m.project_id IS NOT NULL AND NOT m.is_internal
  AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), m.client_id))
  AND (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), m.team))
  AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), m.person_id))
GROUP BY ALL
ORDER BY m.project_id, cost DESC, m.person_id
