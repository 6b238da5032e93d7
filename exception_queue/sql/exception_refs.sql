-- exception_refs: one row per found exception, enriched from its ref (time entry, expense,
-- contract, payment): project, client, period, value and the source row as evidence.
CREATE OR REPLACE TEMP TABLE exception_found AS
WITH found AS (
    SELECT * FROM _found
),
entry_refs AS (
    SELECT f.exception_id, 'time_entry' AS ref_type, e.project_id, pr.client_id,
           strftime(e.date, '%Y-%m') AS ref_period, NULL::DECIMAL(18,2) AS ref_value,
           NULL::VARCHAR AS ref_currency,
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
           x.currency AS ref_currency,
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
           k.currency AS ref_currency,
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
           p.currency AS ref_currency,
           to_json({'ref_type': 'payment', 'payment': {
               'payment_id': p.payment_id, 'client_id': p.client_id, 'date': p.date,
               'amount': p.amount, 'currency': p.currency, 'reference': p.reference,
               'invoice_id': p.invoice_id}}) AS ref_evidence
    FROM found f
    JOIN payments p ON p.payment_id = f.ref
    WHERE list_contains(f.ref_types, 'payment')
),
matched AS (
    SELECT * FROM entry_refs
    UNION ALL BY NAME SELECT * FROM expense_refs
    UNION ALL BY NAME SELECT * FROM contract_refs
    UNION ALL BY NAME SELECT * FROM payment_refs
),
best AS (
    SELECT m.* FROM matched m JOIN found f USING (exception_id)
    QUALIFY row_number() OVER (
        PARTITION BY m.exception_id ORDER BY list_position(f.ref_types, m.ref_type)) = 1
),
final AS (
    SELECT
        f.exception_id, f.kind, f.ref, f.source, f.severity,
        coalesce(f.client_id, b.client_id, f.scope_client_id) AS client_id,
        coalesce(f.project_id, b.project_id, f.scope_project_id) AS project_id,
        coalesce(f.period, f.scope_period, b.ref_period) AS period,
        coalesce(TRY_CAST(f.value AS DECIMAL(18,2)), b.ref_value) AS value,
        coalesce(f.currency, b.ref_currency) AS currency,
        f.detail,
        CASE WHEN f.evidence IS NULL THEN b.ref_evidence
             WHEN b.ref_evidence IS NULL THEN f.evidence::JSON
             ELSE json_merge_patch(b.ref_evidence, f.evidence::JSON) END AS evidence,
        CASE WHEN f.kind = 'no_contract' AND b.ref_type = 'expense' AND NOT f.own_action
             THEN ? ELSE f.suggested_action END AS suggested_action
    FROM found f LEFT JOIN best b USING (exception_id)
)
SELECT * FROM final
