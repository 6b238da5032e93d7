-- write_down (ref invoice): a non-void invoice (not a credit memo) issued on or before $as_of
-- with a time or rush line whose amount is strictly below the card value of the approved
-- entries it names (entry_ids): hours x the rate card's rate (billing's rule 2, on the entry's
-- contract workstream), rounded to cents. A line with an entry that is unknown, unapproved or
-- whose rate does not resolve cannot be judged and is skipped. One finding per invoice; value
-- is the summed shortfall, in the invoice's currency. Separate discount lines (tiers) and cap
-- adjustments are contract terms, not write-downs, and are not counted.
WITH lines AS (
    SELECT l.invoice_id, l.line_no, l.kind, l.amount, l.quantity, l.project_id,
           i.currency, i.issue_date, i.period_start,
           list_filter(list_transform(string_split(l.entry_ids, ';'), lambda x: trim(x)),
                       lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN invoices i USING (invoice_id)
    WHERE l.kind IN ('time', 'rush') AND coalesce(l.entry_ids, '') <> ''
      AND coalesce(i.status, 'sent') <> 'void'
      AND coalesce(i.kind, 'invoice') <> 'credit_memo'
      AND i.issue_date <= $as_of
),
line_entries AS (
    SELECT l.invoice_id, l.line_no, unnest(l.ids) AS entry_id FROM lines l
),
entries AS (
    SELECT le.invoice_id, le.line_no, le.entry_id, e.person_id, pe.role, e.project_id, e.date,
           e.hours, e.approved_at, ws.contract_id
    FROM line_entries le
    LEFT JOIN effective_time_entries e ON e.entry_id = le.entry_id
    LEFT JOIN people pe ON pe.person_id = e.person_id
    LEFT JOIN contract_workstreams ws ON ws.project_id = e.project_id
),
card AS (
    SELECT e.invoice_id, e.line_no,
           sum(e.hours) AS hours,
           round(sum(e.hours * r.rate), 2) AS card_value,
           bool_and(e.hours IS NOT NULL AND e.approved_at IS NOT NULL AND r.rate IS NOT NULL)
               AS judged
    FROM entries e
    LEFT JOIN mart_entry_rates r USING (entry_id)  -- the rate card's answer (rule 2)
    GROUP BY ALL
),
short AS (
    SELECT l.*, c.hours, c.card_value, c.card_value - l.amount AS shortfall
    FROM lines l JOIN card c USING (invoice_id, line_no)
    WHERE c.judged AND l.amount < c.card_value
)
SELECT
    invoice_id AS ref,
    sum(shortfall)::DECIMAL(18,2) AS value,
    any_value(currency) AS currency,
    CASE WHEN count(DISTINCT project_id) = 1 THEN any_value(project_id) END AS project_id,
    strftime(coalesce(any_value(period_start), any_value(issue_date)), '%Y-%m') AS period,
    'invoice ' || invoice_id || ' bills time ' || CAST(sum(shortfall)::DECIMAL(18,2) AS VARCHAR)
        || ' ' || coalesce(any_value(currency), '') || ' below the rate card value of its '
        || 'approved entries (' || CAST(count(*) AS VARCHAR) || ' line(s))' AS detail,
    to_json({'invoice_id': invoice_id,
             'lines': list({'line_no': line_no, 'kind': kind, 'amount': amount,
                            'quantity': quantity, 'entry_hours': hours,
                            'card_value': card_value, 'shortfall': shortfall,
                            'entry_ids': ids} ORDER BY line_no)}) AS evidence,
    'confirm the write-down was agreed, or bill the difference' AS suggested_action
FROM short
GROUP BY invoice_id
ORDER BY invoice_id
