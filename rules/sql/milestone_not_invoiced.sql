-- milestone_not_invoiced (ref milestone): a milestone of a `milestone` workstream reached its
-- bill_on (accepted: status accepted, dated accepted_on; complete: status complete or
-- accepted, dated completed_on; bill_on defaults to accepted) in a closed period — the month
-- of that date ends before $as_of — and is on no invoice: milestones.invoice_id is empty and
-- no non-void saved draft holds it (locked_sources). Value = its amount, contract currency.
WITH reached AS (
    SELECT m.milestone_id, m.project_id, m.name, m.amount, m.status, m.completed_on,
           m.accepted_on, coalesce(w.bill_on, 'accepted') AS bill_on, c.contract_id,
           c.client_id, c.currency,
           CASE WHEN coalesce(w.bill_on, 'accepted') = 'accepted'
                THEN CASE WHEN m.status = 'accepted' THEN m.accepted_on END
                ELSE CASE WHEN m.status IN ('complete', 'accepted') THEN m.completed_on END
           END AS reached_on
    FROM milestones m
    JOIN contract_workstreams w ON w.project_id = m.project_id AND w.billing = 'milestone'
    JOIN contracts c ON c.contract_id = w.contract_id
    WHERE coalesce(m.invoice_id, '') = ''
      AND m.milestone_id NOT IN (SELECT source_id FROM locked_sources WHERE source_id IS NOT NULL)
)
SELECT
    r.milestone_id AS ref,
    r.amount::DECIMAL(18,2) AS value,
    r.currency,
    r.project_id,
    strftime(r.reached_on, '%Y-%m') AS period,
    'milestone ' || r.milestone_id || ' (' || r.name || ', ' || r.project_id || ') was '
        || r.bill_on || ' on ' || strftime(r.reached_on, '%Y-%m-%d') || ' and '
        || CAST(r.amount::DECIMAL(18,2) AS VARCHAR) || ' ' || r.currency
        || ' is on no invoice' AS detail,
    to_json({'milestone_id': r.milestone_id, 'name': r.name, 'project_id': r.project_id,
             'contract_id': r.contract_id, 'client_id': r.client_id, 'amount': r.amount,
             'status': r.status, 'bill_on': r.bill_on, 'completed_on': r.completed_on,
             'accepted_on': r.accepted_on, 'reached_on': r.reached_on,
             'period_end': last_day(r.reached_on)}) AS evidence,
    'bill the milestone in its period''s draft (or record the invoice that already billed it)' AS suggested_action,
    r.amount::DECIMAL(18,2) AS amount,
    r.reached_on AS event_date,
    r.client_id AS client_id
FROM reached r
WHERE r.reached_on IS NOT NULL AND last_day(r.reached_on) < $as_of
