-- person_lines: one row per (person, SOW line) with the person's approved entries on it
-- in the 120 days before $before: the prior that says which of a person's projects a vague note is about.
SELECT e.person_id, e.sow_line_id, count(*) AS n
FROM effective_time_entries e
WHERE e.approved_at IS NOT NULL AND e.sow_line_id IS NOT NULL AND e.date < $before
  AND e.date >= $before - INTERVAL 120 DAY
GROUP BY ALL
