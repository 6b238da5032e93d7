-- Schema version 18: settings an admin changes on the Admin page (etl/settings.py EDITABLE:
-- four-eyes thresholds, sign-in policy). The environment still wins over them, and they win
-- over .streamlit/secrets.toml. Every change is also an audit_log row with before and after.
CREATE TABLE app_settings (
    key VARCHAR PRIMARY KEY,               -- the environment variable's name
    value VARCHAR NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
