-- write_down (ref invoice): a non-void invoice (not a credit memo or a draft) issued on or
-- before $as_of that bills time below the card value of the approved entries behind it: hours
-- x the rate card's rate (billing's rule 2, on the entry's contract workstream), rounded to
-- cents.
-- The entries behind an invoice and what each is billed come from mart_invoice_attribution,
-- the one attribution realization, the contract cap and billing read: entry ids when a line
-- names them, else time_entries.invoice_id, else project x service period (x person when the
-- line names one), each line split pro rata to card value. An invoice drafted here and one
-- imported from QuickBooks or Xero per person x project are judged alike.
-- Billed = the entry's part of the invoice's time and rush lines (time_value). Discount lines
-- (tiers, or an invoice-level discount) and cap adjustments are contract terms, not
-- write-downs: they reduce realization, not this rule's value.
-- Judged per invoice x project x person (the work's): a group with an entry unapproved or
-- whose rate does not resolve cannot be judged and is skipped. One finding per invoice; value
-- is the summed shortfall, in the invoice's currency.
WITH att AS (
    SELECT a.invoice_id, a.entry_id, a.time_value
    FROM mart_invoice_attribution_between(DATE '0001-01-01', $as_of) a
    JOIN invoices i USING (invoice_id)
    WHERE a.billed_as_time AND i.issue_date <= $as_of
),
groups AS (
    SELECT a.invoice_id, e.project_id, e.person_id,
           sum(e.hours) AS hours,
           round(sum(e.hours * r.rate), 2) AS card_value,
           round(sum(a.time_value), 2) AS billed,
           bool_and(e.approved_at IS NOT NULL AND r.rate IS NOT NULL) AS judged,
           list(a.entry_id ORDER BY a.entry_id) AS ids
    FROM att a
    JOIN effective_time_entries e USING (entry_id)
    LEFT JOIN mart_entry_rates r USING (entry_id)  -- the rate card's answer (rule 2)
    GROUP BY ALL
),
short AS (  -- line_no: the invoice's first line naming the group's project (and person)
    SELECT g.*, g.card_value - g.billed AS shortfall, i.currency, i.issue_date, i.period_start,
           (SELECT min(l.line_no) FROM invoice_lines l
            WHERE l.invoice_id = g.invoice_id AND l.project_id = g.project_id
              AND (l.person_id = g.person_id OR l.person_id IS NULL)) AS line_no
    FROM groups g JOIN invoices i USING (invoice_id)
    WHERE g.judged AND g.billed < g.card_value
)
SELECT
    invoice_id AS ref,
    sum(shortfall)::DECIMAL(18,2) AS value,
    any_value(currency) AS currency,
    CASE WHEN count(DISTINCT project_id) = 1 THEN any_value(project_id) END AS project_id,
    strftime(coalesce(any_value(period_start), any_value(issue_date)), '%Y-%m') AS period,
    'invoice ' || invoice_id || ' bills time ' || CAST(sum(shortfall)::DECIMAL(18,2) AS VARCHAR)
        || ' ' || coalesce(any_value(currency), '') || ' below the rate card value of its '
        || 'approved entries (' || CAST(count(*) AS VARCHAR) || ' person x project group(s))'
        AS detail,
    to_json({'invoice_id': invoice_id,
             'lines': list({'line_no': line_no, 'project_id': project_id, 'person_id': person_id,
                            'entry_hours': hours, 'card_value': card_value, 'billed': billed,
                            'shortfall': shortfall, 'entry_ids': ids}
                           ORDER BY line_no, project_id, person_id)}) AS evidence,
    'confirm the write-down was agreed, or bill the difference' AS suggested_action,
    any_value(issue_date) AS event_date,
    invoice_id AS invoice_id,
    sum(shortfall)::DECIMAL(18,2) AS amount
FROM short
GROUP BY invoice_id
ORDER BY invoice_id
