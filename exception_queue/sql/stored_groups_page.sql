-- the page of groups shown (after stored_groups.sql): the severities asked, biggest money
-- first, $limit from $offset, named (the names are read for these rows only)
,
page AS (
    SELECT * FROM judged
    WHERE $severities IS NULL OR list_contains($severities, severity)
    ORDER BY amount_base DESC NULLS LAST,
             CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
             hours DESC NULLS LAST, entries DESC, group_key
    LIMIT $limit OFFSET $offset
)
SELECT s.group_key, s.kind, s.group_type,
       CASE s.group_type
           WHEN 'invoice' THEN 'Invoice ' || coalesce(i.number, s.invoice_id)
           WHEN 'project' THEN coalesce(p.name, s.project_id)
           WHEN 'person_week' THEN coalesce(pe.name, s.person_id) || ', week of '
               || strftime(s.week_start, '%-d %b %Y')
           WHEN 'item' THEN coalesce(pe.name || ', ' || strftime(s.first_event, '%-d %b %Y'),
                                     p.name, c.name || ' · ' || s.ref, s.ref)
           END AS group_label,
       (SELECT string_agg(DISTINCT n.name, ', ' ORDER BY n.name) FROM clients n
        WHERE list_contains(s.client_keys, n.client_id)) AS client_name,
       s.entries, s.amount_base, s.hours, s.age_days, s.first_event, s.last_event,
       s.suggested_action, 'open' AS status, s.severity
FROM page s
LEFT JOIN clients c ON c.client_id = s.client_keys[1]
LEFT JOIN projects p ON p.project_id = s.project_id
LEFT JOIN people pe ON pe.person_id = s.person_id
LEFT JOIN invoices i ON i.invoice_id = s.invoice_id
ORDER BY s.amount_base DESC NULLS LAST,
         CASE s.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         s.hours DESC NULLS LAST, s.entries DESC, s.group_key
