-- timesheet_cfg (a fragment, included with `@include timesheet_cfg` by compliance.sql and
-- last_timesheet_deadline.sql): the firm's week start (ws, 1 = Monday), its weekly timesheet
-- deadline's weekday (dl_dow) and local time (dl_time, 'HH:MM') from firm.timesheet_deadline
-- ('mon 12:00'), and its time zone; Monday, 12:00 and UTC when the firm row says nothing.
cfg AS (
    SELECT
        coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                               lower(trim(any_value(week_starts)))), 1) AS ws,
        coalesce(list_position(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                               lower(split_part(trim(any_value(timesheet_deadline)), ' ', 1))), 1) AS dl_dow,
        coalesce(nullif(split_part(trim(any_value(timesheet_deadline)), ' ', 2), ''), '12:00') AS dl_time,
        coalesce(any_value(timezone), 'UTC') AS tz
    FROM firm
)
