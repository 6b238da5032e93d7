-- The inputs of the trend's realization and utilization sums beyond the attribution's (whose
-- fingerprint warehouse/attribution_snapshot.py adds): the FX rates (value in base currency),
-- time off and the firm (base currency, holidays country, week start: capacity). Staging
-- tables carry _row_hash and _load_id: row count, their sum and max change with any write.
SELECT 'fx_rates' AS input, count(*) AS n, sum(_row_hash::HUGEINT) AS h, max(_load_id) AS l FROM fx_rates
UNION ALL SELECT 'time_off', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM time_off
UNION ALL SELECT 'firm', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM firm
ORDER BY input
