-- long_day (ref person_id:date): one person logged strictly more than $long_day_hours on one
-- day, counting every entry (billable or not, any project) dated on or before $as_of.
WITH days AS (
    SELECT person_id, date, sum(hours) AS hours,
           list({'entry_id': entry_id, 'project_id': project_id, 'hours': hours}
                ORDER BY entry_id) AS entries
    FROM effective_time_entries
    WHERE date <= $as_of AND person_id IS NOT NULL
    GROUP BY person_id, date
    HAVING sum(hours) > $long_day_hours
)
SELECT
    d.person_id || ':' || strftime(d.date, '%Y-%m-%d') AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(d.date, '%Y-%m') AS period,
    coalesce(pe.name, d.person_id) || ' logged ' || CAST(d.hours::DECIMAL(12,2) AS VARCHAR)
        || ' h on ' || strftime(d.date, '%Y-%m-%d') || ' (above '
        || CAST($long_day_hours AS VARCHAR) || ' h)' AS detail,
    to_json({'person_id': d.person_id, 'person': pe.name, 'date': d.date,
             'hours': d.hours, 'threshold_hours': $long_day_hours,
             'entries': d.entries}) AS evidence,
    'check the day''s entries with the person: split, correct or confirm the hours' AS suggested_action,
    d.hours::DECIMAL(12,2) AS hours,
    d.date AS event_date,
    d.person_id AS person_id
FROM days d
LEFT JOIN people pe ON pe.person_id = d.person_id
