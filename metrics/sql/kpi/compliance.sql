-- compliance: one row per person-week whose week starts in [$start, $end] (a week belongs to
-- the month of its first day; weeks start on firm.week_starts) and whose deadline has passed at
-- $now, for people expected to log time that week (available hours > 0). The deadline is
-- firm.timesheet_deadline ('mon 12:00' = the first Monday after the week's last day, 12:00) in
-- the firm's time zone. The week's submission is the first submitted_at of its entries (a
-- resubmission does not clear a late flag). Submission is recorded per entry, so a week can be
-- submitted in batches: only the hours of entries submitted by the deadline (on_time_hours)
-- count toward the 90%; hours submitted later, or never, do not make the week complete.
-- status: missing (nothing submitted), late (first submission after the deadline), short
-- (first batch on time, but the hours submitted by the deadline are under 90% of the expected
-- hours), on_time.
WITH
@include timesheet_cfg,
people_in AS (
    SELECT person_id FROM people
    WHERE (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), team))
      AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), person_id))
),
weeks AS (
    SELECT d.person_id, any_value(d.person_name) AS person_name, any_value(d.team) AS team,
           d.day - CAST((isodow(d.day) - c.ws + 7) % 7 AS INTEGER) AS week_start,
           sum(d.available) AS expected_hours
    FROM kpi_person_days d CROSS JOIN cfg c
    WHERE d.person_id IN (SELECT person_id FROM people_in)
    GROUP BY d.person_id, week_start
),
weeks_in AS (
    SELECT w.*, w.week_start + 6 AS week_end,
           timezone(c.tz, (w.week_start + 6 + CAST((c.dl_dow - isodow(w.week_start + 6) + 7) % 7 AS INTEGER))
                          + CAST(c.dl_time || ':00' AS TIME)) AS deadline
    FROM weeks w CROSS JOIN cfg c
    WHERE w.week_start BETWEEN $start AND $end AND w.expected_hours > 0
),
entries AS (
    SELECT e.person_id, e.date - CAST((isodow(e.date) - c.ws + 7) % 7 AS INTEGER) AS week_start,
           e.hours, e.submitted_at
    FROM effective_time_entries e CROSS JOIN cfg c
    WHERE e.date BETWEEN $start - 6 AND $end + 6
),
logged AS (
    SELECT n.person_id, n.week_start, sum(n.hours) AS logged_hours,
           coalesce(sum(n.hours) FILTER (WHERE n.submitted_at <= w.deadline), 0) AS on_time_hours,
           min(n.submitted_at) AS submitted_at
    FROM entries n JOIN weeks_in w USING (person_id, week_start)
    GROUP BY ALL
),
final AS (
    SELECT w.person_id, w.person_name, w.team, w.week_start, w.week_end,
           strftime(w.week_start, '%Y-%m') AS month,
           CAST(w.expected_hours AS DOUBLE) AS expected_hours,
           CAST(coalesce(l.logged_hours, 0) AS DOUBLE) AS logged_hours,
           CAST(coalesce(l.on_time_hours, 0) AS DOUBLE) AS on_time_hours,
           w.deadline, l.submitted_at,
           CASE WHEN l.submitted_at IS NULL THEN 'missing'
                WHEN l.submitted_at > w.deadline THEN 'late'
                WHEN coalesce(l.on_time_hours, 0) < 0.9 * w.expected_hours THEN 'short'
                ELSE 'on_time' END AS status
    FROM weeks_in w LEFT JOIN logged l USING (person_id, week_start)
    WHERE w.deadline <= $now
)
SELECT * FROM final ORDER BY week_start, person_id
