-- firm_timezone: the firm's time zone (firm.yaml), in which deadlines and submissions are
-- shown; UTC when the firm has not set one (as compliance.sql assumes).
SELECT coalesce(any_value(timezone), 'UTC') AS tz FROM firm
