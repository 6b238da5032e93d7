-- Grain: one row per committed load that has a validation — its great-expectations status
-- (pending | running | passed | failed), newest first. Loads committed before load_validation
-- existed (migration 017) take their status from their validation_results rows.
with legacy as (
    select
        load_id,
        case when bool_and(success) then 'passed' else 'failed' end as status,
        count(*)::integer as expectations,
        count(*) filter (where not success)::integer as failed_expectations
    from validation_results
    where load_id not in (select load_id from load_validation)
    group by load_id
),

validations as (
    select load_id, status, expectations, failed_expectations, error, queued_at, finished_at
    from load_validation
    union all
    select load_id, status, expectations, failed_expectations, null, null, null
    from legacy
),

final as (
    select
        validations.load_id,
        load_log.source,
        load_log.path,
        load_log.finished_at as loaded_at,
        validations.status as validation,
        validations.expectations,
        validations.failed_expectations,
        validations.error as validation_error,
        validations.finished_at as validated_at
    from validations
    join load_log using (load_id)
)

select * from final
order by load_id desc
