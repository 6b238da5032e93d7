-- entries: the realization rows of metrics/sql/kpi/realization.sql (same entries, same
-- standard value, same billed value: tests/metrics/test_realization_view.py checks they agree)
-- with, per entry, the invoices that bill it and the part of its billed value collected or
-- credited. realization.sql sums an entry's share of every fee line at once; here the shares
-- are kept per invoice (each fee line split over the entries it names by hours, at the invoice
-- date's rate) and multiplied by the invoice's paid and credited shares (TEMP table
-- invoice_settlement, from billing/ar's payment application, rule 12) at the range end
-- (paid_share, credited_share) and today (the *_now columns). One query rather than
-- realization.sql wrapped: the fee lines are expanded once, not twice (half the page's time).
WITH entries AS (
    SELECT m.entry_id, m.date, strftime(m.date, '%Y-%m') AS month, m.person_id, m.person_name,
           m.team, m.project_id, m.project_name, m.client_id, m.client_name, m.hours,
           r.rate, r.currency, r.billing
    FROM mart_time_entries m
    JOIN mart_entry_rates_between($start, $end) r USING (entry_id)
    WHERE m.date BETWEEN $start AND $end
      AND m.is_billable
      AND r.billing IN ('time_and_materials', 'retainer')
      AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), m.client_id))
      AND (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), m.team))
      AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), m.person_id))
),
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
    WHERE lh.entry_id IN (SELECT entry_id FROM entries)
    GROUP BY ALL
),
per_entry AS (
    SELECT p.entry_id,
           string_agg(DISTINCT p.invoice_number, ', ' ORDER BY p.invoice_number) AS invoices,
           sum(p.billed_part) AS billed_value,
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
       CAST(CAST(e.hours * e.rate AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10)) AS DECIMAL(18, 4)) AS standard_value,
       CAST(b.billed_value AS DECIMAL(18, 4)) AS billed_value,
       b.invoices,
       CAST(b.collected_value AS DECIMAL(18, 4)) AS collected_value,
       CAST(b.credited_value AS DECIMAL(18, 4)) AS credited_value,
       CAST(b.collected_value_now AS DECIMAL(18, 4)) AS collected_value_now,
       CAST(b.credited_value_now AS DECIMAL(18, 4)) AS credited_value_now
FROM entries e
LEFT JOIN fx_to_base fx ON fx.currency = e.currency AND fx.date = e.date
LEFT JOIN per_entry b USING (entry_id)
ORDER BY e.date, e.entry_id
