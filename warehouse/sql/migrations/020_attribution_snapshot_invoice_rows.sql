-- Schema version 20: how many invoice rows each entry has in the attribution snapshot. Almost
-- every entry is billed by one invoice, and such an entry's row is its first in any range that
-- reads it: attribution_snapshot_between then ranks (a window over every row of the range) only
-- the entries billed more than once. NULL in a snapshot made before this version, whose
-- fingerprint no longer matches the code: the next refresh fills it.
ALTER TABLE attribution_snapshot ADD COLUMN entry_invoice_rows INTEGER;
