-- billed_time_by_project: the time value already invoiced on each project, which a contract-scope cap
-- counts (DATA_CONTRACT rule 4), for every project at once (one read of the
-- invoices and of the entries behind lines naming no project, instead of one per project).
-- Same definitions: invoices not void, billing a month up to and including $period_start's;
-- lines of the time-value kinds; a line naming its project counts whole, a line naming none is
-- split over the projects of the work it bills, by hours. One row per project with any.
-- Parameters: $period_start (the drafted period's first day), $any_unnamed (ANY_UNNAMED_SQL).
WITH inv AS (
    SELECT invoice_id,
           CAST(date_trunc('month', coalesce(period_end, period_start,
                                             issue_date - INTERVAL 1 MONTH)) AS DATE) AS billed_month
    FROM invoices
    WHERE coalesce(status, 'sent') <> 'void'
),
lines AS (
    SELECT l.invoice_id, l.line_no, l.amount, nullif(trim(l.project_id), '') AS project_id,
           list_filter(list_transform(string_split(coalesce(l.entry_ids, ''), ';'),
                                      lambda x: trim(x)), lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN inv i USING (invoice_id)
    WHERE coalesce(nullif(trim(l.kind), ''), 'time') IN ('time', 'rush', 'discount', 'cap_adjustment')
      AND i.billed_month <= $period_start
),
named AS (
    SELECT project_id, coalesce(sum(amount), 0) AS amount
    FROM lines WHERE project_id IS NOT NULL GROUP BY project_id
),
unnamed_lines AS (  -- $any_unnamed false (no such line anywhere): the entries are not read
    SELECT * FROM lines WHERE project_id IS NULL AND $any_unnamed
),
unnamed_work AS (  -- the entries behind each line that names no project
    SELECT l.invoice_id, l.line_no, l.amount, e.project_id, e.hours
    FROM unnamed_lines l JOIN time_entries e
      ON len(l.ids) = 0 AND e.invoice_id = l.invoice_id
    UNION ALL
    SELECT l.invoice_id, l.line_no, l.amount, e.project_id, e.hours
    FROM (SELECT invoice_id, line_no, amount, unnest(ids) AS entry_id
          FROM (SELECT DISTINCT invoice_id, line_no, amount, list_distinct(ids) AS ids
                FROM unnamed_lines WHERE len(ids) > 0)) l
    JOIN time_entries e ON e.entry_id = l.entry_id
),
per_line AS (
    SELECT invoice_id, line_no, amount, project_id, sum(hours) AS project_hours,
           sum(sum(hours)) OVER (PARTITION BY invoice_id, line_no, amount) AS line_hours
    FROM unnamed_work GROUP BY invoice_id, line_no, amount, project_id
),
shares AS (
    SELECT project_id,
           sum(CAST(amount AS DECIMAL(38, 10)) * project_hours / nullif(line_hours, 0)) AS amount
    FROM per_line WHERE project_id IS NOT NULL GROUP BY project_id
)
SELECT coalesce(n.project_id, s.project_id) AS project_id,
       CAST(coalesce(n.amount, 0) + coalesce(s.amount, 0) AS DECIMAL(18, 2)) AS billed
FROM named n FULL JOIN shares s ON s.project_id = n.project_id
