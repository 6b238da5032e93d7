-- Schema version 22: page reads kept for the next cold open (read_models/stored_reads.py): per
-- read (its module and name) and firm-wide range, what it returned (scalars as JSON, frames as
-- Arrow IPC) with the fingerprint of every table a report may read, the code that read it, the
-- day and the last timesheet deadline passed. A read uses a row only while that fingerprint
-- still matches; otherwise it reads live.
CREATE TABLE stored_reads (
    reader VARCHAR,         -- module.name of the read, e.g. read_models.overview.overview
    range_start DATE,
    range_end DATE,
    grain VARCHAR,
    fingerprint VARCHAR,
    scalars JSON,           -- the result's other fields (Decimals and dates as exact text)
    frame_names VARCHAR[],  -- the result's polars frames, by field name
    frames BLOB[],          -- each as Arrow IPC (NULL for a field that was None)
    made_at TIMESTAMPTZ,
    PRIMARY KEY (reader, range_start, range_end, grain)
);
