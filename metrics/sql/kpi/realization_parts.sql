-- realization_parts (a fragment, included by realization.sql and realization_view/entries.sql
-- with `@include realization_parts`): the CTEs both read.
--   entries: the billable entries worked in [$start, $end] on work billed by the hour (T&M and
--            retainer workstreams), with the rate card's rate and currency (mart_entry_rates);
--   parts:   one row per (entry, invoice): the entry's share of every fee line of that invoice
--            that names it (invoice_lines.entry_ids on invoices neither void, draft nor credit
--            memos: time, rush, discount, cap_adjustment, retainer_fee, overage), each line
--            split over its entries by hours, in base currency at the invoice date's rate.
entries AS (
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
      AND i.issue_date >= $start  -- work is never invoiced before it is done
),
fee_line_entries AS (
    SELECT invoice_id, invoice_number, line_no, amount, currency, issue_date,
           unnest(ids) AS entry_id
    FROM fee_lines
),
fee_line_hours AS (  -- hours of every entry a line names (also entries outside the range)
    SELECT le.*, e.hours,
           sum(e.hours) OVER (PARTITION BY le.invoice_id, le.line_no) AS line_hours,
           count(*) OVER (PARTITION BY le.invoice_id, le.line_no) AS line_entries
    FROM fee_line_entries le JOIN time_entries e USING (entry_id)  -- decisions never change hours
),
parts AS (
    SELECT lh.entry_id, lh.invoice_id, lh.invoice_number, lh.issue_date,
           sum(CASE WHEN lh.line_hours > 0
                    THEN CAST(lh.amount AS DECIMAL(38, 10)) * lh.hours / lh.line_hours
                    ELSE CAST(lh.amount AS DECIMAL(38, 10)) / lh.line_entries END
               * CAST(fx.rate AS DECIMAL(38, 10))) AS billed_part
    FROM fee_line_hours lh
    LEFT JOIN fx_to_base fx ON fx.currency = lh.currency AND fx.date = lh.issue_date
    WHERE lh.entry_id IN (SELECT entry_id FROM entries)
    GROUP BY ALL
)
