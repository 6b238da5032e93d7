-- review milestones: every milestone with its status and the date it was marked done
-- (completed_on, else accepted_on) — the deliverables notes are checked against.
SELECT m.milestone_id, m.project_id, m.name, coalesce(lower(trim(m.status)), 'planned') AS status,
       m.due_date, coalesce(m.completed_on, m.accepted_on) AS done_on
FROM milestones m
ORDER BY m.project_id, m.milestone_id
