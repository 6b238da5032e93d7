-- budget_alert (ref project_id:level, e.g. PR-1:75 — one finding per threshold crossed): the
-- project's consumption reached at least 75 / 90 / 100 percent of its budget, on
-- hours (all entries on the project dated on or before $as_of, billable or not, vs
-- budget_hours) or on amount (those hours x people.cost_rate vs budget_amount). "Crossed" is at
-- or above the level; compared exactly in decimals, so 30 of 40 hours (75.0%) crosses 75. The
-- amount side is judged only when every hour has a cost rate (else it is skipped and the
-- unpriced hours are in the evidence).
WITH usage AS (
    SELECT e.project_id, sum(e.hours) AS hours, sum(e.hours * pe.cost_rate) AS cost,
           sum(CASE WHEN pe.cost_rate IS NULL THEN e.hours ELSE 0 END) AS unpriced_hours
    FROM effective_time_entries e
    LEFT JOIN people pe ON pe.person_id = e.person_id
    WHERE e.date <= $as_of AND e.project_id IS NOT NULL
    GROUP BY e.project_id
),
measured AS (
    SELECT p.project_id, p.name, p.budget_hours, p.budget_amount,
           coalesce(u.hours, 0) AS hours,
           coalesce(u.unpriced_hours, 0) AS unpriced_hours,
           CASE WHEN coalesce(u.unpriced_hours, 0) = 0 THEN coalesce(u.cost, 0) END AS cost
    FROM projects p
    LEFT JOIN usage u ON u.project_id = p.project_id
    WHERE p.budget_hours > 0 OR p.budget_amount > 0
),
-- The levels are budget_alert_1/2/3 of the rules config (defaults 75, 90, 100).
levels AS (
    SELECT DISTINCT unnest([$budget_alert_1, $budget_alert_2, $budget_alert_3]::DECIMAL(9,4)[]) AS level
),
crossed AS (
    SELECT m.*, l.level,
           CASE WHEN m.budget_hours > 0
                THEN round(100 * m.hours / m.budget_hours, 2) END AS hours_pct,
           CASE WHEN m.budget_amount > 0 AND m.cost IS NOT NULL
                THEN round(100 * m.cost / m.budget_amount, 2) END AS amount_pct,
           m.budget_hours > 0 AND m.hours * 100 >= l.level * m.budget_hours AS by_hours,
           m.budget_amount > 0 AND m.cost IS NOT NULL
               AND m.cost * 100 >= l.level * m.budget_amount AS by_amount
    FROM measured m, levels l
)
SELECT
    c.project_id || ':' || printf('%g', c.level::DOUBLE) AS ref,
    CASE WHEN c.budget_amount > 0 THEN c.cost::DECIMAL(18,2) END AS value,
    CASE WHEN c.budget_amount > 0 AND c.cost IS NOT NULL
         THEN (SELECT coalesce(max(base_currency), 'USD') FROM firm) END AS currency,
    c.project_id,
    NULL::VARCHAR AS period,
    'project ' || c.project_id || ' reached ' || printf('%g', c.level::DOUBLE) || '% of budget: '
        || concat_ws(', ',
               CASE WHEN c.budget_hours > 0 THEN printf('%g', c.hours::DOUBLE) || ' of '
                   || printf('%g', c.budget_hours::DOUBLE) || ' h ('
                   || printf('%g', c.hours_pct::DOUBLE) || '%)' END,
               CASE WHEN c.amount_pct IS NOT NULL THEN 'cost '
                   || CAST(c.cost::DECIMAL(18,2) AS VARCHAR) || ' of '
                   || CAST(c.budget_amount::DECIMAL(18,2) AS VARCHAR) || ' ('
                   || printf('%g', c.amount_pct::DOUBLE) || '%)' END) AS detail,
    to_json({'project_id': c.project_id, 'project': c.name, 'level_percent': c.level,
             'hours': c.hours, 'budget_hours': c.budget_hours, 'hours_percent': c.hours_pct,
             'cost': c.cost, 'budget_amount': c.budget_amount, 'amount_percent': c.amount_pct,
             'unpriced_hours': c.unpriced_hours, 'crossed_on_hours': c.by_hours,
             'crossed_on_amount': coalesce(c.by_amount, false)}) AS evidence,
    'review the project''s remaining budget with its manager: re-plan, re-scope or raise a change order' AS suggested_action
FROM crossed c
WHERE c.by_hours OR coalesce(c.by_amount, false)
