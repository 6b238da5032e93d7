-- milestone_burn_ahead (ref project): a project of a fixed_fee or milestone workstream whose
-- budget burn runs strictly more than $burn_ahead_points points ahead of its progress.
-- Burn (percent): hours (all entries on the project dated on or before $as_of) / budget_hours
-- when budget_hours is set, else cost (hours x people.cost_rate, only when every hour has a
-- cost rate) / budget_amount. Progress (percent): value of milestones with status complete or
-- accepted / value of all the project's milestones; with no milestones (or zero total value)
-- the share of the days from start_date to end_date elapsed at $as_of (clamped to 0..100).
-- A project with no usable budget or no measurable progress is not judged. Both percentages
-- are rounded to 4 decimals before comparing. Value: on the cost basis, the money spent ahead
-- of progress = cost - progress x budget_amount (base currency); else NULL.
WITH fixed AS (
    SELECT DISTINCT project_id FROM contract_workstreams WHERE billing IN ('fixed_fee', 'milestone')
),
usage AS (
    SELECT e.project_id, sum(e.hours) AS hours, sum(e.hours * pe.cost_rate) AS cost,
           sum(CASE WHEN pe.cost_rate IS NULL THEN e.hours ELSE 0 END) AS unpriced_hours
    FROM effective_time_entries e
    LEFT JOIN people pe ON pe.person_id = e.person_id
    WHERE e.date <= $as_of AND e.project_id IS NOT NULL
    GROUP BY e.project_id
),
ms AS (
    SELECT project_id, count(*) AS milestones, sum(amount) AS total_value,
           count(*) FILTER (WHERE status IN ('complete', 'accepted')) AS milestones_done,
           coalesce(sum(amount) FILTER (WHERE status IN ('complete', 'accepted')), 0) AS done_value
    FROM milestones
    GROUP BY project_id
),
measured AS (
    SELECT p.project_id, p.name, p.budget_hours, p.budget_amount, p.start_date, p.end_date,
           coalesce(u.hours, 0) AS hours,
           CASE WHEN coalesce(u.unpriced_hours, 0) = 0 THEN coalesce(u.cost, 0) END AS cost,
           coalesce(u.unpriced_hours, 0) AS unpriced_hours,
           coalesce(ms.milestones, 0) AS milestones, coalesce(ms.milestones_done, 0) AS milestones_done,
           ms.total_value, ms.done_value,
           CASE WHEN p.budget_hours > 0 THEN 'hours'
                WHEN p.budget_amount > 0 AND coalesce(u.unpriced_hours, 0) = 0 THEN 'cost'
           END AS burn_basis,
           CASE WHEN ms.total_value > 0 THEN 'milestones'
                WHEN p.start_date IS NOT NULL AND p.end_date > p.start_date THEN 'elapsed_time'
           END AS progress_basis
    FROM projects p
    JOIN fixed f ON f.project_id = p.project_id
    LEFT JOIN usage u ON u.project_id = p.project_id
    LEFT JOIN ms ON ms.project_id = p.project_id
),
rated AS (
    SELECT m.*,
           round(CASE m.burn_basis
                     WHEN 'hours' THEN 100 * m.hours / m.budget_hours
                     WHEN 'cost' THEN 100 * m.cost / m.budget_amount END, 4) AS burn,
           CASE m.progress_basis
               WHEN 'milestones' THEN m.done_value / m.total_value
               WHEN 'elapsed_time' THEN greatest(0, least(1,
                   date_diff('day', m.start_date, $as_of)
                   / date_diff('day', m.start_date, m.end_date)))
           END AS progress_share
    FROM measured m
    WHERE m.burn_basis IS NOT NULL AND m.progress_basis IS NOT NULL
),
ahead AS (
    SELECT r.*, round(100 * r.progress_share, 4) AS progress FROM rated r
)
SELECT
    a.project_id AS ref,
    CASE WHEN a.burn_basis = 'cost'
         THEN round(a.cost - a.progress_share * a.budget_amount, 2)::DECIMAL(18,2) END AS value,
    CASE WHEN a.burn_basis = 'cost'
         THEN (SELECT coalesce(max(base_currency), 'USD') FROM firm) END AS currency,
    a.project_id,
    NULL::VARCHAR AS period,
    'project ' || a.project_id || ' has burned ' || printf('%.1f', a.burn::DOUBLE)
        || '% of its budget (' || a.burn_basis || ') but is only '
        || printf('%.1f', a.progress::DOUBLE) || '% complete (' || a.progress_basis || '), '
        || printf('%.1f', (a.burn - a.progress)::DOUBLE) || ' points ahead' AS detail,
    to_json({'project_id': a.project_id, 'project': a.name,
             'burn': {'percent': a.burn, 'basis': a.burn_basis},
             'progress': {'percent': a.progress, 'basis': a.progress_basis},
             'points_ahead': a.burn - a.progress, 'threshold_points': $burn_ahead_points,
             'hours': a.hours, 'cost': a.cost, 'unpriced_hours': a.unpriced_hours,
             'budget': {'hours': a.budget_hours, 'amount': a.budget_amount},
             'milestones': {'count': a.milestones, 'done': a.milestones_done,
                            'total_value': a.total_value, 'done_value': a.done_value},
             'start_date': a.start_date, 'end_date': a.end_date}) AS evidence,
    'review the project''s plan and budget with its manager: the budget is burning faster than the work is delivered' AS suggested_action,
    CASE WHEN a.burn_basis = 'cost'
         THEN round(a.cost - a.progress_share * a.budget_amount, 2)::DECIMAL(18,2) END AS amount
FROM ahead a
WHERE a.burn - a.progress > $burn_ahead_points
