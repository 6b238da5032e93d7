-- missed_meeting_time (ref event_id): a calendar event with external attendees (> 0), not
-- cancelled, of a person, on a day (the start's local date in firm.timezone, default UTC) on or
-- before $as_of, on which that person has no time entry at all.
WITH firm_cfg AS (
    SELECT coalesce(nullif(trim(max(timezone)), ''), 'UTC') AS tz FROM firm
),
events AS (
    SELECT ev.*, CAST(timezone(f.tz, ev.start) AS DATE) AS day, f.tz
    FROM calendar_events ev CROSS JOIN firm_cfg f
    WHERE coalesce(ev.external_attendees, 0) > 0
      AND coalesce(lower(trim(ev.status)), '') NOT IN ('cancelled', 'canceled')
      AND ev.person_id IS NOT NULL AND ev.start IS NOT NULL
)
SELECT
    ev.event_id AS ref,
    NULL::DECIMAL(18,2) AS value,
    NULL::VARCHAR AS currency,
    NULL::VARCHAR AS project_id,
    strftime(ev.day, '%Y-%m') AS period,
    coalesce(pe.name, ev.person_id) || ' had "' || coalesce(ev.title, ev.event_id) || '" with '
        || CAST(ev.external_attendees AS VARCHAR) || ' external attendee(s) on '
        || strftime(ev.day, '%Y-%m-%d') || ' but logged no time that day' AS detail,
    to_json({'event_id': ev.event_id, 'person_id': ev.person_id, 'person': pe.name,
             'title': ev.title, 'start': ev.start, 'end': ev."end", 'date': ev.day,
             'hours': round(date_diff('minute', ev.start, ev."end") / 60, 2),
             'external_attendees': ev.external_attendees, 'client_id': ev.client_id}) AS evidence,
    'ask the person to log the meeting time (billable to the client if it was client work)' AS suggested_action
FROM events ev
LEFT JOIN people pe ON pe.person_id = ev.person_id
WHERE ev.day <= $as_of
  AND NOT EXISTS (
      SELECT 1 FROM effective_time_entries e
      WHERE e.person_id = ev.person_id AND e.date = ev.day
  )
