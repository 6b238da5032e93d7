-- margin: one row per client project with revenue or hours in [$start, $end], in the firm's
-- base currency:
--   revenue = fee lines (every kind but `expense`) of invoices not void or draft, credit memos
--             included (they reduce it), converted at the invoice date's rate, recognised:
--             - a `fixed_fee` line of an invoice with a service period (period_start ..
--               period_end): straight-line by days over that period. What is recognised up to
--               a day is amount x days elapsed / days in the period, half-up to cents, and a
--               range takes (recognised by its end) - (recognised by the day before its
--               start), so the months of a fee add up to it to the cent;
--             - any other line: whole, in the range holding its service period's start
--               (period_start, else the issue date);
--   cost    = every hour logged on the project in the range (billable or not) x the person's
--             cost_rate (people.cost_rate, taken to be in the base currency);
--   margin  = revenue - cost ("contribution margin": no overhead is allocated).
WITH fee_lines AS (
    SELECT l.project_id, l.amount, CAST(fx.rate AS DECIMAL(38, 10)) AS fx_rate,
           coalesce(i.period_start, i.issue_date) AS starts_on,
           coalesce(l.kind, 'time') = 'fixed_fee' AND i.period_start IS NOT NULL
               AND i.period_end >= i.period_start AS is_spread,
           i.period_start, i.period_end,
           CAST(i.period_end - i.period_start + 1 AS HUGEINT) AS period_days,
           CAST(round(l.amount * 100) AS HUGEINT) AS amount_cents
    FROM invoice_lines l
    JOIN invoices i USING (invoice_id)
    LEFT JOIN fx_to_base fx ON fx.currency = i.currency AND fx.date = i.issue_date
    WHERE coalesce(l.kind, 'time') <> 'expense'
      AND coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND l.project_id IS NOT NULL
),
spread AS (  -- days of a spread fee's period elapsed by the range's end and before its start
    SELECT *,
           CAST(greatest(0, least($end, period_end) - period_start + 1) AS HUGEINT) AS days_by_end,
           CAST(greatest(0, least(CAST($start - INTERVAL 1 DAY AS DATE), period_end) - period_start + 1) AS HUGEINT) AS days_before
    FROM fee_lines WHERE is_spread
),
recognised AS (  -- cents recognised by the end and before the start, half-up (away from zero)
    SELECT project_id, fx_rate,
           sign(amount_cents) * ((abs(amount_cents) * days_by_end * 2 + period_days) // (2 * period_days)) AS by_end,
           sign(amount_cents) * ((abs(amount_cents) * days_before * 2 + period_days) // (2 * period_days)) AS before_start
    FROM spread
),
revenue AS (
    SELECT project_id, sum(amount) AS revenue FROM (
        SELECT project_id, CAST(l.amount AS DECIMAL(38, 10)) * fx_rate AS amount
        FROM fee_lines l
        WHERE NOT is_spread AND starts_on BETWEEN $start AND $end
        UNION ALL
        SELECT project_id,
               CAST(CAST(by_end - before_start AS DECIMAL(38, 0)) * CAST(0.01 AS DECIMAL(3, 2))
                    AS DECIMAL(38, 10)) * fx_rate AS amount
        FROM recognised WHERE by_end <> before_start
    )
    GROUP BY project_id
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
