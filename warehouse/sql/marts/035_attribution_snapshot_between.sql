-- attribution_snapshot_between(first_day, last_day): the rows mart_invoice_attribution_between
-- gives for the same range, read from the attribution snapshot (migration 019,
-- warehouse/attribution_snapshot.py) instead of pricing the work again. A line's split over
-- its entries does not depend on the range; what does is which invoices the range reads (those
-- reaching first_day: issued, or their service period ending, on or after it) and so which of
-- an entry's invoice rows is its first (the one carrying its hours and value at rate card).
-- Only correct while the snapshot is current: readers ask attribution_snapshot.is_current.
CREATE OR REPLACE MACRO attribution_snapshot_between(first_day, last_day) AS TABLE
WITH in_range AS (
    SELECT * FROM attribution_snapshot
    WHERE entry_date BETWEEN first_day AND last_day
      AND reach_date >= first_day
),
kept AS (  -- an entry's only invoice row is its first; the others are ranked (a window is the
           -- read's largest cost, and nine entries in ten have one invoice)
    SELECT *, true AS is_first FROM in_range WHERE entry_invoice_rows = 1
    UNION ALL
    SELECT *,
           row_number() OVER (PARTITION BY entry_id ORDER BY issue_date, invoice_id) = 1 AS is_first
    FROM in_range WHERE entry_invoice_rows IS DISTINCT FROM 1
),
final AS (
    SELECT entry_id, invoice_id, invoice_number, issue_date, currency, billed_value, time_value,
           adjustment_value, unnamed_time_value, billed_as_time,
           CAST(CASE WHEN is_first THEN entry_hours ELSE 0 END AS DECIMAL(12, 4)) AS hours,
           CAST(CASE WHEN standard_basis = 'billed' THEN billed_value
                     WHEN is_first THEN card_value
                     ELSE 0 END AS DECIMAL(38, 10)) AS standard_value,
           standard_currency, standard_fx_date, standard_basis, is_first
    FROM kept
)
SELECT * FROM final;

-- invoice_attribution_between(first_day, last_day): what the KPI queries name
-- (metrics/sql/kpi/realization_parts.sql). As a macro it is the live mart;
-- metrics.session.run_sql names attribution_snapshot_between in its place while the snapshot
-- is current.
CREATE OR REPLACE MACRO invoice_attribution_between(first_day, last_day) AS TABLE
SELECT * FROM mart_invoice_attribution_between(first_day, last_day)
