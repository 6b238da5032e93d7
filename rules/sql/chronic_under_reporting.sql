-- chronic_under_reporting (ref person): the person's latest full weeks with expected hours end
-- in a run of at least $chronic_weeks consecutive under-reported weeks (as under_reported_week:
-- logged strictly below $under_reported_ratio of expected). A week with no expected hours (all
-- time off / holiday, not yet employed) neither counts nor breaks the run. Only a run that is
-- still going (it ends at the person's latest full week with expected hours) fires, so the
-- finding resolves itself once the person logs a normal week.
WITH person_weeks AS (
    SELECT w.*,
           w.expected_hours > 0 AND w.logged_hours < $under_reported_ratio * w.expected_hours AS low
    FROM rule_person_weeks w
)
, counted AS (
    SELECT *,
           row_number() OVER (PARTITION BY person_id ORDER BY week_start)
             - row_number() OVER (PARTITION BY person_id, low ORDER BY week_start) AS grp,
           max(week_start) OVER (PARTITION BY person_id) AS last_week
    FROM person_weeks
    WHERE expected_hours > 0
),
streaks AS (
    SELECT person_id, any_value(team) AS team, count(*) AS weeks, min(week_start) AS first_week,
           max(week_start) AS last_low_week, sum(logged_hours) AS logged_hours,
           sum(expected_hours) AS expected_hours,
           list({'week_start': week_start, 'logged_hours': logged_hours,
                 'expected_hours': expected_hours} ORDER BY week_start) AS week_list
    FROM counted
    WHERE low
    GROUP BY person_id, grp
    HAVING count(*) >= $chronic_weeks AND max(week_start) = any_value(last_week)
)
SELECT
    s.person_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(s.last_low_week, '%Y-%m') AS period,
    coalesce(pe.name, s.person_id) || ' under-reported ' || CAST(s.weeks AS VARCHAR)
        || ' weeks in a row (weeks of ' || strftime(s.first_week, '%Y-%m-%d') || ' to '
        || strftime(s.last_low_week, '%Y-%m-%d') || '): ' || CAST(s.logged_hours::DECIMAL(12,2) AS VARCHAR)
        || ' h of ' || CAST(s.expected_hours::DECIMAL(12,2) AS VARCHAR) || ' h expected' AS detail,
    to_json({'person_id': s.person_id, 'person': pe.name, 'team': s.team, 'weeks': s.weeks,
             'first_week': s.first_week, 'last_week': s.last_low_week,
             'logged_hours': s.logged_hours, 'expected_hours': s.expected_hours,
             'threshold_ratio': $under_reported_ratio, 'threshold_weeks': $chronic_weeks,
             'week_list': s.week_list}) AS evidence,
    'talk with the person and their manager: time is going unrecorded week after week' AS suggested_action
FROM streaks s
LEFT JOIN people pe ON pe.person_id = s.person_id
