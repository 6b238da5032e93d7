-- The fingerprint of the attribution's inputs: one row per table mart_invoice_attribution
-- reads (through mart_time_entries, effective_time_entries and mart_entry_rates). Staging
-- tables carry _row_hash (a hash of every contract column, kept by every import and app write)
-- and _load_id: row count, their sum and max change with any insert, update or delete. The two
-- tables written outside staging are hashed whole (they are small).
SELECT 'time_entries' AS input, count(*) AS n, sum(_row_hash::HUGEINT) AS h, max(_load_id) AS l FROM time_entries
UNION ALL SELECT 'people', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM people
UNION ALL SELECT 'projects', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM projects
UNION ALL SELECT 'clients', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM clients
UNION ALL SELECT 'sow_lines', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM sow_lines
UNION ALL SELECT 'contracts', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM contracts
UNION ALL SELECT 'rates', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM rates
UNION ALL SELECT 'invoices', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM invoices
UNION ALL SELECT 'invoice_lines', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM invoice_lines
UNION ALL SELECT 'milestones', count(*), sum(_row_hash::HUGEINT), max(_load_id) FROM milestones
UNION ALL SELECT 'entry_overrides', count(*), sum(hash(x)::HUGEINT), NULL FROM entry_overrides x
UNION ALL SELECT 'contract_workstreams', count(*), sum(hash(x)::HUGEINT), NULL FROM contract_workstreams x
ORDER BY input
