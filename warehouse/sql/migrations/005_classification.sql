-- Schema version 5: the classification cascade (rules/classify/). Its runs with their token and
-- cost accounting, every suggestion with the input it saw and who accepted it, and the cache of
-- LLM answers that keeps a re-run from paying twice.

CREATE SEQUENCE classify_run_seq START 1;

-- one row per `rules classify` run
CREATE TABLE classify_runs (
    run_id BIGINT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    actor VARCHAR NOT NULL,
    llm_mode VARCHAR NOT NULL,            -- off | auto | on
    llm_used BOOLEAN NOT NULL DEFAULT false,
    model VARCHAR,
    training_digest VARCHAR,              -- digest of the approved history the model learnt from
    entries INTEGER NOT NULL DEFAULT 0,
    expenses INTEGER NOT NULL DEFAULT 0,
    llm_calls INTEGER NOT NULL DEFAULT 0,
    llm_cache_hits INTEGER NOT NULL DEFAULT 0,
    llm_errors INTEGER NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    cache_creation_input_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_input_tokens BIGINT NOT NULL DEFAULT 0,
    cost_usd DECIMAL(18,6) NOT NULL DEFAULT 0,
    auto_applied INTEGER NOT NULL DEFAULT 0
);

CREATE SEQUENCE classify_suggestion_seq START 1;

-- one row per suggestion (per run, object); the latest one of an object is the current one
CREATE TABLE classify_suggestions (
    suggestion_id BIGINT PRIMARY KEY,
    run_id BIGINT NOT NULL,
    object_type VARCHAR NOT NULL,         -- time_entry | expense
    object_id VARCHAR NOT NULL,
    project_id VARCHAR,
    sow_line_id VARCHAR,
    billable BOOLEAN,
    work_type VARCHAR,
    splits JSON,                          -- expenses: [{"project_id", "share"}]
    confidence DOUBLE NOT NULL,           -- calibrated probability, not money
    method VARCHAR NOT NULL,              -- ticket_key | single_project | vendor_rule | split_rule | local_model | sow_description | llm | sow_line_defaults
    model VARCHAR,                        -- model name and training digest, or the LLM model
    prompt_version VARCHAR,
    input JSON NOT NULL,                  -- what the method saw: notes, person, date, candidates
    rationale VARCHAR,
    status VARCHAR NOT NULL,              -- open | accepted | applied | rejected | undone
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR,                   -- who accepted it ('classify (auto)' when auto-applied)
    audit_id BIGINT                       -- the audit row of the overrides it wrote
);

-- one row per distinct LLM question (model, prompt version, candidates, entry)
CREATE TABLE llm_cache (
    cache_key VARCHAR PRIMARY KEY,
    model VARCHAR NOT NULL,
    prompt_version VARCHAR NOT NULL,
    response JSON NOT NULL,               -- the tool input the model answered with
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
