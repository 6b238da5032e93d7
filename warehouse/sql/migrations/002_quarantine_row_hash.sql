-- Schema version 2: a content hash on quarantined rows, so importing the same bad file twice
-- records each bad row once (re-imports are no-ops), and rows quarantined before keep theirs empty.
ALTER TABLE quarantine ADD COLUMN row_hash VARCHAR;
