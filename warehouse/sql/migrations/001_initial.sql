-- Schema version 1: the canonical entities (staging), the load bookkeeping, quarantine and history.
-- Staging tables are the entities of DATA_CONTRACT.md, typed; _row_hash detects changed rows.

-- one row per client_id
CREATE TABLE clients (
    "client_id" VARCHAR,
    "name" VARCHAR,
    "currency" VARCHAR,
    "payment_terms_days" INTEGER,
    "tax_rate" DECIMAL(18,8),
    "billing_email" VARCHAR,
    "status" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per person_id
CREATE TABLE people (
    "person_id" VARCHAR,
    "name" VARCHAR,
    "role" VARCHAR,
    "email" VARCHAR,
    "team" VARCHAR,
    "manager_id" VARCHAR,
    "employment" VARCHAR,
    "weekly_capacity_hours" DECIMAL(12,4),
    "cost_rate" DECIMAL(18,4),
    "target_utilization" DECIMAL(18,8),
    "start_date" DATE,
    "end_date" DATE,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per project_id
CREATE TABLE projects (
    "project_id" VARCHAR,
    "name" VARCHAR,
    "client_id" VARCHAR,
    "code" VARCHAR,
    "contract_id" VARCHAR,
    "status" VARCHAR,
    "budget_hours" DECIMAL(12,4),
    "budget_amount" DECIMAL(18,4),
    "start_date" DATE,
    "end_date" DATE,
    "manager_id" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per sow_line_id
CREATE TABLE sow_lines (
    "sow_line_id" VARCHAR,
    "project_id" VARCHAR,
    "code" VARCHAR,
    "description" VARCHAR,
    "billable" BOOLEAN,
    "phase" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per ('contract_id', 'project_id', 'person_id', 'role', 'effective_from')
CREATE TABLE rates (
    "contract_id" VARCHAR,
    "rate" DECIMAL(18,4),
    "effective_from" DATE,
    "project_id" VARCHAR,
    "person_id" VARCHAR,
    "role" VARCHAR,
    "effective_to" DATE,
    "currency" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per milestone_id
CREATE TABLE milestones (
    "milestone_id" VARCHAR,
    "project_id" VARCHAR,
    "name" VARCHAR,
    "amount" DECIMAL(18,4),
    "due_date" DATE,
    "status" VARCHAR,
    "completed_on" DATE,
    "accepted_on" DATE,
    "planned_hours" DECIMAL(12,4),
    "invoice_id" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per invoice_id
CREATE TABLE invoices (
    "invoice_id" VARCHAR,
    "client_id" VARCHAR,
    "issue_date" DATE,
    "due_date" DATE,
    "currency" VARCHAR,
    "total" DECIMAL(18,4),
    "number" VARCHAR,
    "contract_id" VARCHAR,
    "status" VARCHAR,
    "po_number" VARCHAR,
    "sent_at" TIMESTAMPTZ,
    "kind" VARCHAR,
    "credits_invoice_id" VARCHAR,
    "period_start" DATE,
    "period_end" DATE,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per ('invoice_id', 'line_no')
CREATE TABLE invoice_lines (
    "invoice_id" VARCHAR,
    "line_no" INTEGER,
    "amount" DECIMAL(18,4),
    "kind" VARCHAR,
    "description" VARCHAR,
    "quantity" DECIMAL(12,4),
    "unit_price" DECIMAL(18,4),
    "project_id" VARCHAR,
    "person_id" VARCHAR,
    "entry_ids" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per entry_id
CREATE TABLE time_entries (
    "entry_id" VARCHAR,
    "person_id" VARCHAR,
    "date" DATE,
    "hours" DECIMAL(12,4),
    "project_id" VARCHAR,
    "sow_line_id" VARCHAR,
    "notes" VARCHAR,
    "billable" BOOLEAN,
    "work_type" VARCHAR,
    "source" VARCHAR,
    "source_id" VARCHAR,
    "submitted_at" TIMESTAMPTZ,
    "approved_at" TIMESTAMPTZ,
    "approved_by" VARCHAR,
    "invoice_id" VARCHAR,
    "locked" BOOLEAN,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per expense_id
CREATE TABLE expenses (
    "expense_id" VARCHAR,
    "person_id" VARCHAR,
    "date" DATE,
    "amount" DECIMAL(18,4),
    "currency" VARCHAR,
    "description" VARCHAR,
    "vendor" VARCHAR,
    "project_id" VARCHAR,
    "billable" BOOLEAN,
    "receipt_ref" VARCHAR,
    "split" VARCHAR,
    "invoice_id" VARCHAR,
    "approved_at" TIMESTAMPTZ,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per payment_id
CREATE TABLE payments (
    "payment_id" VARCHAR,
    "client_id" VARCHAR,
    "date" DATE,
    "amount" DECIMAL(18,4),
    "currency" VARCHAR,
    "reference" VARCHAR,
    "invoice_id" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per event_id
CREATE TABLE calendar_events (
    "event_id" VARCHAR,
    "person_id" VARCHAR,
    "start" TIMESTAMPTZ,
    "end" TIMESTAMPTZ,
    "title" VARCHAR,
    "external_attendees" INTEGER,
    "client_id" VARCHAR,
    "status" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per ('person_id', 'date', 'kind')
CREATE TABLE time_off (
    "person_id" VARCHAR,
    "date" DATE,
    "hours" DECIMAL(12,4),
    "kind" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per ('date', 'currency')
CREATE TABLE fx_rates (
    "date" DATE,
    "currency" VARCHAR,
    "rate_to_base" DECIMAL(18,8),
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row: the firm of firm.yaml
CREATE TABLE firm (
    "name" VARCHAR,
    "base_currency" VARCHAR,
    "timezone" VARCHAR,
    "week_starts" VARCHAR,
    "timesheet_deadline" VARCHAR,
    "fiscal_year_start" VARCHAR,
    "holidays_country" VARCHAR,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per contract of contracts.yaml; `terms` keeps the whole contract as loaded
CREATE TABLE contracts (
    "contract_id" VARCHAR,
    "client_id" VARCHAR,
    "currency" VARCHAR,
    "payment_terms_days" INTEGER,
    "po_number" VARCHAR,
    "po_limit" DECIMAL(18,4),
    "po_alert_at" DECIMAL(18,8),
    "rounding_increment_minutes" INTEGER,
    "rounding_mode" VARCHAR,
    "late_fee_monthly_rate" DECIMAL(18,8),
    "late_fee_grace_days" INTEGER,
    "expenses_billable" BOOLEAN,
    "expenses_markup" DECIMAL(18,8),
    "invoice_per" VARCHAR,
    "terms" JSON,
    _row_hash UBIGINT NOT NULL,
    _load_id BIGINT NOT NULL,
    _source VARCHAR NOT NULL,
    _updated_at TIMESTAMPTZ NOT NULL
);

-- one row per (contract_id, project_id): a workstream binds one project to one billing type
CREATE TABLE contract_workstreams (
    "contract_id" VARCHAR,
    "position" INTEGER,
    "project_id" VARCHAR,
    "billing" VARCHAR,
    "fee" DECIMAL(18,4),
    "bill_on" VARCHAR,
    "monthly_fee" DECIMAL(18,4),
    "included_hours" DECIMAL(12,4),
    "overage_rate" DECIMAL(18,4),
    "rollover_max_hours" DECIMAL(12,4),
    "rollover_expires_after_months" INTEGER,
    "rush_multiplier" DECIMAL(18,8),
    "rush_counts_against_retainer" BOOLEAN,
    "cap_amount" DECIMAL(18,4),
    "cap_scope" VARCHAR,
    "tiers" JSON
);

CREATE SEQUENCE load_id_seq START 1;

-- one row per import run, successful or failed
CREATE TABLE load_log (
    load_id BIGINT PRIMARY KEY,
    source VARCHAR NOT NULL,
    path VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,          -- ok | failed
    message VARCHAR
);

-- one row per (load, entity): what the load did to that entity
CREATE TABLE load_entity_stats (
    load_id BIGINT NOT NULL,
    entity VARCHAR NOT NULL,
    file VARCHAR,
    new_rows BIGINT NOT NULL,
    updated_rows BIGINT NOT NULL,
    unchanged_rows BIGINT NOT NULL,
    quarantined_rows BIGINT NOT NULL
);

-- one row per rejected source row (or rejected file, line 1): nothing is dropped silently
CREATE TABLE quarantine (
    load_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT,
    entity VARCHAR NOT NULL,
    record_key VARCHAR,
    reason VARCHAR NOT NULL,
    raw JSON,
    quarantined_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
);

-- one row per replaced version of a staging row
CREATE TABLE entity_history (
    entity VARCHAR NOT NULL,
    record_key VARCHAR NOT NULL,
    row_data JSON NOT NULL,
    loaded_by BIGINT,
    replaced_by BIGINT NOT NULL,
    replaced_at TIMESTAMPTZ NOT NULL
);

-- one row per (load, entity, expectation): the great-expectations results
CREATE TABLE validation_results (
    load_id BIGINT NOT NULL,
    entity VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    column_name VARCHAR,
    success BOOLEAN NOT NULL,
    element_count BIGINT,
    unexpected_count BIGINT,
    details JSON,
    validated_at TIMESTAMPTZ NOT NULL
);
