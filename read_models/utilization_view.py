"""What the Utilization page shows, shaped from person-week rows (sql/kpi/utilization_weeks.sql)
so the page only draws: people and teams against their targets, the person x week heatmap,
the billable / non-billable split, and the entries behind a person's weeks.

Every ratio here is summed hours over summed hours (kpis.md §0: never average ratios); a
person or team with no available hours reads n/a (None), never 0 or 100%. Contractors are
reported apart from employees (kpis.md §1 edge cases): tables carry `employment`, and team
rows are per team and employment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from metrics.filters import Filters
from metrics.kpis import Utilization, summarize_utilization
from metrics.session import query

NO_TEAM = "(no team)"
CONTRACTOR = "contractor"
SUMS = ("available_hours", "billable_hours", "nonbillable_hours")


def utilization_weeks(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Person-weeks of the range: available, billable and non-billable hours, target."""
    return query(con, "utilization_weeks", filters.params())


def person_entries(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    person_id: str,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """The entries behind one person's figures: their time in [start, end] (default the
    filters' range) on the filtered clients, the same rows utilization counts."""
    params = {
        **filters.params(),
        "start": start or filters.start,
        "end": end or filters.end,
        "people": [person_id],
    }
    return query(con, "person_entries", params)


def _with_ratio(frame: pl.DataFrame) -> pl.DataFrame:
    """utilization = billable / available (None without available hours) and the gap to the
    target, both to four places."""
    util = (
        pl.when(pl.col("available_hours") > 0)
        .then(pl.col("billable_hours") / pl.col("available_hours"))
        .otherwise(None)
        .round(4)
    )
    return frame.with_columns(utilization=util).with_columns(
        gap=(pl.col("utilization") - pl.col("target_utilization")).round(4)
    )


def _teamed(weeks: pl.DataFrame) -> pl.DataFrame:
    return weeks.with_columns(pl.col("team").fill_null(NO_TEAM))


def people_table(weeks: pl.DataFrame) -> pl.DataFrame:
    """One row per person over the range, furthest below target first (n/a last)."""
    if weeks.is_empty():
        return _with_ratio(
            pl.DataFrame(
                schema={
                    "person_id": pl.String,
                    "person_name": pl.String,
                    "team": pl.String,
                    "role": pl.String,
                    "employment": pl.String,
                    "target_utilization": pl.Float64,
                    **{c: pl.Float64 for c in SUMS},
                }
            )
        )
    grouped = (
        _teamed(weeks)
        .group_by("person_id")
        .agg(
            pl.col("person_name", "team", "role", "employment", "target_utilization").first(),
            *(pl.col(c).sum() for c in SUMS),
        )
    )
    return _with_ratio(grouped).sort(
        ["gap", "person_name", "person_id"], nulls_last=True, maintain_order=True
    )


def team_table(weeks: pl.DataFrame) -> pl.DataFrame:
    """One row per team and employment (employees and contractors apart): people, hours, the
    team's utilization and its target (the people's targets weighted by available hours)."""
    schema = {
        "team": pl.String,
        "employment": pl.String,
        "people": pl.UInt32,
        **{c: pl.Float64 for c in SUMS},
        "target_utilization": pl.Float64,
    }
    if weeks.is_empty():
        return _with_ratio(pl.DataFrame(schema=schema))
    grouped = (
        _teamed(weeks)
        .group_by("team", "employment")
        .agg(
            pl.col("person_id").n_unique().alias("people"),
            *(pl.col(c).sum() for c in SUMS),
            (pl.col("target_utilization") * pl.col("available_hours")).sum().alias("_weighted"),
        )
        .with_columns(
            target_utilization=pl.when(pl.col("available_hours") > 0)
            .then(pl.col("_weighted") / pl.col("available_hours"))
            .otherwise(None)
            .round(4)
        )
        .drop("_weighted")
    )
    return _with_ratio(grouped.select(list(schema))).sort(
        [pl.col("employment") == CONTRACTOR, "team"]
    )


def summaries(weeks: pl.DataFrame) -> dict[str, Utilization]:
    """The headline figures: everyone (what Overview and `metrics kpis` report), employees only
    and contractors only, each summed before it divides."""
    contractor = pl.col("employment") == CONTRACTOR
    return {
        "all": summarize_utilization(weeks),
        "employees": summarize_utilization(weeks.filter(~contractor)),
        "contractors": summarize_utilization(weeks.filter(contractor)),
    }


def person_weeks(weeks: pl.DataFrame, person_id: str) -> pl.DataFrame:
    """One person's weeks with their utilization, oldest first."""
    return _with_ratio(
        weeks.filter(pl.col("person_id") == person_id)
        .select("week_start", "target_utilization", *SUMS)
        .sort("week_start")
    )


@dataclass(frozen=True)
class Heatmap:
    """A person x week matrix of utilization: rows (person ids and labels) in team order, one
    column per week start; None where a person has no available hours that week."""

    person_ids: list[str]
    labels: list[str]
    weeks: list[date]
    z: list[list[float | None]]


def heatmap(weeks: pl.DataFrame, order: list[str] | None = None) -> Heatmap:
    """The matrix of `weeks`; rows in team order (employees, then contractors), or only the
    people of `order` in that order (the page shows the people furthest below target)."""
    if weeks.is_empty():
        return Heatmap([], [], [], [])
    cells = _with_ratio(_teamed(weeks))
    columns = sorted(cells["week_start"].unique().to_list())
    people = (
        cells.group_by("person_id")
        .agg(pl.col("person_name", "team", "employment").first())
        .sort([pl.col("employment") == CONTRACTOR, "team", "person_name", "person_id"])
    )
    if order is not None:
        position = {pid: n for n, pid in enumerate(order)}
        people = people.filter(pl.col("person_id").is_in(list(position))).sort(
            pl.col("person_id").replace_strict(position, return_dtype=pl.Int64)
        )
    by_cell = {
        (p, w): u for p, w, u in cells.select("person_id", "week_start", "utilization").iter_rows()
    }
    ids = people["person_id"].to_list()
    labels = [
        f"{name} · {team}{' · contractor' if emp == CONTRACTOR else ''}"
        for name, team, emp in people.select("person_name", "team", "employment").iter_rows()
    ]
    return Heatmap(
        ids,
        unique_labels(labels, ids),
        columns,
        [[by_cell.get((p, w)) for w in columns] for p in ids],
    )


def unique_labels(labels: list[str], ids: list[str]) -> list[str]:
    """Row labels a chart can be clicked by: a label two people share gets their ids added."""
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    return [
        f"{lab} ({pid})" if seen[lab] > 1 else lab for lab, pid in zip(labels, ids, strict=True)
    ]


def hours_split(weeks: pl.DataFrame, by: str) -> pl.DataFrame:
    """Billable and non-billable hours per `by` (team, person_name or week_start), long form
    (by, kind, hours) for a stacked bar, with available hours per `by` alongside."""
    if weeks.is_empty():
        return pl.DataFrame(
            schema={by: pl.String, "kind": pl.String, "hours": pl.Float64, "available": pl.Float64}
        )
    sums = _teamed(weeks).group_by(by).agg(*(pl.col(c).sum() for c in SUMS)).sort(by)
    return (
        sums.rename({"billable_hours": "billable", "nonbillable_hours": "non-billable"})
        .unpivot(
            ["billable", "non-billable"],
            index=[by, "available_hours"],
            variable_name="kind",
            value_name="hours",
        )
        .rename({"available_hours": "available"})
        .select(by, "kind", "hours", "available")
    )


def week_end(week_start: date) -> date:
    return week_start + timedelta(days=6)
