-- kpi_person_days (temp table): the shared person_day_capacity day table
-- (warehouse/sql/day_tables: the one definition of DATA_CONTRACT "Capacity") from the firm's
-- first time entry on: the KPIs count capacity from the first day the firm tracked time, not
-- from the start of that week. Utilization divides by `available`, compliance expects it.
CREATE OR REPLACE TEMP TABLE kpi_person_days AS
SELECT * EXCLUDE (week_start)
FROM person_day_capacity
WHERE day >= (SELECT min(date) FROM time_entries)
