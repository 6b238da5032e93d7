-- Grain: one row per quarantined source row that is not resolved yet, newest first.
with final as (
    select
        quarantined_at,
        entity,
        file,
        line,
        record_key,
        reason,
        raw::varchar as raw,
        source,
        load_id
    from quarantine
    where resolved_at is null
)

select * from final
order by quarantined_at desc, load_id desc, file, line
