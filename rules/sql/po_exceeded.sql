-- po_exceeded (ref contract): invoiced-to-date on the contract's PO — totals (tax included) of
-- the non-void invoices (table invoices) carrying its po_number, issued on or before $as_of —
-- is strictly above po_limit. Replaces po_alert for that contract.
WITH billed AS (
    SELECT c.contract_id, c.client_id, c.currency, c.po_number, c.po_limit,
           sum(i.total) AS invoiced, list(i.invoice_id ORDER BY i.invoice_id) AS invoices
    FROM contracts c
    JOIN invoices i ON i.po_number = c.po_number
    WHERE c.po_number IS NOT NULL AND c.po_limit IS NOT NULL
      AND coalesce(i.status, '') <> 'void' AND i.issue_date <= $as_of
    GROUP BY ALL
)
SELECT
    b.contract_id AS ref,
    b.invoiced::DECIMAL(18,2) AS value,
    b.currency,
    NULL::VARCHAR AS project_id,
    NULL::VARCHAR AS period,
    'PO ' || b.po_number || ' of contract ' || b.contract_id || ': invoiced to date '
        || CAST(b.invoiced::DECIMAL(18,2) AS VARCHAR) || ' is above the limit '
        || CAST(b.po_limit::DECIMAL(18,2) AS VARCHAR) || ' by '
        || CAST((b.invoiced - b.po_limit)::DECIMAL(18,2) AS VARCHAR) AS detail,
    to_json({'contract_id': b.contract_id, 'client_id': b.client_id, 'po_number': b.po_number,
             'po_limit': b.po_limit, 'invoiced_to_date': b.invoiced,
             'over_limit': (b.invoiced - b.po_limit)::DECIMAL(18,2),
             'invoices': b.invoices}) AS evidence,
    'stop invoicing against the PO: get a PO increase or a new PO from the client, or credit the excess' AS suggested_action,
    (b.invoiced - b.po_limit)::DECIMAL(18,2) AS amount
FROM billed b
WHERE b.invoiced > b.po_limit
