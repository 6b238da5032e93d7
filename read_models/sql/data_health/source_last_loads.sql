-- Grain: one row per source — its most recent load, whatever the outcome, with what that load
-- did summed over its entities, and when the source last loaded successfully.
with ranked as (
    select
        *,
        row_number() over (partition by source order by started_at desc, load_id desc) as recency
    from load_log
),

last_ok as (
    select source, max(finished_at) as last_ok_at
    from load_log
    where status = 'ok'
    group by source
),

entity_totals as (
    select
        load_id,
        count(*)::bigint as entity_count,
        sum(new_rows)::bigint as new_rows,
        sum(updated_rows)::bigint as updated_rows,
        sum(unchanged_rows)::bigint as unchanged_rows,
        sum(quarantined_rows)::bigint as quarantined_rows
    from load_entity_stats
    group by load_id
),

final as (
    select
        ranked.source,
        ranked.status,
        ranked.path,
        ranked.started_at,
        ranked.finished_at,
        ranked.message,
        coalesce(entity_totals.entity_count, 0) as entity_count,
        coalesce(entity_totals.new_rows, 0) as new_rows,
        coalesce(entity_totals.updated_rows, 0) as updated_rows,
        coalesce(entity_totals.unchanged_rows, 0) as unchanged_rows,
        coalesce(entity_totals.quarantined_rows, 0) as quarantined_rows,
        last_ok.last_ok_at,
        ranked.load_id
    from ranked
    left join entity_totals using (load_id)
    left join last_ok using (source)
    where ranked.recency = 1
)

select * from final
order by started_at desc, source
