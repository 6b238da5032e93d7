-- exception_refs: one row per found exception, enriched from its ref (time entry, expense,
-- contract, payment, invoice): project, client, period, value, the typed facts the finding
-- did not bring (amount, hours, event date, person, invoice) and the source row as evidence;
-- severity by the money at stake in base currency ($high_from, $medium_from) when there is
-- money; without money a finding is low unless its kind is high whatever the money (a
-- contract or rate problem that stops billing).
CREATE OR REPLACE TEMP TABLE exception_found AS
WITH found AS (
    SELECT * FROM _found
),
entry_refs AS (
    SELECT f.exception_id, 'time_entry' AS ref_type, e.project_id, pr.client_id,
           strftime(e.date, '%Y-%m') AS ref_period, NULL::DECIMAL(18,2) AS ref_value,
           NULL::VARCHAR AS ref_currency, NULL::DECIMAL(18,2) AS ref_amount,
           e.hours::DECIMAL(12,2) AS ref_hours, e.date AS ref_date, e.person_id AS ref_person_id,
           NULL::VARCHAR AS ref_invoice_id,
           to_json({'ref_type': 'time_entry', 'time_entry': {
               'entry_id': e.entry_id, 'date': e.date, 'person_id': e.person_id,
               'person': pe.name, 'hours': e.hours, 'project_id': e.project_id,
               'project': pr.name, 'client_id': pr.client_id, 'sow_line_id': e.sow_line_id,
               'notes': e.notes, 'billable': e.billable, 'work_type': e.work_type,
               'submitted_at': e.submitted_at, 'approved_at': e.approved_at,
               'approved_by': e.approved_by, 'source': e.source,
               'is_overridden': e.is_overridden}}) AS ref_evidence
    FROM found f
    JOIN effective_time_entries e ON e.entry_id = f.ref
    LEFT JOIN projects pr ON pr.project_id = e.project_id
    LEFT JOIN people pe ON pe.person_id = e.person_id
    WHERE list_contains(f.ref_types, 'time_entry')
),
expense_refs AS (
    SELECT f.exception_id, 'expense' AS ref_type, x.project_id, pr.client_id,
           strftime(x.date, '%Y-%m') AS ref_period, x.amount::DECIMAL(18,2) AS ref_value,
           x.currency AS ref_currency, x.amount::DECIMAL(18,2) AS ref_amount,
           NULL::DECIMAL(12,2) AS ref_hours, x.date AS ref_date, x.person_id AS ref_person_id,
           NULL::VARCHAR AS ref_invoice_id,
           to_json({'ref_type': 'expense', 'expense': {
               'expense_id': x.expense_id, 'date': x.date, 'person_id': x.person_id,
               'person': pe.name, 'amount': x.amount, 'currency': x.currency,
               'description': x.description, 'vendor': x.vendor, 'project_id': x.project_id,
               'project': pr.name, 'split': x.split, 'billable': x.billable,
               'receipt_ref': x.receipt_ref, 'approved_at': x.approved_at}}) AS ref_evidence
    FROM found f
    JOIN expenses x ON x.expense_id = f.ref
    LEFT JOIN projects pr ON pr.project_id = x.project_id
    LEFT JOIN people pe ON pe.person_id = x.person_id
    WHERE list_contains(f.ref_types, 'expense')
),
workstreams AS (
    SELECT contract_id,
           list({'project_id': project_id, 'billing': billing} ORDER BY position) AS streams,
           CASE WHEN count(*) = 1 THEN min(project_id) END AS only_project_id
    FROM contract_workstreams GROUP BY contract_id
),
contract_refs AS (
    SELECT f.exception_id, 'contract' AS ref_type, w.only_project_id AS project_id,
           k.client_id, NULL::VARCHAR AS ref_period, NULL::DECIMAL(18,2) AS ref_value,
           k.currency AS ref_currency, NULL::DECIMAL(18,2) AS ref_amount,
           NULL::DECIMAL(12,2) AS ref_hours, NULL::DATE AS ref_date,
           NULL::VARCHAR AS ref_person_id, NULL::VARCHAR AS ref_invoice_id,
           to_json({'ref_type': 'contract', 'contract': {
               'contract_id': k.contract_id, 'client_id': k.client_id, 'client': c.name,
               'currency': k.currency, 'po_number': k.po_number, 'po_limit': k.po_limit,
               'po_alert_at': k.po_alert_at, 'invoice_per': k.invoice_per,
               'terms': k.terms}, 'workstreams': w.streams}) AS ref_evidence
    FROM found f
    JOIN contracts k ON k.contract_id = f.ref
    LEFT JOIN clients c ON c.client_id = k.client_id
    LEFT JOIN workstreams w ON w.contract_id = k.contract_id
    WHERE list_contains(f.ref_types, 'contract')
),
payment_refs AS (
    SELECT f.exception_id, 'payment' AS ref_type, NULL::VARCHAR AS project_id, p.client_id,
           strftime(p.date, '%Y-%m') AS ref_period, p.amount::DECIMAL(18,2) AS ref_value,
           p.currency AS ref_currency, p.amount::DECIMAL(18,2) AS ref_amount,
           NULL::DECIMAL(12,2) AS ref_hours, p.date AS ref_date, NULL::VARCHAR AS ref_person_id,
           p.invoice_id AS ref_invoice_id,
           to_json({'ref_type': 'payment', 'payment': {
               'payment_id': p.payment_id, 'client_id': p.client_id, 'date': p.date,
               'amount': p.amount, 'currency': p.currency, 'reference': p.reference,
               'invoice_id': p.invoice_id}}) AS ref_evidence
    FROM found f
    JOIN payments p ON p.payment_id = f.ref
    WHERE list_contains(f.ref_types, 'payment')
),
invoice_refs AS (
    SELECT f.exception_id, 'invoice' AS ref_type, NULL::VARCHAR AS project_id, i.client_id,
           strftime(i.issue_date, '%Y-%m') AS ref_period, NULL::DECIMAL(18,2) AS ref_value,
           i.currency AS ref_currency, NULL::DECIMAL(18,2) AS ref_amount,
           NULL::DECIMAL(12,2) AS ref_hours, i.issue_date AS ref_date,
           NULL::VARCHAR AS ref_person_id, i.invoice_id AS ref_invoice_id,
           to_json({'ref_type': 'invoice', 'invoice': {
               'invoice_id': i.invoice_id, 'number': i.number, 'client_id': i.client_id,
               'client': c.name, 'issue_date': i.issue_date, 'due_date': i.due_date,
               'currency': i.currency, 'total': i.total, 'status': i.status}}) AS ref_evidence
    FROM found f
    JOIN invoices i ON i.invoice_id = f.ref
    LEFT JOIN clients c ON c.client_id = i.client_id
    WHERE list_contains(f.ref_types, 'invoice')
),
matched AS (
    SELECT * FROM entry_refs
    UNION ALL BY NAME SELECT * FROM expense_refs
    UNION ALL BY NAME SELECT * FROM contract_refs
    UNION ALL BY NAME SELECT * FROM payment_refs
    UNION ALL BY NAME SELECT * FROM invoice_refs
),
best AS (
    SELECT m.* FROM matched m JOIN found f USING (exception_id)
    QUALIFY row_number() OVER (
        PARTITION BY m.exception_id ORDER BY list_position(f.ref_types, m.ref_type)) = 1
),
typed AS (
    SELECT
        f.exception_id, f.kind, f.ref, f.source, f.severity, f.detail, f.own_action,
        f.suggested_action, b.ref_type,
        coalesce(f.client_id, b.client_id, f.scope_client_id) AS client_id,
        coalesce(f.project_id, b.project_id, f.scope_project_id) AS project_id,
        coalesce(f.period, f.scope_period, b.ref_period) AS period,
        coalesce(TRY_CAST(f.value AS DECIMAL(18,2)), b.ref_value) AS value,
        coalesce(f.currency, b.ref_currency) AS currency,
        coalesce(TRY_CAST(f.amount AS DECIMAL(18,2)), b.ref_amount) AS amount,
        coalesce(TRY_CAST(f.hours AS DECIMAL(12,2)), b.ref_hours) AS hours,
        coalesce(TRY_CAST(f.event_date AS DATE), b.ref_date) AS event_date,
        coalesce(f.person_id, b.ref_person_id) AS person_id,
        coalesce(f.invoice_id, b.ref_invoice_id) AS invoice_id,
        CASE WHEN f.evidence IS NULL THEN b.ref_evidence
             WHEN b.ref_evidence IS NULL THEN f.evidence::JSON
             ELSE json_merge_patch(b.ref_evidence, f.evidence::JSON) END AS evidence
    FROM found f LEFT JOIN best b USING (exception_id)
),
base AS (
    SELECT coalesce(max(base_currency), 'USD') AS currency FROM firm
),
-- the amount in base currency: at the latest rate on or before the event (or today's latest)
priced AS (
    SELECT t.*,
           CASE WHEN t.amount IS NULL THEN NULL
                WHEN t.currency IS NULL OR t.currency = (SELECT currency FROM base) THEN t.amount
                ELSE t.amount * (
                    SELECT arg_max(r.rate_to_base, r.date) FROM fx_rates r
                    WHERE r.currency = t.currency
                      AND r.date <= coalesce(t.event_date, $today)) END AS amount_base
    FROM typed t
),
final AS (
    SELECT
        exception_id, kind, ref, source,
        CASE WHEN amount_base IS NULL AND severity = 'high' THEN 'high'
             WHEN amount_base IS NULL THEN 'low'
             WHEN abs(amount_base) >= $high_from THEN 'high'
             WHEN abs(amount_base) >= $medium_from THEN 'medium'
             ELSE 'low' END AS severity,
        client_id, project_id, period, value, currency, amount,
        amount_base::DECIMAL(18,2) AS amount_base, hours, event_date, person_id, invoice_id,
        detail, evidence,
        CASE WHEN kind = 'no_contract' AND ref_type = 'expense' AND NOT own_action
             THEN $expense_action ELSE suggested_action END AS suggested_action
    FROM priced
)
SELECT * FROM final
