-- Schema version 16: the open findings' groups kept as a table (issue 17 item 1, issue 19
-- item 1). The Exceptions page reads the groups it shows from here instead of grouping every
-- finding on each run (165,000 open findings, 55,700 groups at 600 people). One row per group
-- (a person's week, a project, an invoice, a finding alone: warehouse/exception_groups.py)
-- and client, so the page's client filter stays exact; the page adds a group's clients up.
-- Every write path that changes findings recomputes the groups it touched in its own
-- transaction (warehouse.exception_groups.touch / refresh); only status 'open' counts here
-- (a snooze whose date has come is added at read time). Filled when the warehouse is opened
-- (warehouse.db.ensure_groups: the digest of the grouping SQL in warehouse_meta).
CREATE TABLE exception_groups (
    group_key VARCHAR NOT NULL,          -- '<kind>|<group_type>|<id>' as the queue names it
    client_key VARCHAR NOT NULL,         -- the findings' client_id, '' when they name none
    kind VARCHAR NOT NULL,
    group_type VARCHAR NOT NULL,         -- person_week | project | invoice | item
    week_start DATE,                     -- person_week: the Monday of the week
    person_id VARCHAR,                   -- of the group's first finding (by exception_id)
    project_id VARCHAR,
    invoice_id VARCHAR,
    ref VARCHAR,
    first_exception_id VARCHAR NOT NULL,
    suggested_action VARCHAR,            -- the first finding's
    entries INTEGER NOT NULL,            -- open findings
    amount_base DECIMAL(18,2),           -- money at stake in base currency (null: none priced)
    hours DECIMAL(18,2),
    since DATE NOT NULL,                 -- the oldest event (first seen, without one): age
    first_event DATE,
    last_event DATE,
    worst TINYINT NOT NULL,              -- 1 high, 2 medium, 3 low: the findings' worst
    PRIMARY KEY (group_key, client_key)
);
