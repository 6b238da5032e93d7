-- Schema version 19: the attribution snapshot (warehouse/attribution_snapshot.py). Pricing
-- every invoiced entry at the rate card (mart_invoice_attribution) is the leadership pages'
-- largest cost; the snapshot keeps its every row, plus what it takes to answer any date range
-- exactly as mart_invoice_attribution_between would, and the fingerprint of the twelve input
-- tables it was computed from. A read uses it only while the fingerprint still matches.
CREATE TABLE attribution_snapshot (
    entry_id VARCHAR,
    invoice_id VARCHAR,
    invoice_number VARCHAR,
    issue_date DATE,
    currency VARCHAR,
    billed_value DECIMAL(38, 10),
    time_value DECIMAL(38, 10),
    adjustment_value DECIMAL(38, 10),
    unnamed_time_value DECIMAL(38, 10),
    billed_as_time BOOLEAN,
    standard_currency VARCHAR,
    standard_fx_date DATE,
    standard_basis VARCHAR,
    entry_date DATE,             -- the entry's work date: the range a read asks for
    reach_date DATE,             -- the invoice's greatest(issue_date, period_end): a range
                                 -- starting after it does not read the invoice
    entry_hours DECIMAL(12, 4),  -- the entry's hours (carried by its first invoice row)
    card_value DECIMAL(38, 10)   -- hours x the card's single rate (NULL: no single rate)
);
-- One row (id 1): the fingerprint of the inputs the snapshot was computed from (NULL: never).
-- Every refresh updates this row first, so two refreshing at once conflict at once.
CREATE TABLE attribution_snapshot_state (
    id INTEGER PRIMARY KEY,
    fingerprint VARCHAR,
    refreshed_at TIMESTAMPTZ,
    entry_rows BIGINT
);
INSERT INTO attribution_snapshot_state VALUES (1, NULL, NULL, NULL);
