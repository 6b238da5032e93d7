-- Schema version 21: the Overview trend's costly parts kept (metrics/trend_snapshot.py): per
-- 12-month window, the firm-wide realization and utilization sums of each month, as JSON, with
-- the fingerprint of the inputs and code they were computed from. A read uses a window's row
-- only while its fingerprint still matches; otherwise it computes the sums live.
CREATE TABLE trend_snapshot (
    window_start DATE,
    window_end DATE,
    fingerprint VARCHAR,
    months JSON,        -- {"YYYY-MM": {"utilization": {...}, "realization": {...}}, ...}
    made_at TIMESTAMPTZ,
    PRIMARY KEY (window_start, window_end)
);
