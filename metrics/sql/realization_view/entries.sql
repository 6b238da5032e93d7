-- entries: the realization rows (metrics/sql/kpi/realization.sql, unchanged, wrapped) with, per
-- entry, the invoices that bill it and the part of its billed value that has been collected or
-- credited. The billed value is split over invoices exactly as realization.sql splits it (each
-- fee line over the entries it names, by hours, at the invoice date's rate); each invoice's part
-- is then multiplied by the invoice's paid share and credited share (TEMP table
-- invoice_settlement, computed from billing/ar's payment application, rule 12), at the range end
-- (paid_share, credited_share) and today (paid_share_now, credited_share_now).
WITH r AS ({rows}),
fee_lines AS (
    SELECT l.invoice_id, l.line_no, l.amount, i.currency, i.issue_date,
           coalesce(i.number, i.invoice_id) AS invoice_number,
           list_filter(list_transform(string_split(l.entry_ids, ';'), lambda x: trim(x)),
                       lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN invoices i USING (invoice_id)
    WHERE coalesce(l.kind, 'time') IN ('time', 'rush', 'discount', 'cap_adjustment',
                                       'retainer_fee', 'overage')
      AND coalesce(l.entry_ids, '') <> ''
      AND coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND coalesce(i.kind, 'invoice') <> 'credit_memo'
      AND i.issue_date >= $start
),
fee_line_entries AS (
    SELECT invoice_id, invoice_number, line_no, amount, currency, issue_date,
           unnest(ids) AS entry_id
    FROM fee_lines
),
fee_line_hours AS (
    SELECT le.*, e.hours,
           sum(e.hours) OVER (PARTITION BY le.invoice_id, le.line_no) AS line_hours,
           count(*) OVER (PARTITION BY le.invoice_id, le.line_no) AS line_entries
    FROM fee_line_entries le JOIN effective_time_entries e USING (entry_id)
),
parts AS (  -- one row per (entry, invoice): the entry's billed value on that invoice
    SELECT lh.entry_id, lh.invoice_id, lh.invoice_number,
           sum(CASE WHEN lh.line_hours > 0
                    THEN CAST(lh.amount AS DECIMAL(38, 10)) * lh.hours / lh.line_hours
                    ELSE CAST(lh.amount AS DECIMAL(38, 10)) / lh.line_entries END
               * CAST(fx.rate AS DECIMAL(38, 10))) AS billed_part
    FROM fee_line_hours lh
    LEFT JOIN fx_to_base fx ON fx.currency = lh.currency AND fx.date = lh.issue_date
    WHERE lh.entry_id IN (SELECT entry_id FROM r WHERE billed_value IS NOT NULL)
    GROUP BY ALL
),
per_entry AS (
    SELECT p.entry_id,
           string_agg(DISTINCT p.invoice_number, ', ' ORDER BY p.invoice_number) AS invoices,
           sum(p.billed_part * coalesce(s.paid_share, 0)) AS collected_value,
           sum(p.billed_part * coalesce(s.credited_share, 0)) AS credited_value,
           sum(p.billed_part * coalesce(s.paid_share_now, 0)) AS collected_value_now,
           sum(p.billed_part * coalesce(s.credited_share_now, 0)) AS credited_value_now
    FROM parts p LEFT JOIN invoice_settlement s USING (invoice_id)
    GROUP BY ALL
)
SELECT r.entry_id, r.date, r.month, r.person_id, r.person_name, r.team, r.project_id,
       r.project_name, r.client_id, r.client_name, r.billing, r.hours, r.standard_value,
       r.billed_value, e.invoices,
       CAST(e.collected_value AS DECIMAL(18, 4)) AS collected_value,
       CAST(e.credited_value AS DECIMAL(18, 4)) AS credited_value,
       CAST(e.collected_value_now AS DECIMAL(18, 4)) AS collected_value_now,
       CAST(e.credited_value_now AS DECIMAL(18, 4)) AS credited_value_now
FROM r LEFT JOIN per_entry e USING (entry_id)
ORDER BY r.date, r.entry_id
