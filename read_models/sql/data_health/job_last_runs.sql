-- Grain: one row per scheduled job (jobs/, table job_runs of migration 008) — its most recent
-- run, whatever the outcome.
with ranked as (
    select
        *,
        row_number() over (partition by job order by started_at desc, slot desc) as recency
    from job_runs
)

select job, slot, status, started_at, finished_at, message
from ranked
where recency = 1
order by job
