-- realization_parts (a fragment, included by realization.sql and realization_view/entries.sql
-- with `@include realization_parts`): the CTEs both read.
--   entries: the billable entries worked in [$start, $end] on work billed by the hour (time
--            and materials, retainer workstreams), billed or not, and any other billable
--            entry some invoice bills (fixed-fee and milestone work once its fee is invoiced,
--            work with no contract that was invoiced anyway), with the rate card's rate and
--            currency (mart_entry_rates; NULL when the card has no single rate). Fee work not
--            invoiced yet is not WIP at card value: budget burn follows it;
--   parts:   one row per (entry, invoice) of mart_invoice_attribution (warehouse/sql/marts: how
--            each fee line finds the work it bills, by entry ids, time_entries.invoice_id or
--            project x service period, split pro rata to value at rate card), in base
--            currency: billed_part at the invoice date's rate, standard_part (the entry's
--            value at rate card, or its billed value where the card has no single rate) at
--            the work date's (resp. invoice date's) rate.
-- invoice_attribution_between is mart_invoice_attribution_between; metrics.session.run_sql
-- reads the attribution snapshot in its place while that is current (the same rows).
attribution AS MATERIALIZED (
    SELECT * FROM invoice_attribution_between($start, $end)
),
entries AS (
    SELECT m.entry_id, m.date, strftime(m.date, '%Y-%m') AS month, m.person_id, m.person_name,
           m.team, m.project_id, m.project_name, m.client_id, m.client_name, m.hours,
           r.rate, r.currency, coalesce(r.billing, 'none') AS billing
    FROM mart_time_entries m
    LEFT JOIN mart_entry_rates_between($start, $end) r USING (entry_id)
    WHERE m.date BETWEEN $start AND $end
      AND m.is_billable
      AND (r.billing IN ('time_and_materials', 'retainer')
           OR m.entry_id IN (SELECT entry_id FROM attribution))
      AND (len(CAST($clients AS VARCHAR[])) = 0 OR list_contains(CAST($clients AS VARCHAR[]), m.client_id))
      AND (len(CAST($teams AS VARCHAR[])) = 0 OR list_contains(CAST($teams AS VARCHAR[]), m.team))
      AND (len(CAST($people AS VARCHAR[])) = 0 OR list_contains(CAST($people AS VARCHAR[]), m.person_id))
),
parts AS (
    SELECT a.entry_id, a.invoice_id, a.invoice_number, a.issue_date, a.standard_basis,
           a.billed_value * CAST(fx.rate AS DECIMAL(38, 10)) AS billed_part,
           a.standard_value * CAST(sfx.rate AS DECIMAL(38, 10)) AS standard_part
    FROM attribution a
    LEFT JOIN fx_to_base fx ON fx.currency = a.currency AND fx.date = a.issue_date
    LEFT JOIN fx_to_base sfx ON sfx.currency = a.standard_currency AND sfx.date = a.standard_fx_date
    WHERE a.entry_id IN (SELECT entry_id FROM entries)
)
