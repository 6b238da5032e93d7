-- leakage: the revenue-leakage findings of the exception queue (rules run) for periods in
-- [$start, $end], in the firm's base currency (converted at the period's last day): approved
-- billable time not invoiced after its period closed (unbilled_time), write-downs below the
-- rate card (write_down), hours over a cap (over_cap) and expired retainer hours
-- (expired_rollover, reported apart: often revenue the firm keeps, kpis.md §4). Findings the
-- firm rejected or that were resolved (billed since) are not leakage.
SELECT x.exception_id, x.kind, x.ref, x.client_id, c.name AS client_name, x.project_id,
       pr.name AS project_name,
       x.period, x.status, x.detail, x.currency,
       CAST(x.value AS DECIMAL(18, 2)) AS value,
       CAST(CAST(x.value AS DECIMAL(38, 10)) * CAST(fx.rate AS DECIMAL(38, 10)) AS DECIMAL(18, 2)) AS value_base,
       x.kind = 'expired_rollover' AS is_expired_hours
FROM (
    SELECT *, last_day(CAST(period || '-01' AS DATE)) AS period_end FROM exceptions
    WHERE kind IN ('unbilled_time', 'write_down', 'over_cap', 'expired_rollover')
      AND status NOT IN ('rejected', 'resolved')
      AND period IS NOT NULL
) x
LEFT JOIN fx_to_base fx ON fx.currency = x.currency AND fx.date = x.period_end
LEFT JOIN clients c ON c.client_id = x.client_id
LEFT JOIN projects pr ON pr.project_id = x.project_id
WHERE x.period_end BETWEEN $start AND last_day($end)
  AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), x.client_id))
ORDER BY value_base DESC NULLS LAST, x.exception_id
