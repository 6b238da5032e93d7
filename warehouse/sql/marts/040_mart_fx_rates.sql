-- mart_fx_rates: the FX rows that can be in force (DATA_CONTRACT rule 7: the rate in force on a
-- day is the latest fx_rates row on or before it). The one definition billing (expenses,
-- receivables), rules and metrics read:
--   * only a positive rate_to_base can be in force: a zero or negative rate is a data error
--     and the day keeps the previous valid rate, or has none;
--   * the base currency is always 1, from 2000-01-01, whatever fx_rates says about it;
--   * the base is firm.base_currency, else USD: a warehouse loaded from tracker and accounting
--     exports alone has no firm row, and reads its amounts as USD as the receivables ledger
--     (billing.fx.FxRates' default) and the pages do, instead of converting nothing.
-- Grain: one row per currency and date (fx_rates' key is date + currency).
CREATE OR REPLACE VIEW mart_fx_rates AS
WITH base AS (SELECT coalesce(max(base_currency), 'USD') AS currency FROM firm)
SELECT r.currency, r.date, r.rate_to_base
FROM fx_rates r
WHERE r.rate_to_base > 0
  AND r.currency <> (SELECT currency FROM base)
UNION ALL
SELECT currency, DATE '2000-01-01', CAST(1 AS DECIMAL(18, 8))
FROM base;
