-- ar_payments: one row per payment, with whether its client is known (a payment written
-- straight into staging by another path is checked here, not only at import).
SELECT p.payment_id, p.client_id, p.date, CAST(p.amount AS DECIMAL(18,2)) AS amount,
       p.currency, p.reference, p.invoice_id,
       p.client_id IN (SELECT client_id FROM clients) AS is_known_client
FROM payments p
ORDER BY p.date, p.payment_id
