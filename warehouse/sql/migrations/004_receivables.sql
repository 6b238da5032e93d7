-- Schema version 4: receivables. The human side of AR (allocations of unmatched payments,
-- promises, disputes, owners and notes), the ledger of payment applications as last matched,
-- late-fee charges (idempotent: each charge is the part not charged before) and the log of
-- reminders sent (each reminder once).

-- one row per (payment, invoice) an operator allocated a payment to, in the payment's currency
CREATE TABLE payment_allocations (
    payment_id VARCHAR NOT NULL,
    invoice_id VARCHAR NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    decided_by VARCHAR NOT NULL,
    reason VARCHAR,
    PRIMARY KEY (payment_id, invoice_id)
);

-- one row per application of a payment or a credit memo to an invoice, as the last AR sync
-- matched it (derived: rewritten by each sync; the decisions above are what survives)
CREATE TABLE payment_applications (
    source_id VARCHAR NOT NULL,           -- payment_id or credit memo invoice_id
    source_kind VARCHAR NOT NULL,         -- payment | credit_memo
    invoice_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    applied_date DATE NOT NULL,
    amount DECIMAL(18,2) NOT NULL,        -- in the invoice's currency
    source_amount DECIMAL(18,2) NOT NULL, -- in the payment's currency
    source_currency VARCHAR NOT NULL,
    fx_rate DECIMAL(18,8),                -- payment currency -> invoice currency, when they differ
    fx_difference_base DECIMAL(18,2),     -- realised FX gain (+) or loss (-) in base currency
    method VARCHAR NOT NULL,              -- reference | exact_amount | manual | credit_memo
    decided_by VARCHAR NOT NULL,          -- 'rule' or the operator's name
    recorded_at TIMESTAMPTZ NOT NULL
);

-- one row per invoice someone said something about in the AR review
CREATE TABLE ar_invoice_notes (
    invoice_id VARCHAR PRIMARY KEY,
    owner VARCHAR,
    note VARCHAR,
    is_disputed BOOLEAN NOT NULL DEFAULT false,
    promised_date DATE,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by VARCHAR NOT NULL
);

CREATE SEQUENCE promise_id_seq START 1;

-- one row per promise to pay (history: a new promise does not erase a broken one)
CREATE TABLE ar_promises (
    promise_id BIGINT PRIMARY KEY,
    invoice_id VARCHAR NOT NULL,
    promised_date DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by VARCHAR NOT NULL
);

CREATE SEQUENCE late_fee_charge_seq START 1;

-- one row per late-fee charge: the accrual not charged before, pending until operations post
-- it on a fee invoice or waive it (waived fees still count as charged: never charged again)
CREATE TABLE late_fee_charges (
    charge_id BIGINT PRIMARY KEY,
    invoice_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    as_of_date DATE NOT NULL,
    periods INTEGER NOT NULL,
    open_amount DECIMAL(18,2) NOT NULL,
    monthly_rate DECIMAL(18,8) NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    currency VARCHAR NOT NULL,
    status VARCHAR NOT NULL,              -- pending | posted | waived
    fee_invoice_id VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR
);

-- one row per reminder sent: (invoice, offset) is sent once
CREATE TABLE reminder_log (
    invoice_id VARCHAR NOT NULL,
    offset_days INTEGER NOT NULL,
    tone VARCHAR NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    recipient VARCHAR,
    subject VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,             -- outbox | smtp | skipped
    sent_by VARCHAR NOT NULL,
    PRIMARY KEY (invoice_id, offset_days)
);
