-- Schema version 13: sign-in and segregation of duties (docs/security.md, app_auth/).

-- The people who may sign in. A local account has a password_hash (argon2id); a person who
-- signs in through the firm's OpenID Connect provider has an email and no password. Roles are
-- names from app_auth/roles.py. Managed with `python -m app_auth users ...`.
CREATE TABLE app_users (
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,         -- the name every write records
    email VARCHAR,                         -- matched to the IdP's email claim
    roles VARCHAR[] NOT NULL,
    password_hash VARCHAR,
    disabled BOOLEAN NOT NULL DEFAULT false,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX app_users_email ON app_users (lower(email));

-- Four-eyes on actions that are not drafts (a late-fee waiver, a write-off above a threshold):
-- the first person's request waits here until a different person confirms it.
CREATE TABLE second_approvals (
    kind VARCHAR NOT NULL,                 -- late_fee_waiver | write_off
    object_key VARCHAR NOT NULL,           -- what is asked for (e.g. the charge ids, sorted)
    amount DECIMAL(18,2) NOT NULL,
    requested_by VARCHAR NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    reason VARCHAR,
    PRIMARY KEY (kind, object_key)
);
