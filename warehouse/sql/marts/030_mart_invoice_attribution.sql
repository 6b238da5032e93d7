-- mart_invoice_attribution: one row per (time entry, invoice): the part of the invoice's fee
-- lines that bills the entry, and the entry's hours and value at rate card. Realization and
-- the effective bill rate read it (metrics/sql/kpi/realization_parts.sql); so can accounting.
-- Amounts are in their own currencies (the KPI queries convert, docs/metrics.md).
--
-- Invoices: neither void, draft nor credit memos (a credit memo is a write-off, collection's
-- side). Fee lines: every kind but expense, late_fee, credit and tax (an empty kind is time).
-- Each fee line goes to the work it bills, the first rule that finds some:
--   1. the time entries its entry_ids name (our milestone and fixed-fee lines name the
--      milestone or project instead: rules 2 and 3 find their work);
--   2. else the invoice's work by id (entries some line of it names, or whose
--      time_entries.invoice_id is the invoice), narrowed to the line's project and person
--      when it names them and some of that work matches (a discount line with neither spreads
--      over all of it); a line naming a project none of that work is on goes to rule 3 (a
--      milestone of one project on an invoice whose T&M lines name another's entries);
--   3. else (no work by id, or none on the line's project): the billable entries of the line's project
--      (a line naming none: those of the invoice's other lines, else of the client's projects)
--      dated in the invoice's service period (period_start..period_end; without one, the
--      calendar month before the issue date), narrowed to the line's person when named and
--      matching, leaving out entries that some invoice bills by id. A fixed_fee line takes all
--      of the project's work up to the end of its service period (a fee billed on completion
--      covers the whole project; billed in advance, its service period is the project's term).
--      A milestone line takes the project's work after the previous milestone line of the
--      project up to the end of its milestone: the completion (else acceptance, else due) date
--      of the milestones linked to the invoice (milestones.invoice_id), else the service
--      period's end, else the issue date. (The period a milestone is billed in is when it was
--      accepted, not when its work was done: its fee spread over that month's work alone would
--      read as 300% realization there and nothing in the months that earned it.)
-- A line is split over its entries pro rata to value at rate card (by hours when one of them
-- has no single card rate; equally when they have no hours).
--
-- Columns: entry_id, invoice_id, invoice_number, issue_date, currency (the invoice's),
-- billed_value (invoice currency; negative when only a discount of the invoice reaches the
-- entry), hours and standard_value (carried by the entry's first invoice row only, 0 on later
-- ones, so sums never count an entry twice), standard_currency, standard_fx_date (the date to
-- convert standard_value at) and standard_basis:
--   rate_card: hours x the card's single rate (mart_entry_rates), at the work date;
--   billed:    the entry has no single card rate (missing, ambiguous, or no contract), so its
--              billed value on each invoice stands as its standard value (realization 100%
--              on it, never billed without a standard), at the issue date.
-- The billed value split by the kind of line it came from: time_value (time and rush lines:
-- the hours billed), adjustment_value (discount and cap_adjustment lines, an invoice-level
-- discount of an imported invoice included), unnamed_time_value (time, rush, discount and
-- cap_adjustment lines naming no project: the contract cap splits them over the projects of
-- their work), and billed_as_time (a time, rush or overage line reaches the entry: the entry is
-- billed, so no draft bills it again and it is not unbilled time; a retainer or fixed fee line
-- alone does not bill the hours beyond the fee).
-- mart_invoice_attribution_between(first_day, last_day) gives the rows of the entries dated
-- in that range (their lines still split over all of their work, in the range or not); the
-- view gives every row. Reading one month of 1.5 M entries this way costs a fraction of the
-- whole: only the invoices issued (or whose service period ends) on or after first_day, and
-- only the lines billing some entry of the range, are priced at the rate card.
CREATE OR REPLACE MACRO mart_invoice_attribution_between(first_day, last_day) AS TABLE
WITH billed_invoices AS (
    SELECT invoice_id, client_id, currency, issue_date,
           coalesce(number, invoice_id) AS invoice_number,
           coalesce(period_start, CAST(date_trunc('month', issue_date) - INTERVAL 1 MONTH AS DATE)) AS window_start,
           coalesce(period_end, CAST(date_trunc('month', issue_date) - INTERVAL 1 DAY AS DATE)) AS window_end,
           period_start IS NULL AND period_end IS NULL AS has_no_period
    FROM invoices
    WHERE coalesce(status, 'sent') NOT IN ('void', 'draft')
      AND coalesce(kind, 'invoice') <> 'credit_memo'
      AND greatest(issue_date, coalesce(period_end, issue_date)) >= first_day
),
milestone_lines AS (  -- every billed milestone line that names its project
    SELECT l.invoice_id, l.line_no, l.project_id, i.period_end, i.issue_date,
           list_transform(string_split(coalesce(l.entry_ids, ''), ';'), lambda x: trim(x)) AS refs
    FROM invoice_lines l
    JOIN invoices i USING (invoice_id)
    WHERE coalesce(l.kind, 'time') = 'milestone' AND l.project_id IS NOT NULL
      AND coalesce(i.status, 'sent') NOT IN ('void', 'draft')
      AND coalesce(i.kind, 'invoice') <> 'credit_memo'
),
milestone_ends AS (  -- where each one's work ends: its milestones' (named by the line, as our
                     -- drafts do, or linked by milestones.invoice_id), else the service period
    SELECT l.invoice_id, l.line_no, l.project_id,
           coalesce(max(coalesce(ms.completed_on, ms.accepted_on, ms.due_date)),
                    any_value(l.period_end), any_value(l.issue_date)) AS work_end
    FROM milestone_lines l
    LEFT JOIN milestones ms
        ON ms.project_id = l.project_id
       AND (ms.invoice_id = l.invoice_id OR list_contains(l.refs, ms.milestone_id))
    GROUP BY l.invoice_id, l.line_no, l.project_id
),
milestone_windows AS (  -- (work_after, work_end]: after the project's previous milestone
    SELECT m.invoice_id, m.line_no, m.work_end,
           (SELECT max(p.work_end) FROM milestone_ends p
            WHERE p.project_id = m.project_id AND p.work_end < m.work_end) AS work_after
    FROM milestone_ends m
),
fee_lines AS (
    SELECT l.invoice_id, l.line_no, l.amount,
           coalesce(nullif(trim(l.kind), ''), 'time') AS kind, l.project_id, l.person_id,
           list_filter(list_transform(string_split(coalesce(l.entry_ids, ''), ';'),
                                      lambda x: trim(x)), lambda x: x <> '') AS ids
    FROM invoice_lines l JOIN billed_invoices USING (invoice_id)
    WHERE coalesce(nullif(trim(l.kind), ''), 'time') NOT IN ('expense', 'late_fee', 'credit', 'tax')
),
named AS (  -- rule 1 (ids that are no time entry, such as the milestone or project our
            -- own milestone and fixed-fee lines name, leave the line to rules 2 and 3)
    SELECT invoice_id, line_no, entry_id
    FROM (SELECT invoice_id, line_no, unnest(ids) AS entry_id FROM fee_lines WHERE len(ids) > 0)
    WHERE entry_id IN (SELECT entry_id FROM mart_time_entries)
),
named_lines AS (
    SELECT DISTINCT invoice_id, line_no FROM named
),
work AS (  -- the entries these invoices may bill, read once: linked or named by them, dated
            -- from the earliest service period on, or on a fee project billed without one
    SELECT entry_id, person_id, project_id, client_id, date, hours, is_billable, invoice_id
    FROM mart_time_entries
    WHERE date >= (SELECT min(window_start) FROM billed_invoices)
       OR invoice_id IN (SELECT invoice_id FROM billed_invoices)
       OR entry_id IN (SELECT entry_id FROM named)
       OR project_id IN (SELECT l.project_id FROM fee_lines l
                         WHERE l.kind IN ('fixed_fee', 'milestone'))
),
by_id AS (  -- every invoice's work by id: named by a line, or linked by time_entries.invoice_id
    SELECT DISTINCT invoice_id, entry_id FROM (
        SELECT invoice_id, entry_id FROM named
        UNION ALL
        SELECT e.invoice_id, e.entry_id
        FROM work e JOIN billed_invoices USING (invoice_id)
    )
),
project_in_work_by_id AS (  -- lines whose project some of their invoice's work by id is on
    SELECT DISTINCT l.invoice_id, l.line_no
    FROM fee_lines l
    JOIN by_id w USING (invoice_id)
    JOIN work m ON m.entry_id = w.entry_id AND m.project_id = l.project_id
),
unnamed_lines AS (
    SELECT l.*, i.client_id, i.issue_date, i.window_start, i.window_end, i.has_no_period,
           mw.work_after, mw.work_end,
           l.invoice_id IN (SELECT invoice_id FROM by_id)
           AND (l.project_id IS NULL OR pw.line_no IS NOT NULL) AS has_work_by_id
    FROM fee_lines l
    JOIN billed_invoices i USING (invoice_id)
    LEFT JOIN milestone_windows mw USING (invoice_id, line_no)
    LEFT JOIN project_in_work_by_id pw USING (invoice_id, line_no)
    LEFT JOIN named_lines nl USING (invoice_id, line_no)
    WHERE nl.line_no IS NULL
),
named_anywhere AS (  -- rule 3 leaves out what any non-void invoice of those clients names
    SELECT DISTINCT unnest(list_filter(list_transform(string_split(l.entry_ids, ';'),
                                                      lambda x: trim(x)), lambda x: x <> '')) AS entry_id
    FROM invoice_lines l JOIN invoices i USING (invoice_id)
    WHERE coalesce(i.status, 'sent') <> 'void' AND coalesce(l.entry_ids, '') <> ''
      AND i.client_id IN (SELECT client_id FROM unnamed_lines WHERE NOT has_work_by_id)
),
void_invoices AS (
    SELECT invoice_id FROM invoices WHERE status = 'void'
),
rule2 AS (
    SELECT l.invoice_id, l.line_no, w.entry_id,
           (l.project_id IS NULL OR m.project_id = l.project_id)
           AND (l.person_id IS NULL OR m.person_id = l.person_id) AS matches
    FROM unnamed_lines l
    JOIN by_id w USING (invoice_id)
    JOIN work m ON m.entry_id = w.entry_id
    WHERE l.has_work_by_id
),
rule3_project_lines AS (
    SELECT l.invoice_id, l.line_no, m.entry_id,
           l.person_id IS NULL OR m.person_id = l.person_id AS matches
    FROM unnamed_lines l
    JOIN work m ON m.project_id = l.project_id AND m.is_billable
    WHERE NOT l.has_work_by_id AND l.project_id IS NOT NULL
      AND (CASE WHEN l.kind = 'fixed_fee'  -- the fee covers the project's work to date
                THEN m.date <= CASE WHEN l.has_no_period THEN l.issue_date ELSE l.window_end END
                WHEN l.kind = 'milestone'
                THEN m.date <= l.work_end AND (l.work_after IS NULL OR m.date > l.work_after)
                ELSE m.date BETWEEN l.window_start AND l.window_end END)
      AND (m.invoice_id IS NULL OR m.invoice_id IN (SELECT invoice_id FROM void_invoices))
      AND m.entry_id NOT IN (SELECT entry_id FROM named_anywhere)
),
narrowed_by_project AS (  -- rules 2 and 3: the matching work when some matches, else all
    SELECT invoice_id, line_no, entry_id
    FROM (SELECT * FROM rule2 UNION ALL SELECT * FROM rule3_project_lines)
    QUALIFY matches OR NOT bool_or(matches) OVER (PARTITION BY invoice_id, line_no)
),
rule3_invoice_lines AS (  -- lines naming no project: the other lines' work, else the client's
    SELECT l.invoice_id, l.line_no, c.entry_id,
           l.person_id IS NULL OR m.person_id = l.person_id AS matches
    FROM unnamed_lines l
    JOIN (SELECT DISTINCT p.invoice_id, p.entry_id FROM narrowed_by_project p
          JOIN rule3_project_lines r USING (invoice_id, line_no, entry_id)) c USING (invoice_id)
    JOIN work m ON m.entry_id = c.entry_id
    WHERE NOT l.has_work_by_id AND l.project_id IS NULL
    UNION ALL
    SELECT l.invoice_id, l.line_no, m.entry_id,
           l.person_id IS NULL OR m.person_id = l.person_id AS matches
    FROM unnamed_lines l
    JOIN work m ON m.client_id = l.client_id AND m.is_billable
    WHERE NOT l.has_work_by_id AND l.project_id IS NULL
      AND l.invoice_id NOT IN (SELECT invoice_id FROM rule3_project_lines)
      AND m.date BETWEEN l.window_start AND l.window_end
      AND (m.invoice_id IS NULL OR m.invoice_id IN (SELECT invoice_id FROM void_invoices))
      AND m.entry_id NOT IN (SELECT entry_id FROM named_anywhere)
),
narrowed AS (
    SELECT * FROM narrowed_by_project
    UNION ALL
    SELECT invoice_id, line_no, entry_id FROM rule3_invoice_lines
    QUALIFY matches OR NOT bool_or(matches) OVER (PARTITION BY invoice_id, line_no)
),
line_entries AS (
    SELECT DISTINCT invoice_id, line_no, entry_id
    FROM (SELECT * FROM named UNION ALL SELECT * FROM narrowed)
),
relevant_lines AS (  -- lines billing some entry dated in the range: only they are answered
    SELECT DISTINCT le.invoice_id, le.line_no
    FROM line_entries le JOIN work e USING (entry_id)
    WHERE e.date BETWEEN first_day AND last_day
),
relevant_entries AS (
    SELECT le.invoice_id, le.line_no, le.entry_id, e.date, e.hours
    FROM line_entries le
    JOIN relevant_lines USING (invoice_id, line_no)
    JOIN work e USING (entry_id)
),
entry_cards AS (  -- the card's answer for every entry a relevant line bills
    SELECT * FROM mart_entry_rates_between(
        (SELECT min(date) FROM relevant_entries), (SELECT max(date) FROM relevant_entries))
    WHERE entry_id IN (SELECT entry_id FROM relevant_entries)
),
weighted AS (
    SELECT le.invoice_id, le.line_no, le.entry_id, le.date, le.hours, c.rate,
           c.currency AS rate_currency, CAST(le.hours * c.rate AS DECIMAL(38, 10)) AS card_value
    FROM relevant_entries le
    LEFT JOIN entry_cards c USING (entry_id)
),
weights AS (  -- integers (value in 1e-10, hours in 1e-4), so every split below is exact
    SELECT invoice_id, line_no, entry_id,
           CASE WHEN count(*) FILTER (WHERE rate IS NULL) OVER line = 0
                     AND sum(card_value) OVER line <> 0
                THEN CAST(CAST(card_value AS DECIMAL(38, 10)) * 10000000000 AS HUGEINT)
                WHEN sum(hours) OVER line > 0 THEN CAST(CAST(hours AS DECIMAL(38, 4)) * 10000 AS HUGEINT)
                ELSE CAST(1 AS HUGEINT) END AS weight
    FROM weighted
    WINDOW line AS (PARTITION BY invoice_id, line_no)
),
shares AS (  -- the entry's share of its line to 12 places (truncated; see line_parts)
    SELECT invoice_id, line_no, entry_id,
           CAST(CAST(weight * CAST(1000000000000 AS HUGEINT) // sum(weight) OVER (PARTITION BY invoice_id, line_no)
                     AS DECIMAL(13, 0)) * CAST(0.000000000001 AS DECIMAL(13, 12))
                AS DECIMAL(13, 12)) AS share
    FROM weights
),
line_parts AS (  -- the line's last entry (by id) takes the remainder: a line adds up exactly
    SELECT s.entry_id, s.invoice_id, l.kind, l.project_id AS line_project_id,
           CAST(l.amount AS DECIMAL(38, 4)) * s.share AS part,
           CAST(l.amount AS DECIMAL(38, 4))
             - sum(CAST(l.amount AS DECIMAL(38, 4)) * s.share) OVER line AS remainder,
           row_number() OVER (line ORDER BY s.entry_id DESC) = 1 AS takes_remainder
    FROM shares s JOIN fee_lines l USING (invoice_id, line_no)
    WINDOW line AS (PARTITION BY s.invoice_id, s.line_no)
),
line_values AS (
    SELECT entry_id, invoice_id, kind, line_project_id,
           part + CASE WHEN takes_remainder THEN remainder ELSE 0 END AS value
    FROM line_parts
),
billed AS (
    SELECT entry_id, invoice_id,
           CAST(sum(value) AS DECIMAL(38, 16)) AS billed_value,
           CAST(coalesce(sum(value) FILTER (WHERE kind IN ('time', 'rush')), 0)
                AS DECIMAL(38, 16)) AS time_value,
           CAST(coalesce(sum(value) FILTER (WHERE kind IN ('discount', 'cap_adjustment')), 0)
                AS DECIMAL(38, 16)) AS adjustment_value,
           CAST(coalesce(sum(value) FILTER (WHERE kind IN ('time', 'rush', 'discount', 'cap_adjustment')
                                             AND nullif(trim(line_project_id), '') IS NULL), 0)
                AS DECIMAL(38, 16)) AS unnamed_time_value,
           bool_or(kind IN ('time', 'rush', 'overage')) AS billed_as_time
    FROM line_values
    GROUP BY entry_id, invoice_id
),
ordered AS (
    SELECT b.*, i.invoice_number, i.issue_date, i.currency,
           row_number() OVER (PARTITION BY b.entry_id ORDER BY i.issue_date, b.invoice_id) = 1 AS is_first
    FROM billed b JOIN billed_invoices i USING (invoice_id)
),
final AS (
    SELECT o.entry_id, o.invoice_id, o.invoice_number, o.issue_date, o.currency,
           CAST(o.billed_value AS DECIMAL(38, 10)) AS billed_value,
           CAST(o.time_value AS DECIMAL(38, 10)) AS time_value,
           CAST(o.adjustment_value AS DECIMAL(38, 10)) AS adjustment_value,
           CAST(o.unnamed_time_value AS DECIMAL(38, 10)) AS unnamed_time_value,
           o.billed_as_time,
           CAST(CASE WHEN o.is_first THEN e.hours ELSE 0 END AS DECIMAL(12, 4)) AS hours,
           CAST(CASE WHEN c.rate IS NULL THEN o.billed_value
                     WHEN o.is_first THEN e.hours * c.rate
                     ELSE 0 END AS DECIMAL(38, 10)) AS standard_value,
           CASE WHEN c.rate IS NULL THEN o.currency ELSE c.currency END AS standard_currency,
           CASE WHEN c.rate IS NULL THEN o.issue_date ELSE e.date END AS standard_fx_date,
           CASE WHEN c.rate IS NULL THEN 'billed' ELSE 'rate_card' END AS standard_basis,
           o.is_first
    FROM ordered o
    JOIN work e USING (entry_id)
    LEFT JOIN entry_cards c USING (entry_id)
    WHERE e.date BETWEEN first_day AND last_day
)
SELECT * FROM final;

CREATE OR REPLACE VIEW mart_invoice_attribution AS
SELECT * FROM mart_invoice_attribution_between(DATE '0001-01-01', DATE '9999-12-31')
