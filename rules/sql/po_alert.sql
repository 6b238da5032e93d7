-- po_alert (ref contract): invoiced-to-date on the contract's PO — totals (tax included) of
-- the non-void invoices (table invoices) carrying its po_number, issued on or before $as_of —
-- is strictly above po_alert_at x po_limit but not above po_limit (above the limit is
-- po_exceeded instead). Exactly at the alert amount does not fire.
WITH billed AS (
    SELECT c.contract_id, c.client_id, c.currency, c.po_number, c.po_limit, c.po_alert_at,
           sum(i.total) AS invoiced, list(i.invoice_id ORDER BY i.invoice_id) AS invoices
    FROM contracts c
    JOIN invoices i ON i.po_number = c.po_number
    WHERE c.po_number IS NOT NULL AND c.po_limit IS NOT NULL AND c.po_alert_at IS NOT NULL
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
        || CAST(b.invoiced::DECIMAL(18,2) AS VARCHAR) || ' is above the alert amount '
        || CAST((b.po_alert_at * b.po_limit)::DECIMAL(18,2) AS VARCHAR) || ' ('
        || printf('%g', b.po_alert_at::DOUBLE) || ' x limit '
        || CAST(b.po_limit::DECIMAL(18,2) AS VARCHAR) || ')' AS detail,
    to_json({'contract_id': b.contract_id, 'client_id': b.client_id, 'po_number': b.po_number,
             'po_limit': b.po_limit, 'po_alert_at': b.po_alert_at,
             'alert_amount': (b.po_alert_at * b.po_limit)::DECIMAL(18,2),
             'invoiced_to_date': b.invoiced, 'invoices': b.invoices}) AS evidence,
    'ask the client for a PO increase or a new PO before the next invoice' AS suggested_action
FROM billed b
WHERE b.invoiced > b.po_alert_at * b.po_limit AND b.invoiced <= b.po_limit
