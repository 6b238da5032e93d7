-- last_timesheet_deadline: the most recent weekly timesheet deadline at or before $now, as a
-- local time of the firm (firm.timesheet_deadline 'mon 12:00' in firm.timezone, read as the
-- compliance KPI reads them: timesheet_cfg.sql). Every week's deadline falls on
-- that weekday and time, so compliance read at two moments can differ only when this value
-- differs between them.
WITH
@include timesheet_cfg,
local_now AS (
    SELECT timezone(tz, CAST($now AS TIMESTAMPTZ)) AS t, dl_dow, dl_time FROM cfg
),
candidate AS (
    SELECT t, CAST(t AS DATE) - CAST((isodow(t) - dl_dow + 7) % 7 AS INTEGER)
              + CAST(dl_time || ':00' AS TIME) AS deadline
    FROM local_now
)
SELECT CASE WHEN deadline <= t THEN deadline ELSE deadline - INTERVAL 7 DAY END
FROM candidate
