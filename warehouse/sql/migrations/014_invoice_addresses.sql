-- Schema version 14: what the invoice PDF prints beyond the contract's columns (docs/import.md
-- "Invoice addresses"): the firm's postal address and remittance (bank) details from firm.yaml,
-- and each client's billing address from clients.csv. All optional; empty until imported.
-- The staging row hash covers every column, so the next import of firm.yaml and clients.csv
-- reports their rows "updated" once.
ALTER TABLE firm ADD COLUMN "address" VARCHAR;
ALTER TABLE firm ADD COLUMN "remittance" VARCHAR;
ALTER TABLE clients ADD COLUMN "billing_address" VARCHAR;
