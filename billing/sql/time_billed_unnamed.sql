-- time_billed_unnamed: the part of the invoices' time lines naming no project (kinds time,
-- rush, discount, cap_adjustment) that mart_invoice_attribution gives the project's entries
-- (its unnamed_time_value: by entry ids, time_entries.invoice_id, else the invoice's other
-- lines' work or the client's work of the service period, pro rata to card value), on
-- invoices billing a month in [$from_month, $period_start] (time_billed_before.sql's reading),
-- so the cap reads the same attribution as realization and the write-down rule.
-- Parameters: $project_id, $period_start, $from_month, $period_end.
WITH inv AS (
    SELECT invoice_id,
           CAST(date_trunc('month', coalesce(period_end, period_start,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS billed_month
    FROM invoices
    WHERE coalesce(status, 'sent') <> 'void'
)
SELECT CAST(coalesce(sum(a.unnamed_time_value), 0) AS DECIMAL(18, 2)) AS billed
FROM mart_invoice_attribution_between(DATE '0001-01-01', $period_end) a
JOIN inv i USING (invoice_id)
JOIN effective_time_entries e USING (entry_id)
WHERE i.billed_month BETWEEN $from_month AND $period_start AND e.project_id = $project_id
