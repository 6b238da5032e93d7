-- exception_queue: the queue's rows as a person reads them (names, not ids), each with the
-- group it is decided in. Age counts from the underlying event (`event_date`: entry date,
-- invoice or payment date; rows without one from when they were first seen). A snooze whose
-- date has come counts as open. A `missing_project` row whose entry has an open
-- classification suggestion is not shown: the suggestion's row stands for the entry (one row
-- per entry), and accepting it settles both.
-- Groups ($invoice_kinds, $project_kinds: exception_queue.findings.GROUP_KINDS):
--   project      one per project      (unbilled or unapproved time, write-downs, rates,
--                                     contracts, budgets, dates)
--   invoice      one per invoice      (a write-down of an invoice spanning projects)
--   person_week  one per person and week (Monday) of the event (everything a person does)
--   item         the finding alone    (contract, payment and other one-off findings)
WITH effective AS (
    SELECT x.*,
           CASE WHEN x.status = 'snoozed' AND x.snoozed_until <= $as_of THEN 'open'
                ELSE x.status END AS queue_status
    FROM exceptions x
),
suggested AS (
    SELECT ref FROM effective WHERE kind = 'classify_suggestion' AND queue_status = 'open'
),
shown AS (
    SELECT e.*, coalesce(e.event_date, CAST(e.first_seen_at AS DATE)) AS since
    FROM effective e
    WHERE NOT (e.kind = 'missing_project' AND e.queue_status = 'open'
               AND e.ref IN (SELECT ref FROM suggested))
),
grouped AS (
    SELECT s.*,
           CASE WHEN list_contains($project_kinds, s.kind) AND s.project_id IS NOT NULL
                    THEN 'project'
                WHEN list_contains($invoice_kinds, s.kind) AND s.invoice_id IS NOT NULL
                    THEN 'invoice'
                WHEN s.person_id IS NOT NULL AND s.event_date IS NOT NULL THEN 'person_week'
                ELSE 'item' END AS group_type,
           date_trunc('week', s.event_date)::DATE AS week_start
    FROM shown s
),
named AS (
    SELECT g.exception_id, g.kind, g.ref, g.severity, g.queue_status AS status,
           g.client_id, c.name AS client_name, g.project_id, p.name AS project_name,
           g.person_id, pe.name AS person_name, g.invoice_id, i.number AS invoice_number,
           g.period, g.value, g.amount, g.currency, g.amount_base, g.hours, g.event_date,
           g.detail, g.suggested_action, g.source, g.first_seen_at, g.last_seen_at,
           date_diff('day', g.since, $as_of) AS age_days,
           g.snoozed_until, g.decided_at, g.decided_by, g.decision_reason,
           g.resolved_at, g.resolved_reason, g.group_type,
           g.kind || '|' || g.group_type || '|' || CASE g.group_type
               WHEN 'invoice' THEN g.invoice_id
               WHEN 'project' THEN g.project_id
               WHEN 'person_week' THEN g.person_id || ':' || strftime(g.week_start, '%Y-%m-%d')
               ELSE g.ref END AS group_key,
           CASE g.group_type
               WHEN 'invoice' THEN 'Invoice ' || coalesce(i.number, g.invoice_id)
               WHEN 'project' THEN coalesce(p.name, g.project_id)
               WHEN 'person_week' THEN coalesce(pe.name, g.person_id) || ', week of '
                   || strftime(g.week_start, '%-d %b %Y')
               WHEN 'item' THEN coalesce(pe.name || ', ' || strftime(g.event_date, '%-d %b %Y'),
                                         p.name, c.name || ' · ' || g.ref, g.ref)
               END AS group_label
    FROM grouped g
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
