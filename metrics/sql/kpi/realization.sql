-- realization: one row per billable time entry worked in [$start, $end] on hour-billed work
-- (time and materials, retainer), or on any work an invoice bills (a fixed fee or milestone
-- once invoiced), in the firm's base currency (the CTEs and the entries: realization_parts.sql):
--   billed_value   = the entry's part of every fee line of the invoices that bill it
--                    (mart_invoice_attribution: by entry ids, time_entries.invoice_id, else
--                    project x service period; discounts and write-downs included; a fixed
--                    fee or milestone spread over its work pro rata to value at rate card),
--                    at the invoice date's rate; NULL when no invoice bills it (unbilled: WIP,
--                    not realization);
--   standard_value = hours x the rate card's rate at the work date's rate; for a billed entry
--                    whose card has no single rate, its billed value (standard_basis
--                    'billed'), so no billed entry is left out of the denominator; NULL for
--                    such an entry while it is unbilled.
-- Billing realization = sum(billed_value) / sum(standard_value) over billed entries; the
-- effective bill rate = sum(billed_value) / sum(hours) over the same entries.
WITH
@include realization_parts,
billed AS (
    SELECT entry_id, sum(billed_part) AS billed_value, sum(standard_part) AS standard_value,
           bool_or(standard_basis = 'billed') AS standard_is_billed,
           min(issue_date) AS first_invoiced_on
    FROM parts GROUP BY entry_id
)
SELECT e.entry_id, e.date, e.month, e.person_id, e.person_name, e.team, e.project_id,
       e.project_name, e.client_id, e.client_name, e.billing,
       CAST(e.hours AS DOUBLE) AS hours,
       CAST(CASE WHEN b.entry_id IS NOT NULL THEN b.standard_value
                 ELSE CAST(e.hours * e.rate AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10))
            END AS DECIMAL(18, 4)) AS standard_value,
       CAST(b.billed_value AS DECIMAL(18, 4)) AS billed_value,
       coalesce(b.standard_is_billed, false) AS standard_is_billed,
       b.first_invoiced_on
FROM entries e
LEFT JOIN fx_to_base fx ON fx.currency = e.currency AND fx.date = e.date
LEFT JOIN billed b USING (entry_id)
ORDER BY e.date, e.entry_id
