-- time_billed_before: the time value already invoiced on a project, which a not-to-exceed cap
-- counts (DATA_CONTRACT rule 4): scope contract from the first month ($from_month the earliest
-- date), scope period the drafted month only ($from_month = $period_start: an invoice imported
-- from the accounting system may bill part of the month). In the invoices' amounts.
-- Invoices: not void, billing a month in that range (a draft holds only entries no invoice
-- has, so an invoice of the same month is earlier work, never counted twice). The month an
-- invoice bills is its period_end's, else its period_start's, else the month before its issue
-- date (billing in arrears, as period_billed.sql reads it).
-- Lines: time value = kinds time, rush, discount, cap_adjustment (an imported line without a
-- kind is time). A line naming the project counts whole: `named`. A line naming no project
-- (imported invoices often carry a person or a description only, and an invoice-level
-- discount names nothing) counts for the part mart_invoice_attribution gives the project's
-- entries: time_billed_unnamed.sql, run only when `has_unnamed` (that reads the mart).
-- Parameters: $project_id, $period_start (the drafted period's first day), $from_month.
WITH inv AS (
    SELECT invoice_id,
           CAST(date_trunc('month', coalesce(period_end, period_start,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS billed_month
    FROM invoices
    WHERE coalesce(status, 'sent') <> 'void'
),
lines AS (
    SELECT nullif(trim(l.project_id), '') AS project_id, l.amount
    FROM invoice_lines l JOIN inv i USING (invoice_id)
    WHERE coalesce(nullif(trim(l.kind), ''), 'time') IN ('time', 'rush', 'discount', 'cap_adjustment')
      AND i.billed_month BETWEEN $from_month AND $period_start
)
SELECT CAST(coalesce(sum(amount) FILTER (WHERE project_id = $project_id), 0) AS DECIMAL(18, 2)) AS named,
       count(*) FILTER (WHERE project_id IS NULL) > 0 AS has_unnamed
FROM lines
