-- ar_invoices: one row per receivable document (invoice or credit memo) that reached the
-- client: staging invoices less those still 'draft' (approved, not sent) or 'void', with the
-- late-fee terms of their contract and the client's contact. `status` 'paid' is the accounting
-- system's word: reminders and late fees leave such an invoice alone (docs/ar.md).
WITH documents AS (
    SELECT * FROM invoices WHERE coalesce(status, 'sent') NOT IN ('draft', 'void')
),
final AS (
    SELECT d.invoice_id, d.number, d.client_id, c.name AS client_name,
           c.billing_email, coalesce(d.kind, 'invoice') AS kind, d.credits_invoice_id,
           d.issue_date, d.due_date, d.currency, CAST(d.total AS DECIMAL(18,2)) AS total,
           d.contract_id, coalesce(d.status, 'sent') AS status, k.late_fee_monthly_rate, coalesce(k.late_fee_grace_days, 0) AS grace_days,
           date_diff('day', d.issue_date, d.due_date) AS terms_days,
           d.invoice_id IN (SELECT fee_invoice_id FROM late_fee_charges
                            WHERE fee_invoice_id IS NOT NULL) AS is_fee_invoice
    FROM documents d
    LEFT JOIN clients c ON c.client_id = d.client_id
    LEFT JOIN contracts k ON k.contract_id = d.contract_id
)
SELECT * FROM final ORDER BY issue_date, invoice_id
