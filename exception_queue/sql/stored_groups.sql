-- stored_groups: the open groups as the Exceptions page reads them, from exception_groups
-- (migration 016; one row per group and client) rather than from every finding. The groups
-- of findings whose snooze has come by $as_of (stored as snoozed, open on the page) are
-- recomputed as of that day (when there are none, the stored rows are read as
-- they are). The client filter picks the groups' rows of those clients, so a group's
-- figures are those of its findings of the clients asked, as when grouping the findings.
-- Severity by money (exception_queue.findings.HIGH_FROM, MEDIUM_FROM); with none of it
-- priced, high when a finding of it is high (a kind that stops billing), else low.
-- Ends with `judged`; the reader adds the shown page or the counts per severity.
WITH parts AS (
    /*PARTS*/
),
picked AS (
    SELECT * FROM parts
    WHERE ($kinds IS NULL OR list_contains($kinds, kind))
      AND ($client_ids IS NULL OR list_contains($client_ids, client_key))
),
grouped AS (
    SELECT group_key, any_value(kind) AS kind, any_value(group_type) AS group_type,
           any_value(week_start) AS week_start,
           arg_min(person_id, first_exception_id) AS person_id,
           arg_min(project_id, first_exception_id) AS project_id,
           arg_min(invoice_id, first_exception_id) AS invoice_id,
           arg_min(ref, first_exception_id) AS ref,
           list(client_key ORDER BY client_key) AS client_keys,
           sum(entries) AS entries,
           sum(amount_base) AS amount_base,
           sum(hours) AS hours,
           date_diff('day', min(since), $as_of) AS age_days,
           min(first_event) AS first_event, max(last_event) AS last_event,
           min(worst) AS worst,
           arg_min(suggested_action, first_exception_id) AS suggested_action
    FROM picked GROUP BY group_key
),
judged AS (
    SELECT *,
           CASE WHEN amount_base IS NULL THEN ['high', 'low', 'low'][worst]
                WHEN abs(amount_base) >= $high_from THEN 'high'
                WHEN abs(amount_base) >= $medium_from THEN 'medium'
                ELSE 'low' END AS severity
    FROM grouped
)
