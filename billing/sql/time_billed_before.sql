-- time_billed_before: the time value already invoiced on a project, which a not-to-exceed cap
-- counts (DATA_CONTRACT rule 4): scope contract from the first month ($from_month the earliest
-- date), scope period the drafted month only ($from_month = $period_start: an invoice imported
-- from the accounting system may bill part of the month). One row: the sum, in the invoices'
-- amounts.
-- Invoices: not void, billing a month up to and including the period being drafted (a draft
-- holds only entries no invoice has, so an invoice of the same month is earlier work, never
-- counted twice). The month an invoice bills is its period_end's, else its period_start's,
-- else the month before its issue date (billing in arrears, as period_billed.sql reads it).
-- Lines: time value = kinds time, rush, discount, cap_adjustment (an imported line without a
-- kind is time). A line naming the project counts whole. A line naming no project (imported
-- invoices often carry person or description only, and an invoice-level discount names
-- nothing) counts for the part of it that mart_invoice_attribution gives the project's
-- entries (its unnamed_time_value: by entry ids, time_entries.invoice_id, else the invoice's
-- other lines' work or the client's work of the service period, pro rata to card value), so
-- the cap reads the same attribution as realization and the write-down rule.
-- Parameters: $project_id, $period_start (the drafted period's first day), $from_month.
WITH inv AS (
    SELECT invoice_id,
           CAST(date_trunc('month', coalesce(period_end, period_start,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS billed_month
    FROM invoices
    WHERE coalesce(status, 'sent') <> 'void'
),
named AS (
    SELECT coalesce(sum(l.amount), 0) AS amount
    FROM invoice_lines l JOIN inv i USING (invoice_id)
    WHERE coalesce(nullif(trim(l.kind), ''), 'time') IN ('time', 'rush', 'discount', 'cap_adjustment')
      AND i.billed_month BETWEEN $from_month AND $period_start
      AND nullif(trim(l.project_id), '') = $project_id
),
unnamed AS (  -- parts of the lines naming no project that reach this project's work
    SELECT coalesce(sum(a.unnamed_time_value), 0) AS amount
    FROM mart_invoice_attribution a
    JOIN inv i USING (invoice_id)
    JOIN effective_time_entries e USING (entry_id)
    WHERE i.billed_month BETWEEN $from_month AND $period_start AND e.project_id = $project_id
)
SELECT CAST((SELECT amount FROM named) + (SELECT amount FROM unnamed) AS DECIMAL(18, 2)) AS billed
