-- expense_no_receipt (ref expense): an expense dated on or before $as_of, with no receipt_ref,
-- whose amount in the firm's base currency (rounded to cents) is strictly above
-- $expense_receipt_above. Conversion uses the rate in force on the expense date (mart_fx_rates:
-- latest valid row on or before it); an expense with no such rate cannot be judged and is skipped (billing flags it as
-- missing_fx_rate when it is billed).
WITH base AS (
    SELECT coalesce(max(base_currency), 'USD') AS currency FROM firm
),
converted AS (
    SELECT x.*, b.currency AS base_currency,
           CASE WHEN x.currency = b.currency THEN 1::DECIMAL(18,8) ELSE r.rate_to_base END AS rate,
           r.date AS rate_date
    FROM expenses x
    CROSS JOIN base b
    ASOF LEFT JOIN mart_fx_rates r ON r.currency = x.currency AND x.date >= r.date
    WHERE x.date <= $as_of AND nullif(trim(x.receipt_ref), '') IS NULL
),
final AS (
    SELECT *, round(amount * rate, 2)::DECIMAL(18,2) AS base_amount
    FROM converted WHERE rate IS NOT NULL
)
SELECT
    expense_id AS ref,
    base_amount AS value,
    base_currency AS currency,
    nullif(trim(project_id), '') AS project_id,
    strftime(date, '%Y-%m') AS period,
    'expense ' || expense_id || ' of ' || CAST(amount::DECIMAL(18,2) AS VARCHAR) || ' '
        || currency || CASE WHEN currency <> base_currency
                            THEN ' (' || CAST(base_amount AS VARCHAR) || ' ' || base_currency || ')'
                            ELSE '' END
        || ' has no receipt (above ' || CAST($expense_receipt_above AS VARCHAR) || ' '
        || base_currency || ')' AS detail,
    to_json({'expense_id': expense_id, 'date': date, 'amount': amount, 'currency': currency,
             'rate_to_base': rate, 'rate_date': rate_date, 'base_amount': base_amount,
             'base_currency': base_currency, 'threshold': $expense_receipt_above,
             'receipt_ref': receipt_ref}) AS evidence,
    'attach the receipt (receipt_ref), or get the expense approved without one' AS suggested_action,
    base_amount AS amount
FROM final
WHERE base_amount > $expense_receipt_above
