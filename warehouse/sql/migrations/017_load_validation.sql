-- Schema version 17: great-expectations off the import's critical path (issue 19 item 3).
-- A load commits its rows (SQL checks and quarantine unchanged) with a `pending` row here; the
-- suite runs afterwards on what the load committed (etl/validation.py: a detached
-- `python -m etl validate --load N`, in-process, or a thread of the app) and records its
-- results in validation_results. A failed validation never deletes rows: it shows on the
-- Data health page.
--   status     pending | running | passed | failed
--   claimed_by who runs it (host:pid, or the app's thread): two validators never both run one
--   error      why the suite could not run at all (the status is then failed)
-- Loads committed before this version have no row: their results are in validation_results.
CREATE TABLE load_validation (
    load_id BIGINT PRIMARY KEY,
    status VARCHAR NOT NULL,
    entities INTEGER,                -- entities validated
    rows_checked BIGINT,             -- rows the suite saw (a sample of a large load)
    expectations INTEGER,            -- expectations evaluated
    failed_expectations INTEGER,
    error VARCHAR,
    claimed_by VARCHAR,
    queued_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);
