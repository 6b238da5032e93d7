"""People an import created without what utilization needs: a start date (without one a person
counts as available from the first day of every month) or a capacity of their own (tracker and
accounting exports carry neither, so staging fills 40 h a week). The bundled tracker samples
add such people and silently move a month's utilization (66% -> 48% on the demo's November):
the Data health page says so instead."""

from __future__ import annotations

import polars as pl

from warehouse.sessions import Db, read_only

# Grain: one row per person missing a start date or a capacity of their own; `source` is the
# import that last wrote the row (canonical people.csv, or an export that created the person).
PEOPLE_GAPS_SQL = """
WITH logged AS (
    SELECT person_id, min(date) AS first_entry, sum(hours) AS hours
    FROM time_entries GROUP BY person_id
)
SELECT p.person_id, p.name, p._source AS source, p.weekly_capacity_hours, p.start_date,
       l.first_entry, coalesce(l.hours, 0) AS hours_logged,
       concat_ws('; ',
           CASE WHEN p.start_date IS NULL THEN 'no start date' END,
           CASE WHEN p.weekly_capacity_hours IS NULL THEN 'no capacity'
                WHEN p._source <> 'canonical' THEN 'capacity defaulted to '
                     || CAST(CAST(p.weekly_capacity_hours AS DECIMAL(8,1)) AS VARCHAR) || ' h/week'
           END) AS missing
FROM people p LEFT JOIN logged l USING (person_id)
WHERE p.start_date IS NULL OR p.weekly_capacity_hours IS NULL OR p._source <> 'canonical'
ORDER BY p.start_date IS NULL DESC, hours_logged DESC, p.person_id
"""


def people_gaps(db: Db = None) -> pl.DataFrame:
    """The people to complete in people.csv (start_date, weekly_capacity_hours), most logged
    hours first; empty when everyone has both."""
    with read_only(db) as con:
        return con.sql(PEOPLE_GAPS_SQL).pl()
