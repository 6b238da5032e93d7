-- Grain: one row per (kind, client) pair present among the exceptions, for the page's filters.
with final as (
    select distinct
        e.kind,
        e.client_id,
        coalesce(c.name, e.client_id) as client_name
    from exceptions e
    left join clients c using (client_id)
)

select * from final
order by kind, client_name
