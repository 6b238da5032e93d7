-- candidates: one row per (target entry, SOW line) the entry may belong to. A target with a
-- project keeps that project's lines; otherwise the projects active for the person around the
-- date (labelled time from 30 days before its first to $reach days after its last entry
-- there, up to $as_of) and every internal project, all within the project's own dates. The
-- naive Bayes model uses 60 days; the linear model 240, weighing how recent the staffing is.
WITH spans AS (
    SELECT person_id, project_id, min(date) - INTERVAL 30 DAY AS from_date,
           max(date) + to_days(CAST($reach AS INTEGER)) AS to_date
    FROM effective_time_entries
    WHERE project_id IS NOT NULL AND date <= $as_of
    GROUP BY person_id, project_id
),
projects_open AS (
    SELECT DISTINCT project_id, start_date, end_date, is_internal FROM classify_catalog
),
by_person AS (
    SELECT t.entry_id, s.project_id
    FROM classify_targets t
    JOIN spans s ON s.person_id = t.person_id AND t.date BETWEEN s.from_date AND s.to_date
    WHERE t.project_id IS NULL
    UNION
    SELECT t.entry_id, p.project_id
    FROM classify_targets t, projects_open p
    WHERE t.project_id IS NULL AND p.is_internal
    UNION
    SELECT t.entry_id, t.project_id FROM classify_targets t WHERE t.project_id IS NOT NULL
),
final AS (
    SELECT b.entry_id, c.sow_line_id, c.project_id
    FROM by_person b
    JOIN classify_catalog c ON c.project_id = b.project_id
    JOIN classify_targets t ON t.entry_id = b.entry_id
    WHERE t.project_id IS NOT NULL
       OR (t.date >= coalesce(c.start_date, t.date) AND t.date <= coalesce(c.end_date, t.date))
)
SELECT * FROM final ORDER BY entry_id, sow_line_id
