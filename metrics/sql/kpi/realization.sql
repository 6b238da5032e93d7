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
lines AS (
    SELECT l.invoice_id, l.line_no, l.amount, i.currency, i.issue_date,
           list_filter(list_transform(string_split(l.entry_ids, ';'), lambda x: trim(x)),
                       lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN invoices i USING (invoice_id)
    WHERE coalesce(l.kind, 'time') IN ('time', 'rush', 'discount', 'cap_adjustment',
                                       'retainer_fee', 'overage')
      AND coalesce(l.entry_ids, '') <> ''
      AND coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND coalesce(i.kind, 'invoice') <> 'credit_memo'
      AND i.issue_date >= $start  -- work is never invoiced before it is done
),
line_entries AS (
    SELECT invoice_id, line_no, amount, currency, issue_date, unnest(ids) AS entry_id FROM lines
),
line_hours AS (  -- hours of every entry a line names (also entries outside the range)
    SELECT le.invoice_id, le.line_no, le.entry_id, le.amount, le.currency, le.issue_date,
           e.hours, sum(e.hours) OVER (PARTITION BY le.invoice_id, le.line_no) AS line_hours,
           count(*) OVER (PARTITION BY le.invoice_id, le.line_no) AS line_entries
    FROM line_entries le JOIN time_entries e USING (entry_id)  -- decisions never change hours
),
billed AS (
    SELECT lh.entry_id,
           sum(CASE WHEN lh.line_hours > 0
                    THEN CAST(lh.amount AS DECIMAL(38, 10)) * lh.hours / lh.line_hours
                    ELSE CAST(lh.amount AS DECIMAL(38, 10)) / lh.line_entries END
               * CAST(fx.rate AS DECIMAL(38, 10))) AS billed_value,
           min(lh.issue_date) AS first_invoiced_on
    FROM line_hours lh
    LEFT JOIN fx_to_base fx ON fx.currency = lh.currency AND fx.date = lh.issue_date
    WHERE lh.entry_id IN (SELECT entry_id FROM entries)
    GROUP BY lh.entry_id
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
