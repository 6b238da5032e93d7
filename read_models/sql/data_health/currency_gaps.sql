-- currency_gaps: money in a currency that has no rate to the base currency on its day (no
-- mart_fx_rates row on or before it). Receivables, revenue and expense totals in the base
-- currency cannot hold it, so the KPIs and AR totals leave it out; Data health says so.
-- The base is firm.base_currency, else USD (billing.fx.FxRates' default).
-- Grain: one row per kind of document (invoices, payments, expenses) and currency.
WITH base AS (
    SELECT coalesce(max(base_currency), 'USD') AS currency FROM firm
),
documents AS (
    SELECT 'invoices' AS documents, currency, issue_date AS day, total AS amount
    FROM invoices WHERE coalesce(status, 'sent') NOT IN ('draft', 'void')
    UNION ALL
    SELECT 'payments', currency, date, amount FROM payments
    UNION ALL
    SELECT 'expenses', currency, date, amount FROM expenses
)
SELECT d.documents, d.currency, (SELECT currency FROM base) AS base_currency,
       count(*) AS count, CAST(sum(d.amount) AS DECIMAL(18, 2)) AS amount,
       min(d.day) AS first_day, max(d.day) AS last_day
FROM documents d
WHERE d.currency IS DISTINCT FROM (SELECT currency FROM base)
  AND NOT EXISTS (
      SELECT 1 FROM mart_fx_rates r WHERE r.currency = d.currency AND r.date <= d.day
  )
GROUP BY d.documents, d.currency
ORDER BY d.currency, d.documents
