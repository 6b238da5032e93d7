-- Schema version 6: never bill twice. What a saved draft bills is held by rows of billing_locks,
-- written in the same transaction as the draft; the primary key refuses a second holder, so two
-- sessions saving the same period at the same moment cannot both succeed (a check alone would
-- let both pass). Invoice numbers are claimed in invoice_numbers, unique by its primary key.
-- billing/locks.py writes and reads both; the lock of each line kind is documented there.

-- one row per thing a non-void saved draft bills (columns unused by a lock kind hold '')
CREATE TABLE billing_locks (
    lock_kind VARCHAR NOT NULL,    -- entry | expense | milestone | retainer_fee | fixed_fee | open_draft
    ref VARCHAR NOT NULL,          -- the entry, expense or milestone id
    contract_id VARCHAR NOT NULL,  -- fees and open drafts
    project_id VARCHAR NOT NULL,   -- fees, open drafts (per-project invoices), expense parts
    period VARCHAR NOT NULL,       -- YYYY-MM: retainer fees and open drafts
    draft_id BIGINT NOT NULL,      -- the draft holding it; voiding the draft deletes its rows
    locked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lock_kind, ref, contract_id, project_id, period)
);

-- one row per invoice number given here (approval, late-fee invoices); never deleted, so a
-- voided number is never given again
CREATE TABLE invoice_numbers (
    number VARCHAR PRIMARY KEY,
    draft_id BIGINT,               -- the approved draft, when the number came from one
    claimed_at TIMESTAMPTZ NOT NULL
);

-- Drafts saved before this version: their locks, the first draft winning where the old code
-- had already drafted the same thing twice.
INSERT OR IGNORE INTO billing_locks
WITH lines AS (
    SELECT d.draft_id, d.period, d.contract_id, d.project_id AS draft_project, d.status,
           l.kind, coalesce(l.project_id, '') AS project_id, unnest(l.sources) AS ref
    FROM invoice_draft_lines l JOIN invoice_drafts d USING (draft_id)
    WHERE d.status <> 'void'
),
fees AS (
    SELECT DISTINCT d.draft_id, d.period, d.contract_id, l.kind, coalesce(l.project_id, '') AS project_id
    FROM invoice_draft_lines l JOIN invoice_drafts d USING (draft_id)
    WHERE d.status <> 'void' AND l.kind IN ('retainer_fee', 'fixed_fee')
),
locks AS (
    SELECT 'entry' AS lock_kind, ref, '' AS contract_id, '' AS project_id, '' AS period, draft_id
    FROM lines WHERE kind NOT IN ('expense', 'milestone', 'fixed_fee')
    UNION ALL
    SELECT 'expense', ref, '', project_id, '', draft_id FROM lines WHERE kind = 'expense'
    UNION ALL
    SELECT 'milestone', ref, '', '', '', draft_id FROM lines WHERE kind = 'milestone'
    UNION ALL
    SELECT kind, '', contract_id, project_id, CASE WHEN kind = 'retainer_fee' THEN period ELSE '' END,
           draft_id
    FROM fees
    UNION ALL
    SELECT 'open_draft', '', contract_id, coalesce(project_id, ''), period, draft_id
    FROM invoice_drafts WHERE status = 'draft'
)
SELECT lock_kind, ref, contract_id, project_id, period, draft_id, now()
FROM locks
ORDER BY draft_id;

INSERT OR IGNORE INTO invoice_numbers
SELECT invoice_number, draft_id, coalesce(approved_at, now())
FROM invoice_drafts WHERE invoice_number IS NOT NULL
ORDER BY draft_id;
