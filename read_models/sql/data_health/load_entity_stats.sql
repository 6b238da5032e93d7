-- Grain: one row per (load, entity, file) of the loads given as the list parameter.
with final as (
    select
        load_log.source,
        stats.entity,
        stats.file,
        stats.new_rows,
        stats.updated_rows,
        stats.unchanged_rows,
        stats.quarantined_rows,
        stats.load_id
    from load_entity_stats as stats
    join load_log using (load_id)
    where list_contains(?::bigint[], stats.load_id)
)

select * from final
order by source, entity, file
