-- keyed: every finding with the group it is decided in, from its own columns only
-- ($project_kinds, $invoice_kinds: warehouse.exception_groups.GROUP_KINDS), the first that
-- applies:
--   project      one per project      (unbilled or unapproved time, write-downs, rates,
--                                     contracts, budgets, dates)
--   invoice      one per invoice      (a write-down of an invoice spanning projects)
--   person_week  one per person and week (Monday) of the event (everything a person does)
--   item         the finding alone    (contract, payment and other one-off findings)
SELECT t.*,
       t.kind || '|' || t.group_type || '|' || CASE t.group_type
           WHEN 'invoice' THEN t.invoice_id
           WHEN 'project' THEN t.project_id
           WHEN 'person_week' THEN t.person_id || ':' || strftime(t.week_start, '%Y-%m-%d')
           ELSE t.ref END AS group_key
FROM (
    SELECT x.*,
           CASE WHEN list_contains($project_kinds::VARCHAR[], x.kind) AND x.project_id IS NOT NULL
                    THEN 'project'
                WHEN list_contains($invoice_kinds::VARCHAR[], x.kind) AND x.invoice_id IS NOT NULL
                    THEN 'invoice'
                WHEN x.person_id IS NOT NULL AND x.event_date IS NOT NULL THEN 'person_week'
                ELSE 'item' END AS group_type,
           date_trunc('week', x.event_date)::DATE AS week_start
    FROM exceptions x
) t
