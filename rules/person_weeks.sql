-- rule_person_weeks: one row per person and full week (week start per firm.week_starts,
-- weeks ended on or before $as_of): capacity and expected hours summed from the shared
-- person_day_capacity day table (warehouse/sql/day_tables: the one definition of DATA_CONTRACT
-- "Capacity") and the hours logged (any entry). Built once per rules run;
-- under_reported_week, chronic_under_reporting, team_under_reporting and missing_timesheet
-- read it.
CREATE OR REPLACE TEMP TABLE rule_person_weeks AS
WITH cfg AS (
    SELECT coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                                  lower(trim(max(week_starts)))), 1) AS ws
    FROM firm
),
weeks AS (  -- full weeks only: ended on or before $as_of
    SELECT person_id, any_value(team) AS team, week_start, sum(capacity) AS capacity_hours,
           sum(available) AS expected_hours
    FROM person_day_capacity
    WHERE week_start + 6 <= $as_of
    GROUP BY person_id, week_start
),
logged AS (
    SELECT e.person_id, e.date - CAST((isodow(e.date) - c.ws + 7) % 7 AS INTEGER) AS week_start,
           sum(e.hours) AS hours
    FROM effective_time_entries e CROSS JOIN cfg c
    WHERE e.person_id IS NOT NULL AND e.date <= $as_of
    GROUP BY ALL
)
SELECT w.*, coalesce(l.hours, 0) AS logged_hours
FROM weeks w LEFT JOIN logged l USING (person_id, week_start)
