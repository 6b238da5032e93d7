-- Schema version 9: accounting systems as a source and a destination (etl/sync/quickbooks,
-- etl/sync/xero, billing/push.py).

-- one row per document known on both sides: read by a sync, or pushed from an approved draft.
-- The external id is the accounting system's (QBO Id, Xero InvoiceID/PaymentID), local_id ours
-- (invoices.invoice_id, payments.payment_id). remote_json is the document as last read; a push
-- keeps what it sent in pushed_json, so an edit made there shows as the difference.
CREATE TABLE accounting_links (
    source VARCHAR NOT NULL,          -- quickbooks | xero
    entity VARCHAR NOT NULL,          -- invoice | credit_memo | payment
    external_id VARCHAR NOT NULL,
    local_id VARCHAR NOT NULL,
    version VARCHAR,                  -- QBO SyncToken, Xero UpdatedDateUTC, as last read
    remote_json JSON,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, entity, external_id)
);

-- one row per approved draft pushed (or being pushed) to an accounting system. The row and its
-- idempotency key are committed BEFORE the request goes out, so a retry after a timeout or a
-- crash re-sends the same key (QBO `requestid`, Xero `Idempotency-Key`) and the accounting
-- system answers with the invoice it made the first time, never a second one.
CREATE TABLE accounting_pushes (
    source VARCHAR NOT NULL,
    draft_id BIGINT NOT NULL,
    request_id VARCHAR NOT NULL,      -- the idempotency key, <= 36 characters
    status VARCHAR NOT NULL,          -- sending | pushed
    external_id VARCHAR,              -- once pushed
    number VARCHAR,                   -- the accounting system's document number
    pushed_json JSON,                 -- the document as sent (amounts as strings)
    started_at TIMESTAMPTZ NOT NULL,
    pushed_at TIMESTAMPTZ,
    PRIMARY KEY (source, draft_id)
);
