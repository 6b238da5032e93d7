-- person_entries: the time entries behind a drill-down: every entry of $people dated in
-- [$start, $end] (the caller always names the people; an empty list would mean everyone), on
-- $clients when that list is not empty, with what utilization counts (hours, billable as
-- mart_time_entries decides it) and what compliance looks at (submitted_at, approved_at).
SELECT m.date, m.person_id, m.person_name, m.project_id, m.project_name, m.client_id,
       m.client_name, CAST(m.hours AS DOUBLE) AS hours, m.is_billable AS billable, m.work_type,
       m.submitted_at, m.approved_at, m.entry_id
FROM mart_time_entries m
WHERE m.date BETWEEN $start AND $end
  AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), m.person_id))
  AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), m.client_id))
ORDER BY m.date, m.entry_id
