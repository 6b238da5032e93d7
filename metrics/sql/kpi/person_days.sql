-- kpi_person_days (temp view): the shared person_day_capacity day table
-- (warehouse/sql/day_tables: the one definition of DATA_CONTRACT "Capacity") from the firm's
-- first time entry on: the KPIs count capacity from the first day the firm tracked time, not
-- from the start of that week. Utilization divides by `available`, compliance expects it. A
-- view, not a copy: copying 300k person-days cost 50 ms of every KPI read at 600 people.
CREATE OR REPLACE TEMP VIEW kpi_person_days AS
SELECT * EXCLUDE (week_start)
FROM person_day_capacity
WHERE day >= (SELECT min(date) FROM time_entries)
