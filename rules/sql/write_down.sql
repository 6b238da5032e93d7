-- write_down (ref invoice): a non-void invoice (not a credit memo) issued on or before $as_of
-- that bills time below the card value of the approved entries behind it: hours x the rate
-- card's rate (billing's rule 2, on the entry's contract workstream), rounded to cents.
-- The entries behind a time or rush line (an imported line without a kind is time):
--   * a line with entry_ids: those entries, judged line by line;
--   * a line without entry_ids (imported invoices bill per person x project): the entries
--     whose invoice_id is the invoice, on the line's project, of the line's person — or, for a
--     line naming no person, of the people no other line of that invoice and project names —
--     and not named by any line's entry_ids. Such lines are judged together per invoice x
--     project x person (a person's hours may be split over several lines), so a line billing
--     fewer hours or a lower rate than the entries behind it is a write-down.
-- A group with an entry that is unknown, unapproved or whose rate does not resolve, or with
-- no entry at all, cannot be judged and is skipped. One finding per invoice; value is the
-- summed shortfall, in the invoice's currency. Separate discount lines (tiers) and cap
-- adjustments are contract terms, not write-downs, and are not counted.
WITH lines AS (
    SELECT l.invoice_id, l.line_no, coalesce(nullif(trim(l.kind), ''), 'time') AS kind,
           l.amount, l.quantity, nullif(trim(l.project_id), '') AS project_id,
           nullif(trim(l.person_id), '') AS person_id,
           i.currency, i.issue_date, i.period_start,
           list_filter(list_transform(string_split(coalesce(l.entry_ids, ''), ';'),
                                      lambda x: trim(x)), lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN invoices i USING (invoice_id)
    WHERE coalesce(nullif(trim(l.kind), ''), 'time') IN ('time', 'rush')
      AND coalesce(i.status, 'sent') <> 'void'
      AND coalesce(i.kind, 'invoice') <> 'credit_memo'
      AND i.issue_date <= $as_of
),
-- lines that name their entries -------------------------------------------------------------
line_entries AS (
    SELECT l.invoice_id, l.line_no, unnest(l.ids) AS entry_id FROM lines l WHERE len(l.ids) > 0
),
named_card AS (
    SELECT le.invoice_id, le.line_no,
           sum(e.hours) AS hours,
           round(sum(e.hours * r.rate), 2) AS card_value,
           bool_and(e.hours IS NOT NULL AND e.approved_at IS NOT NULL AND r.rate IS NOT NULL)
               AS judged
    FROM line_entries le
    LEFT JOIN effective_time_entries e ON e.entry_id = le.entry_id
    LEFT JOIN mart_entry_rates r ON r.entry_id = le.entry_id  -- the rate card's answer (rule 2)
    GROUP BY ALL
),
named_short AS (
    SELECT l.invoice_id, l.line_no, l.kind, l.amount, l.quantity, l.project_id, l.currency,
           l.issue_date, l.period_start, c.hours, c.card_value,
           c.card_value - l.amount AS shortfall, l.ids
    FROM lines l JOIN named_card c USING (invoice_id, line_no)
    WHERE c.judged AND l.amount < c.card_value
),
-- lines per person x project without entry ids ------------------------------------------------
groups AS (
    SELECT invoice_id, project_id, person_id, any_value(currency) AS currency,
           any_value(issue_date) AS issue_date, any_value(period_start) AS period_start,
           min(line_no) AS line_no, string_agg(DISTINCT kind, '+') AS kind,
           sum(amount) AS amount, sum(quantity) AS quantity, count(*) AS lines
    FROM lines WHERE len(ids) = 0 AND project_id IS NOT NULL
    GROUP BY invoice_id, project_id, person_id
),
named_ids AS (  -- entries some line of the invoice names: judged with that line
    SELECT DISTINCT invoice_id, entry_id FROM line_entries
),
group_entries AS (
    SELECT g.invoice_id, g.project_id, g.person_id, e.entry_id, e.hours, e.approved_at, r.rate
    FROM groups g
    JOIN effective_time_entries e
      ON e.invoice_id = g.invoice_id AND e.project_id = g.project_id
     AND (e.person_id = g.person_id
          OR (g.person_id IS NULL AND e.person_id NOT IN (
                SELECT o.person_id FROM groups o
                WHERE o.invoice_id = g.invoice_id AND o.project_id = g.project_id
                  AND o.person_id IS NOT NULL)))
    LEFT JOIN mart_entry_rates r ON r.entry_id = e.entry_id
    WHERE NOT EXISTS (SELECT 1 FROM named_ids n
                      WHERE n.invoice_id = g.invoice_id AND n.entry_id = e.entry_id)
),
group_card AS (
    SELECT invoice_id, project_id, person_id, sum(hours) AS hours,
           round(sum(hours * rate), 2) AS card_value,
           bool_and(approved_at IS NOT NULL AND rate IS NOT NULL) AS judged,
           list(entry_id ORDER BY entry_id) AS ids
    FROM group_entries GROUP BY ALL
),
group_short AS (
    SELECT g.invoice_id, g.line_no, g.kind, g.amount, g.quantity, g.project_id, g.currency,
           g.issue_date, g.period_start, c.hours, c.card_value,
           c.card_value - g.amount AS shortfall, c.ids
    FROM groups g JOIN group_card c USING (invoice_id, project_id)
    WHERE c.person_id IS NOT DISTINCT FROM g.person_id
      AND c.judged AND g.amount < c.card_value
),
short AS (
    SELECT * FROM named_short UNION ALL SELECT * FROM group_short
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
