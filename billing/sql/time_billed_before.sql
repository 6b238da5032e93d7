-- time_billed_before: the time value already invoiced on a project, which a contract-scope cap
-- counts (DATA_CONTRACT rule 4). One row: the sum, in the invoices' amounts.
-- Invoices: not void, billing a month up to and including the period being drafted (a draft
-- holds only entries no invoice has, so an invoice of the same month is earlier work, never
-- counted twice). The month an invoice bills is its period_end's, else its period_start's,
-- else the month before its issue date (billing in arrears, as period_billed.sql reads it).
-- Lines: time value = kinds time, rush, discount, cap_adjustment (an imported line without a
-- kind is time). A line naming the project counts whole. A line naming no project (imported
-- invoices often carry person or description only) is split over the projects of the work it
-- bills, by hours: its entry_ids when it has them, else the entries whose invoice_id is the
-- invoice (time_entries.invoice_id).
-- Parameters: $project_id, $period_start (the drafted period's first day).
WITH inv AS (
    SELECT invoice_id,
           CAST(date_trunc('month', coalesce(period_end, period_start,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS billed_month
    FROM invoices
    WHERE coalesce(status, 'sent') <> 'void'
),
lines AS (
    SELECT l.invoice_id, l.line_no, l.amount, nullif(trim(l.project_id), '') AS project_id,
           list_filter(list_transform(string_split(coalesce(l.entry_ids, ''), ';'),
                                      lambda x: trim(x)), lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN inv i USING (invoice_id)
    WHERE coalesce(nullif(trim(l.kind), ''), 'time') IN ('time', 'rush', 'discount', 'cap_adjustment')
      AND i.billed_month <= $period_start
),
named AS (
    SELECT coalesce(sum(amount), 0) AS amount FROM lines WHERE project_id = $project_id
),
unnamed_work AS (  -- the entries behind each line that names no project
    SELECT l.invoice_id, l.line_no, l.amount, e.project_id, e.hours
    FROM lines l JOIN time_entries e
      ON (len(l.ids) > 0 AND list_contains(l.ids, e.entry_id))
      OR (len(l.ids) = 0 AND e.invoice_id = l.invoice_id)
    WHERE l.project_id IS NULL
),
shares AS (
    SELECT CAST(amount AS DECIMAL(38, 10)) * sum(hours) FILTER (WHERE project_id = $project_id)
           / nullif(sum(hours), 0) AS amount
    FROM unnamed_work GROUP BY invoice_id, line_no, amount
)
SELECT CAST((SELECT amount FROM named) + coalesce((SELECT sum(amount) FROM shares), 0)
            AS DECIMAL(18, 2)) AS billed
