-- review history: one row per (project, word) and per word firm-wide, over the noted entries
-- of client projects dated in [$since, $as_of] (as effective_time_entries shows them): in how
-- many entries the word appears and how many of those were billed (the entry's billable flag,
-- else its SOW line's, else billable). Words are the local review's (rules/llm_review/text.py):
-- lower-case [a-z0-9]+ tokens, stop words ($stop), digits and one-letter words dropped, cut to
-- their first five letters; a word counts once per entry. `project_id` is NULL on the
-- firm-wide rows. The rows with the empty word '' count the project's noted entries (and
-- the firm's): how much history a project has.
WITH hist AS (
    SELECT e.entry_id, e.project_id, coalesce(e.billable, s.billable, true) AS billed,
           lower(e.notes) AS note
    FROM effective_time_entries e
    JOIN projects p ON p.project_id = e.project_id
    LEFT JOIN clients c ON c.client_id = p.client_id
    LEFT JOIN sow_lines s ON s.sow_line_id = e.sow_line_id
    WHERE e.date BETWEEN $since AND $as_of
      AND p.client_id IS NOT NULL AND coalesce(c.status, '') <> 'internal'
      AND nullif(trim(e.notes), '') IS NOT NULL
),
tokens AS (
    SELECT entry_id, project_id, billed, unnest(regexp_extract_all(note, '[a-z0-9]+')) AS word
    FROM hist
),
words AS (
    SELECT DISTINCT entry_id, project_id, billed, left(word, 5) AS stem
    FROM tokens
    WHERE length(word) > 1 AND NOT regexp_full_match(word, '[0-9]+')
      AND NOT list_contains($stop, word)
),
final AS (
    SELECT project_id, stem, count(*) AS entries, count(*) FILTER (WHERE billed) AS billed_entries
    FROM words
    GROUP BY GROUPING SETS ((project_id, stem), (stem))
    UNION ALL
    SELECT project_id, '' AS stem, count(*), count(*) FILTER (WHERE billed)
    FROM hist
    GROUP BY GROUPING SETS ((project_id), ())
)
SELECT * FROM final
