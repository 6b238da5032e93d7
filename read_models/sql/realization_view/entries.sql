-- entries: the realization rows of metrics/sql/kpi/realization.sql (same entries, same
-- standard value, same billed value: tests/metrics/test_realization_view.py checks they agree)
-- with, per entry, the invoices that bill it and the part of its billed value collected or
-- credited. realization.sql sums an entry's parts of every invoice at once; here the parts
-- are kept per invoice (mart_invoice_attribution, at the invoice date's rate) and multiplied by the invoice's paid and credited shares (TEMP table
-- invoice_settlement, from billing/ar's payment application, rule 12) at the range end
-- (paid_share, credited_share) and today (the *_now columns). It shares realization.sql's
-- CTEs (realization_parts.sql) rather than wrapping it: the fee lines are expanded once, not
-- twice (half the page's time).
WITH
@include realization_parts,
per_entry AS (
    SELECT p.entry_id,
           string_agg(DISTINCT p.invoice_number, ', ' ORDER BY p.invoice_number) AS invoices,
           sum(p.billed_part) AS billed_value,
           sum(p.standard_part) AS standard_value,
           bool_or(p.standard_basis = 'billed') AS standard_is_billed,
           sum(p.billed_part * coalesce(s.paid_share, 0)) AS collected_value,
           sum(p.billed_part * coalesce(s.credited_share, 0)) AS credited_value,
           sum(p.billed_part * coalesce(s.paid_share_now, 0)) AS collected_value_now,
           sum(p.billed_part * coalesce(s.credited_share_now, 0)) AS credited_value_now
    FROM parts p LEFT JOIN invoice_settlement s USING (invoice_id)
    GROUP BY ALL
)
SELECT e.entry_id, e.date, e.month, e.person_id, e.person_name, e.team, e.project_id,
       e.project_name, e.client_id, e.client_name, e.billing,
       CAST(e.hours AS DOUBLE) AS hours,
       CAST(CASE WHEN b.entry_id IS NOT NULL THEN b.standard_value
                 ELSE CAST(e.hours * e.rate AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10))
            END AS DECIMAL(18, 4)) AS standard_value,
       CAST(b.billed_value AS DECIMAL(18, 4)) AS billed_value,
       coalesce(b.standard_is_billed, false) AS standard_is_billed,
       b.invoices,
       CAST(b.collected_value AS DECIMAL(18, 4)) AS collected_value,
       CAST(b.credited_value AS DECIMAL(18, 4)) AS credited_value,
       CAST(b.collected_value_now AS DECIMAL(18, 4)) AS collected_value_now,
       CAST(b.credited_value_now AS DECIMAL(18, 4)) AS credited_value_now
FROM entries e
LEFT JOIN fx_to_base fx ON fx.currency = e.currency AND fx.date = e.date
LEFT JOIN per_entry b USING (entry_id)
ORDER BY e.date, e.entry_id
