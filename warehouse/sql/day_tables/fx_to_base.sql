-- fx_to_base (temp table): the rate in force (mart_fx_rates) of every currency on every day
-- from its first valid row to $last_day. Grain: one row per currency and day. A currency with
-- no rate in force yet on a day has no row, so its amounts read NULL, never 0.
CREATE OR REPLACE TEMP TABLE fx_to_base AS
WITH days AS (
    SELECT c.currency, CAST(unnest(generate_series(CAST(c.first_day AS TIMESTAMP),
                                                   CAST($last_day AS TIMESTAMP),
                                                   INTERVAL 1 DAY)) AS DATE) AS date
    FROM (SELECT currency, min(date) AS first_day FROM mart_fx_rates GROUP BY ALL) c
)
SELECT d.currency, d.date, r.rate_to_base AS rate
FROM days d ASOF JOIN mart_fx_rates r ON r.currency = d.currency AND d.date >= r.date
