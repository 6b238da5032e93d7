-- team_under_reporting (ref team): the team's summed logged hours stay strictly below
-- $under_reported_ratio of its summed expected hours for at least $chronic_weeks consecutive
-- full weeks, up to the team's latest full week with expected hours — even when no member is
-- chronic on their own. Members are people with that `team`; people without a team are left
-- out. A week in which the team has no expected hours neither counts nor breaks the run.
WITH person_weeks AS (
    SELECT w.*,
           w.expected_hours > 0 AND w.logged_hours < $under_reported_ratio * w.expected_hours AS low
    FROM rule_person_weeks w
)
, team_weeks AS (
    SELECT team, week_start, sum(logged_hours) AS logged_hours,
           sum(expected_hours) AS expected_hours,
           sum(logged_hours) < $under_reported_ratio * sum(expected_hours) AS low
    FROM person_weeks
    WHERE team IS NOT NULL AND trim(team) <> ''
    GROUP BY team, week_start
    HAVING sum(expected_hours) > 0
),
counted AS (
    SELECT *,
           row_number() OVER (PARTITION BY team ORDER BY week_start)
             - row_number() OVER (PARTITION BY team, low ORDER BY week_start) AS grp,
           max(week_start) OVER (PARTITION BY team) AS last_week
    FROM team_weeks
),
streaks AS (
    SELECT team, count(*) AS weeks, min(week_start) AS first_week,
           max(week_start) AS last_low_week, sum(logged_hours) AS logged_hours,
           sum(expected_hours) AS expected_hours,
           list({'week_start': week_start, 'logged_hours': logged_hours,
                 'expected_hours': expected_hours} ORDER BY week_start) AS week_list
    FROM counted
    WHERE low
    GROUP BY team, grp
    HAVING count(*) >= $chronic_weeks AND max(week_start) = any_value(last_week)
),
members AS (
    SELECT team, list(person_id ORDER BY person_id) AS members
    FROM people WHERE team IS NOT NULL GROUP BY team
)
SELECT
    s.team AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(s.last_low_week, '%Y-%m') AS period,
    'Team ' || s.team || ' under-reported ' || CAST(s.weeks AS VARCHAR)
        || ' weeks in a row (weeks of ' || strftime(s.first_week, '%Y-%m-%d') || ' to '
        || strftime(s.last_low_week, '%Y-%m-%d') || '): ' || CAST(s.logged_hours::DECIMAL(12,2) AS VARCHAR)
        || ' h of ' || CAST(s.expected_hours::DECIMAL(12,2) AS VARCHAR) || ' h expected' AS detail,
    to_json({'team': s.team, 'members': m.members, 'weeks': s.weeks,
             'first_week': s.first_week, 'last_week': s.last_low_week,
             'logged_hours': s.logged_hours, 'expected_hours': s.expected_hours,
             'threshold_ratio': $under_reported_ratio, 'threshold_weeks': $chronic_weeks,
             'week_list': s.week_list}) AS evidence,
    'review time recording with the team lead: the team as a whole logs too little' AS suggested_action
FROM streaks s
LEFT JOIN members m ON m.team = s.team
