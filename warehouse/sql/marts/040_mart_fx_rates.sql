-- mart_fx_rates: the FX rows that can be in force (DATA_CONTRACT rule 7: the rate in force on a
-- day is the latest fx_rates row on or before it). The one definition billing (expenses,
-- receivables), rules and metrics read:
--   * only a positive rate_to_base can be in force: a zero or negative rate is a data error
--     and the day keeps the previous valid rate, or has none;
--   * the base currency is always 1, from 2000-01-01, whatever fx_rates says about it.
-- Grain: one row per currency and date (fx_rates' key is date + currency).
CREATE OR REPLACE VIEW mart_fx_rates AS
SELECT r.currency, r.date, r.rate_to_base
FROM fx_rates r
WHERE r.rate_to_base > 0
  AND r.currency IS DISTINCT FROM (SELECT max(base_currency) FROM firm)
UNION ALL
SELECT base_currency, DATE '2000-01-01', CAST(1 AS DECIMAL(18, 8))
FROM (SELECT max(base_currency) AS base_currency FROM firm)
WHERE base_currency IS NOT NULL;
