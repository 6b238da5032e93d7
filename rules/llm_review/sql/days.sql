-- review days: per person and day in [$since, $as_of] (the start's local date in firm.timezone,
-- default UTC), the hours their calendar was busy (events not cancelled, overlaps merged) and
-- the hours they logged, with the events as evidence.
WITH firm_cfg AS (
    SELECT coalesce(nullif(trim(max(timezone)), ''), 'UTC') AS tz FROM firm
),
ev AS (
    SELECT e.event_id, e.person_id, e.title, e.start, e."end", e.external_attendees,
           e.client_id, CAST(timezone(f.tz, e.start) AS DATE) AS day
    FROM calendar_events e CROSS JOIN firm_cfg f
    WHERE coalesce(lower(trim(e.status)), '') NOT IN ('cancelled', 'canceled')
      AND e.person_id IS NOT NULL AND e.start IS NOT NULL AND e."end" > e.start
),
windowed AS (
    SELECT * FROM ev WHERE day BETWEEN $since AND $as_of
),
ordered AS (  -- islands of overlapping events: a new one starts after every gap
    SELECT *, max("end") OVER (PARTITION BY person_id, day ORDER BY start, event_id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM windowed
),
islands AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR start > prev_end THEN 1 ELSE 0 END)
                  OVER (PARTITION BY person_id, day ORDER BY start, event_id) AS island
    FROM ordered
),
busy AS (
    SELECT person_id, day, sum(minutes) AS minutes FROM (
        SELECT person_id, day, island, date_diff('minute', min(start), max("end")) AS minutes
        FROM islands GROUP BY ALL
    ) GROUP BY ALL
),
logged AS (
    SELECT person_id, date AS day, sum(hours) AS hours
    FROM effective_time_entries WHERE date BETWEEN $since AND $as_of GROUP BY ALL
)
SELECT b.person_id, coalesce(pe.name, b.person_id) AS person, b.day,
       CAST(round(b.minutes / 60, 2) AS DECIMAL(12,2)) AS calendar_hours,
       CAST(coalesce(l.hours, 0) AS DECIMAL(12,2)) AS logged_hours,
       (SELECT list({'event_id': w.event_id, 'title': w.title, 'start': w.start, 'end': w."end",
                     'external_attendees': w.external_attendees, 'client_id': w.client_id}
                    ORDER BY w.start, w.event_id)
        FROM windowed w WHERE w.person_id = b.person_id AND w.day = b.day) AS events
FROM busy b
LEFT JOIN logged l ON l.person_id = b.person_id AND l.day = b.day
LEFT JOIN people pe ON pe.person_id = b.person_id
ORDER BY b.person_id, b.day
