-- Schema version 11: Message Batches the classification step sent and has not yet read back.
-- A large backfill is submitted as a batch and the run goes on with the local suggestions; a
-- later run reads the ended batch, checks each answer against its entry's candidates and puts
-- it in llm_cache, where the entry's next classification finds it (rules/classify/llm.py).

CREATE TABLE llm_batches (
    batch_id VARCHAR PRIMARY KEY,          -- the API's msgbatch_... id
    submitted_at TIMESTAMPTZ NOT NULL,
    model VARCHAR NOT NULL,
    prompt_version VARCHAR NOT NULL,
    requests JSON NOT NULL,                -- [{custom_id, cache_key, entry_id, candidates}]
    status VARCHAR NOT NULL,               -- submitted | collected
    collected_at TIMESTAMPTZ,
    succeeded INTEGER,                     -- answers that passed the checks and were cached
    rejected INTEGER                       -- errored, expired or invalid answers
);
