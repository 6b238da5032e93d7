-- mart_entry_rates: the rate card's answer (DATA_CONTRACT billing rule 2) for every time entry on
-- a project with a contract workstream: the rows of the entry's contract that cover its date at
-- the most specific matching level (person+project > role+project > person > role > project >
-- contract default), how many there were, and the rate when exactly one (NULL when missing or
-- ambiguous). The value "at rate card" of the metrics is hours x this rate, in the contract's
-- currency. mart_entry_rates_between(first_day, last_day) answers for the entries dated in
-- that range only (resolving the card for 1.5 M entries to read one month costs a second).
CREATE OR REPLACE MACRO mart_entry_rates_between(first_day, last_day) AS TABLE
WITH entries AS (
    SELECT e.entry_id, e.person_id, pe.role, e.project_id, e.date, e.hours,
           ws.contract_id, ws.billing, k.currency
    FROM effective_time_entries e
    JOIN (SELECT * FROM contract_workstreams  -- one workstream per project, as billing reads it
          QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY contract_id) = 1) ws
      ON ws.project_id = e.project_id
    LEFT JOIN contracts k ON k.contract_id = ws.contract_id
    LEFT JOIN people pe ON pe.person_id = e.person_id
    WHERE e.date BETWEEN first_day AND last_day
),
rate_candidates AS (
    SELECT e.entry_id, r.rate,
        CASE WHEN r.person_id IS NOT NULL AND r.project_id IS NOT NULL THEN 6
             WHEN r.role IS NOT NULL AND r.project_id IS NOT NULL THEN 5
             WHEN r.person_id IS NOT NULL THEN 4
             WHEN r.role IS NOT NULL THEN 3
             WHEN r.project_id IS NOT NULL THEN 2
             ELSE 1 END AS level
    FROM entries e
    JOIN rates r
      ON r.contract_id = e.contract_id
     AND e.date >= r.effective_from
     AND (r.effective_to IS NULL OR e.date <= r.effective_to)
     AND (r.person_id IS NULL OR r.person_id = e.person_id)
     AND (r.role IS NULL OR r.role = e.role)
     AND (r.project_id IS NULL OR r.project_id = e.project_id)
),
per_level AS (
    SELECT entry_id, level, count(*) AS rate_rows, min(rate) AS rate
    FROM rate_candidates GROUP BY entry_id, level
),
best AS (  -- the most specific level that matched decides, even when it is ambiguous
    SELECT entry_id, arg_max(rate_rows, level) AS rate_rows, arg_max(rate, level) AS rate
    FROM per_level GROUP BY entry_id
)
SELECT e.entry_id, e.contract_id, e.billing, e.currency,
       coalesce(b.rate_rows, 0) AS rate_rows,
       CASE WHEN b.rate_rows = 1 THEN b.rate END AS rate
FROM entries e LEFT JOIN best b USING (entry_id);

CREATE OR REPLACE VIEW mart_entry_rates AS
SELECT * FROM mart_entry_rates_between(DATE '0001-01-01', DATE '9999-12-31')
