-- Schema version 8: API sync (etl/sync), its webhook queue and the scheduled jobs (jobs/).

-- where each (source, entity) pull stopped: written in the transaction that loads the rows it
-- covers, so a failed run leaves both the rows and the cursor as they were
CREATE TABLE sync_cursors (
    source VARCHAR NOT NULL,          -- harvest, toggl, clockify, tempo, quickbooks, xero, ...
    entity VARCHAR NOT NULL,          -- the source's resource (time_entries, worklogs, ...)
    cursor VARCHAR NOT NULL,          -- opaque to the core: a timestamp, an id, a token
    load_id BIGINT,                   -- the load that moved it
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, entity)
);

-- one row per record a source reported deleted upstream (never silently kept)
CREATE TABLE sync_deletions (
    entity VARCHAR NOT NULL,          -- canonical entity (time_entries)
    record_id VARCHAR NOT NULL,       -- canonical id (entry_id)
    source VARCHAR NOT NULL,
    source_id VARCHAR,                -- the id upstream
    deleted_upstream_at TIMESTAMPTZ,  -- when the source says it was deleted, if it says
    action VARCHAR NOT NULL,          -- removed (unbilled: out of staging, last version in
                                      -- entity_history) | kept_billed (billed: an exception)
    load_id BIGINT NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entity, record_id)
);

-- syncs asked for by a webhook (or by hand); the next `etl sync` / `jobs` run handles them
CREATE SEQUENCE sync_request_id_seq START 1;
CREATE TABLE sync_requests (
    request_id BIGINT PRIMARY KEY,
    source VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,          -- e.g. "clockify webhook NEW_TIME_ENTRY"
    received_at TIMESTAMPTZ NOT NULL,
    handled_at TIMESTAMPTZ,
    handled_by_load BIGINT
);

-- one row per scheduled job and slot (the 15-minute window, the day, the month): a second
-- run of the same slot finds its row and does nothing
CREATE TABLE job_runs (
    job VARCHAR NOT NULL,
    slot VARCHAR NOT NULL,            -- e.g. 2026-03-16T09:15, 2026-03-16, 2026-03
    status VARCHAR NOT NULL,          -- running | ok | failed | skipped
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    message VARCHAR,                  -- the outcome in one line
    PRIMARY KEY (job, slot)
);
