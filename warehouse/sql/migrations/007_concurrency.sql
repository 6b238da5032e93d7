-- Schema version 7: what two sessions acting at once need from the schema (docs/warehouse.md).

-- What the warehouse knows about itself beyond its schema version. `marts_sha256`: the digest
-- of the warehouse/sql/marts/*.sql the mart views were last created from, so that opening the
-- warehouse re-creates them only when that SQL changed (warehouse.db.ensure_marts).
CREATE TABLE warehouse_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Late fees: each charge records how much was charged on its invoice before it, and no two
-- charges of an invoice may start from the same amount. Two accrual runs that both read
-- "charged so far" before either wrote therefore cannot both commit: the second fails at
-- COMMIT (billing/ar/late_fees.py). Existing charges get the running total in charge order.
ALTER TABLE late_fee_charges ADD COLUMN charged_before DECIMAL(18,2);
UPDATE late_fee_charges AS f SET charged_before = w.charged_before
FROM (
    SELECT charge_id,
           coalesce(sum(amount) OVER (PARTITION BY invoice_id ORDER BY charge_id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS charged_before
    FROM late_fee_charges
) AS w
WHERE w.charge_id = f.charge_id;
CREATE UNIQUE INDEX late_fee_charges_chain ON late_fee_charges (invoice_id, charged_before);
