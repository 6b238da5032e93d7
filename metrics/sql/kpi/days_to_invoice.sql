-- days_to_invoice: one row per invoice (not void, not a draft, not a credit memo) whose
-- service period ends in [$start, $end]: business days from the period's last day to the day
-- the invoice was sent (sent_at in the firm's time zone; issue_date when it has no sent_at).
-- Business days are weekdays that are not public holidays (firm_holidays), counted after the
-- period end up to and including the sent day, so an invoice sent on the first business day
-- after month end took 1 day. Invoices with no period_end have no trigger and are left out
-- (kpis.md §8: flag them, do not guess); `no_trigger` counts them per month of issue.
WITH cfg AS (SELECT coalesce(any_value(timezone), 'UTC') AS tz FROM firm),
invoiced AS (
    SELECT i.invoice_id, i.number, i.client_id, c.name AS client_name, i.contract_id,
           i.period_end, i.issue_date, i.currency, i.total,
           coalesce(CAST(timezone(cfg.tz, i.sent_at) AS DATE), i.issue_date) AS sent_on,
           i.sent_at IS NOT NULL AS has_sent_at
    FROM invoices i CROSS JOIN cfg
    LEFT JOIN clients c USING (client_id)
    WHERE coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND coalesce(i.kind, 'invoice') <> 'credit_memo'
      AND i.period_end BETWEEN $start AND $end
      AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), i.client_id))
),
business_days AS (
    SELECT v.invoice_id, count(*) FILTER (
        WHERE isodow(d.day) <= 5 AND d.day NOT IN (SELECT date FROM firm_holidays)) AS days
    FROM invoiced v,
         LATERAL (SELECT CAST(unnest(generate_series(CAST(v.period_end + 1 AS TIMESTAMP),
                                                     CAST(v.sent_on AS TIMESTAMP),
                                                     INTERVAL 1 DAY)) AS DATE) AS day) d
    GROUP BY v.invoice_id
)
SELECT v.invoice_id, v.number, v.client_id, v.client_name, v.contract_id,
       strftime(v.period_end, '%Y-%m') AS month, v.period_end, v.sent_on, v.has_sent_at,
       coalesce(b.days, 0) AS business_days
FROM invoiced v LEFT JOIN business_days b USING (invoice_id)
ORDER BY v.period_end, v.invoice_id
