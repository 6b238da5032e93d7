-- period_billed: what is already billed for a period, one row per (where, kind, project, ref):
-- the lines of every non-void invoice in the warehouse (imported from the accounting system, or
-- approved here) that bills the period, and the retainer fees saved drafts hold for it
-- (billing_locks). Credit memos bill nothing.
-- Which months an invoice bills: period_start to period_end; with only one of them, that month;
-- with neither, the month before its issue date (the firm bills in arrears: drafts are made
-- after a month closes and issued the next month, so an invoice issued on 10 November without
-- a period billed October). docs/billing.md "Never billing twice".
-- Parameters: $period_start (the month's first day), $period (YYYY-MM).
WITH invoice_months AS (
    SELECT invoice_id, coalesce(number, invoice_id) AS ref,
           CAST(date_trunc('month', coalesce(period_start, period_end,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS first_month,
           CAST(date_trunc('month', coalesce(period_end, period_start,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS last_month
    FROM invoices
    WHERE coalesce(status, 'sent') <> 'void' AND coalesce(kind, 'invoice') <> 'credit_memo'
),
invoiced AS (
    SELECT 'invoice' AS held_by, l.kind, l.project_id, i.ref
    FROM invoice_months i LEFT JOIN invoice_lines l USING (invoice_id)
    WHERE $period_start BETWEEN i.first_month AND i.last_month
),
drafted AS (
    SELECT 'draft' AS held_by, k.lock_kind AS kind, k.project_id,
           coalesce(d.invoice_number, 'draft #' || d.draft_id) AS ref
    FROM billing_locks k JOIN invoice_drafts d USING (draft_id)
    WHERE k.lock_kind = 'retainer_fee' AND k.period = $period
),
final AS (
    SELECT DISTINCT * FROM (SELECT * FROM invoiced UNION ALL SELECT * FROM drafted)
)
SELECT held_by, kind, project_id, ref FROM final ORDER BY ref, kind, project_id
