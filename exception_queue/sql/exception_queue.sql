-- exception_queue: the queue's rows as a person reads them (names, not ids), each with the
-- group it is decided in (`keyed`: warehouse/sql/exception_groups/keyed.sql, put in front of
-- this text by exception_queue.findings). Age counts from the underlying event (`event_date`:
-- entry date, invoice or payment date; rows without one from when they were first seen). A
-- snooze whose date has come counts as open. A `missing_project` row whose entry has an open
-- classification suggestion is not shown: the suggestion's row stands for the entry (one row
-- per entry), and accepting it settles both. $group_keys (when given) picks the groups before
-- anything is named, so a group's page of findings reads only its own rows.
effective AS (
    SELECT k.*,
           CASE WHEN k.status = 'snoozed' AND k.snoozed_until <= $as_of THEN 'open'
                ELSE k.status END AS queue_status
    FROM keyed k
    WHERE $group_keys IS NULL OR k.group_key IN (SELECT unnest($group_keys))
),
suggested AS (
    SELECT ref FROM exceptions
    WHERE kind = 'classify_suggestion'
      AND (status = 'open' OR (status = 'snoozed' AND snoozed_until <= $as_of))
),
shown AS (
    SELECT e.*, coalesce(e.event_date, CAST(e.first_seen_at AS DATE)) AS since
    FROM effective e
    WHERE NOT (e.kind = 'missing_project' AND e.queue_status = 'open'
               AND e.ref IN (SELECT ref FROM suggested))
),
named AS (
    SELECT g.exception_id, g.kind, g.ref, g.severity, g.queue_status AS status,
           g.client_id, c.name AS client_name, g.project_id, p.name AS project_name,
           g.person_id, pe.name AS person_name, g.invoice_id, i.number AS invoice_number,
           g.period, g.value, g.amount, g.currency, g.amount_base, g.hours, g.event_date,
           g.detail, g.suggested_action, g.source, g.first_seen_at, g.last_seen_at,
           date_diff('day', g.since, $as_of) AS age_days,
           g.snoozed_until, g.decided_at, g.decided_by, g.decision_reason,
           g.resolved_at, g.resolved_reason, g.group_type, g.group_key,
           CASE g.group_type
               WHEN 'invoice' THEN 'Invoice ' || coalesce(i.number, g.invoice_id)
               WHEN 'project' THEN coalesce(p.name, g.project_id)
               WHEN 'person_week' THEN coalesce(pe.name, g.person_id) || ', week of '
                   || strftime(g.week_start, '%-d %b %Y')
               WHEN 'item' THEN coalesce(pe.name || ', ' || strftime(g.event_date, '%-d %b %Y'),
                                         p.name, c.name || ' · ' || g.ref, g.ref)
               END AS group_label
    FROM shown g
    LEFT JOIN clients c ON c.client_id = g.client_id
    LEFT JOIN projects p ON p.project_id = g.project_id
    LEFT JOIN people pe ON pe.person_id = g.person_id
    LEFT JOIN invoices i ON i.invoice_id = g.invoice_id
    WHERE ($kinds IS NULL OR list_contains($kinds, g.kind))
      AND ($client_ids IS NULL OR list_contains($client_ids, g.client_id))
      AND ($statuses IS NULL OR list_contains($statuses, g.queue_status))
),
queue_rows AS (
    SELECT * FROM named WHERE $min_age_days IS NULL OR age_days >= $min_age_days
)
