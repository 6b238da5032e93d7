-- budget_burn: one row per fixed-fee or milestone project (and any client project with a
-- budget) active up to $end: hours and cost to date against budget_hours / budget_amount, the
-- fee (fixed fee, or the milestones' amounts), billed to date, and the share of milestones
-- complete or accepted. Burn = hours to date / budget hours (kpis.md §12, hours-only data).
WITH ws AS (
    SELECT project_id, min(billing) AS billing, sum(fee) AS fee FROM contract_workstreams GROUP BY ALL
),
used AS (
    SELECT project_id, sum(hours) AS hours, sum(hours * coalesce(cost_rate, 0)) AS cost,
           min(date) AS first_day, max(date) AS last_day
    FROM mart_time_entries WHERE date <= $end AND project_id IS NOT NULL GROUP BY ALL
),
stones AS (
    SELECT project_id, sum(amount) AS amount, count(*) AS milestones,
           count(*) FILTER (WHERE status IN ('complete', 'accepted')) AS done,
           sum(planned_hours) AS planned_hours
    FROM milestones GROUP BY ALL
),
billed AS (
    SELECT l.project_id, sum(CAST(l.amount AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10))) AS billed
    FROM invoice_lines l JOIN invoices i USING (invoice_id)
    LEFT JOIN fx_to_base fx ON fx.currency = i.currency AND fx.date = i.issue_date
    WHERE coalesce(l.kind, 'time') <> 'expense' AND coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND i.issue_date <= $end
    GROUP BY ALL
)
SELECT p.project_id, p.name AS project_name, p.client_id, c.name AS client_name,
       coalesce(ws.billing, 'none') AS billing, p.status,
       CAST(p.budget_hours AS DOUBLE) AS budget_hours,
       CAST(coalesce(u.hours, 0) AS DOUBLE) AS hours_to_date,
       CAST(coalesce(u.hours, 0) / nullif(p.budget_hours, 0) AS DOUBLE) AS burn,
       CAST(CAST(s.done AS DOUBLE) / nullif(s.milestones, 0) AS DOUBLE) AS milestones_done,
       CAST(coalesce(ws.fee, s.amount, p.budget_amount) AS DECIMAL(18, 2)) AS fee,
       CAST(coalesce(b.billed, 0) AS DECIMAL(18, 2)) AS billed_to_date,
       CAST(coalesce(u.cost, 0) AS DECIMAL(18, 2)) AS cost_to_date,
       u.first_day, u.last_day
FROM projects p
JOIN clients c USING (client_id)
LEFT JOIN ws USING (project_id)
LEFT JOIN used u USING (project_id)
LEFT JOIN stones s USING (project_id)
LEFT JOIN billed b USING (project_id)
WHERE coalesce(c.status, '') <> 'internal'
  AND (ws.billing IN ('fixed_fee', 'milestone') OR p.budget_hours IS NOT NULL)
  AND u.hours IS NOT NULL
  AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), p.client_id))
ORDER BY burn DESC NULLS LAST, p.project_id
