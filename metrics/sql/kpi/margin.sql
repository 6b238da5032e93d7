-- margin: one row per client project with revenue or hours in [$start, $end], in the firm's
-- base currency:
--   revenue = fee lines (every kind but `expense`) of invoices whose service period starts in
--             the range (period_start, else issue_date), credit memos included (they reduce
--             it), not void or draft, converted at the invoice date's rate;
--   cost    = every hour logged on the project in the range (billable or not) x the person's
--             cost_rate (people.cost_rate, taken to be in the base currency);
--   margin  = revenue - cost ("contribution margin": no overhead is allocated).
WITH revenue AS (
    SELECT l.project_id,
           sum(CAST(l.amount AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10))) AS revenue
    FROM invoice_lines l
    JOIN invoices i USING (invoice_id)
    LEFT JOIN fx_to_base fx ON fx.currency = i.currency AND fx.date = i.issue_date
    WHERE coalesce(l.kind, 'time') <> 'expense'
      AND coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND coalesce(i.period_start, i.issue_date) BETWEEN $start AND $end
      AND l.project_id IS NOT NULL
    GROUP BY l.project_id
),
cost AS (
    SELECT project_id, sum(hours) AS hours,
           sum(hours) FILTER (WHERE is_billable) AS billable_hours,
           sum(hours * coalesce(cost_rate, 0)) AS cost,
           count(*) FILTER (WHERE cost_rate IS NULL) AS entries_without_cost_rate
    FROM mart_time_entries
    WHERE date BETWEEN $start AND $end AND project_id IS NOT NULL
      AND (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), team))
      AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), person_id))
    GROUP BY project_id
),
projects_in AS (
    SELECT p.project_id, p.name AS project_name, p.client_id, c.name AS client_name,
           ws.billing
    FROM projects p
    JOIN clients c USING (client_id)
    LEFT JOIN (SELECT project_id, min(billing) AS billing FROM contract_workstreams GROUP BY ALL) ws
        USING (project_id)
    WHERE coalesce(c.status, '') <> 'internal'
      AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), p.client_id))
)
SELECT p.project_id, p.project_name, p.client_id, p.client_name, coalesce(p.billing, 'none') AS billing,
       CAST(coalesce(c.hours, 0) AS DOUBLE) AS hours,
       CAST(coalesce(c.billable_hours, 0) AS DOUBLE) AS billable_hours,
       CAST(coalesce(r.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
       CAST(coalesce(c.cost, 0) AS DECIMAL(18, 2)) AS cost,
       CAST(coalesce(r.revenue, 0) - coalesce(c.cost, 0) AS DECIMAL(18, 2)) AS margin,
       coalesce(c.entries_without_cost_rate, 0) AS entries_without_cost_rate
FROM projects_in p
LEFT JOIN revenue r USING (project_id)
LEFT JOIN cost c USING (project_id)
WHERE r.revenue IS NOT NULL OR c.hours IS NOT NULL
ORDER BY margin DESC, p.project_id
