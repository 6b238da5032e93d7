-- Schema version 15: the typed finding (issue 17 item 1, the start of issue 18's typed
-- finding interface). What a person decides on the Exceptions page is grouped and sorted by
-- columns the rule raising the finding writes, never by figures parsed from its English detail:
--   amount      money at stake in `currency` (null when the finding cannot be priced)
--   amount_base the amount in the firm's base currency at the latest rate on or before the
--               event: what the queue's groups add up, rank by and judge severity by
--   hours       hours at stake (time findings; null otherwise)
--   event_date  the day of the underlying event (entry date, due date, invoice date): age
--               counts from it, not from when the rules first ran
--   person_id, invoice_id   who / which invoice the finding is about (project_id and
--               client_id are already columns)
-- Rows written before this version get the columns on their next sync.
ALTER TABLE exceptions ADD COLUMN amount DECIMAL(18,2);
ALTER TABLE exceptions ADD COLUMN amount_base DECIMAL(18,2);
ALTER TABLE exceptions ADD COLUMN hours DECIMAL(12,2);
ALTER TABLE exceptions ADD COLUMN event_date DATE;
ALTER TABLE exceptions ADD COLUMN person_id VARCHAR;
ALTER TABLE exceptions ADD COLUMN invoice_id VARCHAR;
