-- Grain: one row per place an entry can be reassigned to: each project on its own (no SOW
-- line), then each of its SOW lines; `label` is what the page's picker shows.
with projects_named as (
    select
        p.project_id,
        p.name as project_name,
        p.client_id,
        coalesce(c.name, 'Internal') as client_name,
        p.status as project_status
    from projects p
    left join clients c using (client_id)
),

project_level as (
    select
        *,
        null::varchar as sow_line_id,
        null::varchar as sow_line_label,
        null::boolean as is_billable
    from projects_named
),

sow_level as (
    select
        p.*,
        s.sow_line_id,
        concat_ws(' · ', s.code, s.description) as sow_line_label,
        s.billable as is_billable
    from projects_named p
    join sow_lines s using (project_id)
),

final as (
    select
        *,
        case
            when sow_line_id is null
                then concat(project_id, ' · ', project_name, ' (', client_name, ')')
            else concat(project_id, ' › ', sow_line_label,
                        case when not is_billable then ' (non-billable)' else '' end)
        end as label
    from (select * from project_level union all select * from sow_level)
)

select * from final
order by client_name, project_id, sow_line_id nulls first
