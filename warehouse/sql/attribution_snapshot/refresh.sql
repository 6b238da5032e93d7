-- The attribution snapshot's rows: every row of mart_invoice_attribution with the entry's work
-- date and hours, the invoice's reach date, and the entry's value at rate card on every row
-- (the mart carries hours and value at card on the entry's first invoice row only; which row is
-- first depends on the range read, so attribution_snapshot_between decides it again, ranking
-- only the entries with more than one row: entry_invoice_rows).
INSERT INTO attribution_snapshot
WITH attribution AS (
    SELECT *,
           max(hours) FILTER (WHERE is_first) OVER entry AS entry_hours,
           max(standard_value) FILTER (WHERE is_first AND standard_basis = 'rate_card')
               OVER entry AS card_value,
           count(*) OVER entry AS entry_invoice_rows
    FROM mart_invoice_attribution
    WINDOW entry AS (PARTITION BY entry_id)
)
SELECT a.entry_id, a.invoice_id, a.invoice_number, a.issue_date, a.currency, a.billed_value,
       a.time_value, a.adjustment_value, a.unnamed_time_value, a.billed_as_time,
       a.standard_currency, a.standard_fx_date, a.standard_basis,
       e.date AS entry_date,
       greatest(i.issue_date, coalesce(i.period_end, i.issue_date)) AS reach_date,
       a.entry_hours, a.card_value, a.entry_invoice_rows
FROM attribution a
JOIN time_entries e ON e.entry_id = a.entry_id
JOIN invoices i ON i.invoice_id = a.invoice_id
