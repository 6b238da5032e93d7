-- people_employment: each person's employment (employee unless people.csv says contractor), as
-- kpi_person_days reads it; compliance rows carry no employment, and contractors are reported
-- apart (kpis.md §7: contractors on a separate policy).
SELECT person_id, coalesce(employment, 'employee') AS employment FROM people ORDER BY person_id
