-- Schema version 22: the Overview as last read for a firm-wide range
-- (read_models/overview_snapshot.py): its KPIs and their details as JSON, its frames (trend,
-- leakage, the invoices behind days to invoice) as Arrow IPC, with the fingerprint of every
-- table it may read, the code that read it, the day and the last timesheet deadline passed. A
-- read uses a row only while that fingerprint still matches; otherwise it reads live.
CREATE TABLE overview_snapshot (
    range_start DATE,
    range_end DATE,
    grain VARCHAR,
    fingerprint VARCHAR,
    scalars JSON,           -- kpis, previous, base_currency
    trend BLOB,             -- Arrow IPC of each frame
    top_leakage BLOB,
    leakage BLOB,
    days_to_invoice BLOB,   -- NULL when the read had none
    made_at TIMESTAMPTZ,
    PRIMARY KEY (range_start, range_end, grain)
);
