-- Grain: one row per expectation of each entity's most recent validation; failures first.
with latest as (
    select entity, max(load_id) as load_id
    from validation_results
    group by entity
),

final as (
    select
        results.entity,
        results.expectation,
        results.column_name,
        results.success,
        results.unexpected_count,
        results.element_count,
        -- a zero denominator is n/a, not 0 %
        round(100.0 * results.unexpected_count / nullif(results.element_count, 0), 2)
            as unexpected_pct,
        results.details::varchar as details,
        results.validated_at,
        results.load_id
    from validation_results as results
    join latest using (entity, load_id)
)

select * from final
order by success, entity, expectation, column_name
