-- Schema version 3: the billing workflow. Saved draft invoices and their lines (a line keeps
-- the ids of what it bills), the exception queue with its decisions, the audit log, and the
-- decisions on time entries that must outlive re-imports (applied by effective_time_entries).

CREATE SEQUENCE draft_id_seq START 1;

-- one row per saved draft invoice (one per contract, or per project, and period)
CREATE TABLE invoice_drafts (
    draft_id BIGINT PRIMARY KEY,
    period VARCHAR NOT NULL,              -- YYYY-MM
    contract_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    project_id VARCHAR,                   -- set when the contract invoices per project
    currency VARCHAR NOT NULL,
    po_number VARCHAR,
    tax_rate DECIMAL(18,8) NOT NULL,
    status VARCHAR NOT NULL,              -- draft | approved | void
    invoice_number VARCHAR,               -- given on approval
    issue_date DATE,
    due_date DATE,
    created_at TIMESTAMPTZ NOT NULL,
    created_by VARCHAR NOT NULL,
    approved_at TIMESTAMPTZ,
    approved_by VARCHAR,
    voided_at TIMESTAMPTZ,
    voided_by VARCHAR,
    void_reason VARCHAR
);

-- one row per line of a saved draft
CREATE TABLE invoice_draft_lines (
    draft_id BIGINT NOT NULL,
    line_no INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    project_id VARCHAR,
    person_id VARCHAR,
    description VARCHAR NOT NULL,
    quantity DECIMAL(18,6),
    unit_price DECIMAL(18,6),
    amount DECIMAL(18,2) NOT NULL,
    sources VARCHAR[] NOT NULL,           -- entry, expense, milestone or project ids
    excluded BOOLEAN NOT NULL DEFAULT false,
    exclude_reason VARCHAR
);

-- one row per exception (kind + ref), from billing now and the rules later; decisions stay
CREATE TABLE exceptions (
    exception_id VARCHAR PRIMARY KEY,     -- '<kind>:<ref>'
    kind VARCHAR NOT NULL,
    ref VARCHAR NOT NULL,
    source VARCHAR NOT NULL,              -- billing | rules | classify
    severity VARCHAR NOT NULL,            -- high | medium | low
    client_id VARCHAR,
    project_id VARCHAR,
    period VARCHAR,
    value DECIMAL(18,2),
    currency VARCHAR,
    detail VARCHAR NOT NULL,
    evidence JSON,
    suggested_action VARCHAR,
    status VARCHAR NOT NULL,              -- open | approved | rejected | reassigned | snoozed | resolved
    snoozed_until DATE,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR,
    decision_reason VARCHAR,
    resolved_at TIMESTAMPTZ,
    resolved_reason VARCHAR
);

CREATE SEQUENCE audit_id_seq START 1;

-- one row per human decision: who, when, before, after, why
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY,
    logged_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,         -- exception | time_entry | invoice_draft | draft_line
    object_id VARCHAR NOT NULL,
    before JSON,
    after JSON,
    reason VARCHAR
);

-- one row per (entry, field) a person decided: reassigned project or SOW line, billable, work
-- type. Staging is rewritten by imports; these are applied on top by effective_time_entries.
CREATE TABLE entry_overrides (
    entry_id VARCHAR NOT NULL,
    field VARCHAR NOT NULL,               -- project_id | sow_line_id | billable | work_type
    value VARCHAR,
    decided_at TIMESTAMPTZ NOT NULL,
    decided_by VARCHAR NOT NULL,
    audit_id BIGINT,
    PRIMARY KEY (entry_id, field)
);
