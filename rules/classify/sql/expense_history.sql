-- expense_history: one row per approved expense dated on or before ? that was booked to a
-- project or split between projects: the vendors and splits a firm's history teaches.
SELECT lower(trim(coalesce(vendor, ''))) AS vendor, nullif(trim(project_id), '') AS project_id,
       nullif(trim(split), '') AS split, coalesce(billable, true) AS billable
FROM expenses
WHERE approved_at IS NOT NULL AND date <= ? AND trim(coalesce(vendor, '')) <> ''
  AND (nullif(trim(project_id), '') IS NOT NULL OR nullif(trim(split), '') IS NOT NULL)
