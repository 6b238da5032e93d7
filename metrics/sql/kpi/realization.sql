-- realization: one row per billable time entry worked in [$start, $end] on work billed by the
-- hour (time-and-materials and retainer workstreams), in the firm's base currency:
--   standard_value = hours x the rate card's rate (mart_entry_rates), converted at the work
--                    date's rate (NULL when the card has no single rate for it);
--   billed_value   = the entry's share of every fee line that names it (invoice_lines.entry_ids
--                    on non-void invoices that are not credit memos: time, rush, discount,
--                    cap_adjustment, retainer_fee, overage), each line split over its entries
--                    by hours, converted at the invoice date's rate; NULL when no invoice
--                    names the entry (unbilled: WIP, not realization).
-- Billing realization = sum(billed_value) / sum(standard_value) over billed entries; the
-- effective bill rate = sum(billed_value) / sum(hours) over the same entries.
-- Fixed-fee and milestone work is left out: its fee is judged by budget burn and margin.
-- The entries and their per-invoice parts: realization_parts.sql.
WITH
@include realization_parts,
billed AS (
    SELECT entry_id, sum(billed_part) AS billed_value, min(issue_date) AS first_invoiced_on
    FROM parts GROUP BY entry_id
)
SELECT e.entry_id, e.date, e.month, e.person_id, e.person_name, e.team, e.project_id,
       e.project_name, e.client_id, e.client_name, e.billing,
       CAST(e.hours AS DOUBLE) AS hours,
       CAST(CAST(e.hours * e.rate AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10)) AS DECIMAL(18, 4)) AS standard_value,
       CAST(b.billed_value AS DECIMAL(18, 4)) AS billed_value,
       b.first_invoiced_on
FROM entries e
LEFT JOIN fx_to_base fx ON fx.currency = e.currency AND fx.date = e.date
LEFT JOIN billed b USING (entry_id)
ORDER BY e.date, e.entry_id
