-- locked_sources: one row per id (time entry, expense, milestone, fixed-fee project) held by a
-- saved draft invoice that is not void, so drafting again never bills it twice.
CREATE OR REPLACE VIEW locked_sources AS
SELECT DISTINCT unnest(l.sources) AS source_id, d.draft_id, d.status, d.period
FROM invoice_draft_lines l
JOIN invoice_drafts d USING (draft_id)
WHERE d.status <> 'void'
