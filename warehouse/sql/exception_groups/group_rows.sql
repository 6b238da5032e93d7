-- group_rows: the rows of exception_groups (one per group and client) recomputed from the
-- findings, for the groups the KEYS marker names (a query of group keys) only. With $as_of NULL the stored
-- view: status 'open' only. With a date: as the queue reads on that day, a snooze whose date
-- has come counting as open. A `missing_project` finding whose entry has an open
-- classification suggestion is left out: the suggestion stands for the entry (one row per
-- entry). Severity: the worst of the findings' (1 high, 2 medium, 3 low); the reader judges
-- the group's own by its money.
WITH keyed AS (
    /*KEYED*/
),
members AS (
    SELECT k.*, coalesce(k.event_date, CAST(k.first_seen_at AS DATE)) AS since
    FROM keyed k
    WHERE (k.status = 'open' OR (k.status = 'snoozed' AND k.snoozed_until <= $as_of::DATE))
      AND k.group_key IN (/*KEYS*/)
      AND NOT (k.kind = 'missing_project' AND k.ref IN (
          SELECT s.ref FROM exceptions s
          WHERE s.kind = 'classify_suggestion'
            AND (s.status = 'open' OR (s.status = 'snoozed' AND s.snoozed_until <= $as_of::DATE))))
)
SELECT group_key, coalesce(client_id, '') AS client_key,
       any_value(kind) AS kind, any_value(group_type) AS group_type,
       any_value(week_start) AS week_start,
       arg_min(person_id, exception_id) AS person_id,
       arg_min(project_id, exception_id) AS project_id,
       arg_min(invoice_id, exception_id) AS invoice_id,
       arg_min(ref, exception_id) AS ref,
       min(exception_id) AS first_exception_id,
       arg_min(suggested_action, exception_id) AS suggested_action,
       count(*)::INTEGER AS entries,
       sum(amount_base)::DECIMAL(18,2) AS amount_base,
       sum(hours)::DECIMAL(18,2) AS hours,
       min(since) AS since,
       min(event_date) AS first_event, max(event_date) AS last_event,
       min(CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)::TINYINT AS worst
FROM members
GROUP BY group_key, coalesce(client_id, '')
