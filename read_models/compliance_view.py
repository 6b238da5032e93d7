"""What the Timesheet compliance page shows, shaped from the person-week statuses of
sql/kpi/compliance.sql: the person x week grid, the worst offenders, rates per team and for
the firm, and the entries behind one person-week with its submission against the deadline.

Rates are counts over counts and hours over hours (kpis.py's summarize_compliance), never
averages of per-person rates. Contractors follow a separate policy (kpis.md §7), so teams
are split by employment and the firm figure is given for employees apart as well."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from metrics.filters import Filters
from metrics.kpis import Compliance, compliance_rows, summarize_compliance
from metrics.session import query
from read_models.utilization_view import unique_labels

NO_TEAM = "(no team)"
CONTRACTOR = "contractor"
STATUS_LABELS = {"on_time": "On time", "short": "Short", "late": "Late", "missing": "Missing"}


# A week submitted on time is judged on the hours submitted by the deadline (a later batch does
# not complete it); a late or missing week on everything logged, since all of it is late.
_counted_hours = (
    pl.when(pl.col("status").is_in(["on_time", "short"]))
    .then(pl.col("on_time_hours"))
    .otherwise(pl.col("logged_hours"))
)


def compliance_weeks(
    con: duckdb.DuckDBPyConnection, filters: Filters, now: datetime | None = None
) -> pl.DataFrame:
    """The person-weeks whose deadline has passed at `now`, with their status, each person's
    employment, and the hours short of expected (0 when the week reached it; for a week first
    submitted on time, short of the hours submitted by the deadline). Deadline and
    submission are in the firm's time zone, where the deadline was set."""
    rows = compliance_rows(con, filters, now)
    employment = query(con, "people_employment", {})
    return (
        rows.join(employment, on="person_id", how="left")
        .with_columns(
            pl.col("team").fill_null(NO_TEAM),
            pl.col("employment").fill_null("employee"),
            hours_short=(pl.col("expected_hours") - _counted_hours).clip(lower_bound=0),
        )
        .pipe(_in_zone, firm_timezone(con), "deadline", "submitted_at")
        .sort("week_start", "person_id")
    )


def _in_zone(frame: pl.DataFrame, tz: str, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).dt.convert_time_zone(tz) for c in columns)


def firm_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The zone deadlines are set in (firm.yaml), to show times as the people saw them."""
    return query(con, "firm_timezone", {})["tz"].item()


def week_entries(con: duckdb.DuckDBPyConnection, person_id: str, week_start: date) -> pl.DataFrame:
    """Every entry of one person-week, on any client: the hours compliance counted, each with
    when it was submitted and approved."""
    params = {
        "start": week_start,
        "end": week_start + timedelta(days=6),
        "clients": [],
        "people": [person_id],
    }
    entries = query(con, "person_entries", params)
    return _in_zone(entries, firm_timezone(con), "submitted_at", "approved_at")


def summaries(rows: pl.DataFrame) -> dict[str, Compliance]:
    """Everyone (what Overview reports against the 95% target), employees and contractors."""
    contractor = pl.col("employment") == CONTRACTOR
    return {
        "all": summarize_compliance(rows),
        "employees": summarize_compliance(rows.filter(~contractor)),
        "contractors": summarize_compliance(rows.filter(contractor)),
    }


def _rate(value: object) -> float | None:
    return None if value is None else float(value)


def team_rates(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per team and employment (contractors last): person-weeks, the on-time-and-
    complete share, the on-time submission share and completeness, with the status counts."""
    out = []
    if not rows.is_empty():
        for (team, employment), group in rows.group_by("team", "employment"):
            s = summarize_compliance(group)
            out.append(
                {
                    "team": team,
                    "employment": employment,
                    "people": group["person_id"].n_unique(),
                    "person_weeks": s.weeks,
                    "compliance": _rate(s.value),
                    "on_time_submission": _rate(s.on_time_submission),
                    "completeness": _rate(s.completeness),
                    **{status: s.counts[status] for status in STATUS_LABELS},
                }
            )
    schema = {
        "team": pl.String,
        "employment": pl.String,
        "people": pl.Int64,
        "person_weeks": pl.Int64,
        "compliance": pl.Float64,
        "on_time_submission": pl.Float64,
        "completeness": pl.Float64,
        **{status: pl.Int64 for status in STATUS_LABELS},
    }
    return pl.DataFrame(out, schema=schema).sort([pl.col("employment") == CONTRACTOR, "team"])


def offenders(rows: pl.DataFrame, limit: int | None = None) -> pl.DataFrame:
    """People by non-compliant weeks (late, missing or short), most first, then by hours short
    of expected (summed over all their weeks), then by name."""
    schema = {
        "person_id": pl.String,
        "person_name": pl.String,
        "team": pl.String,
        "employment": pl.String,
        "person_weeks": pl.UInt32,
        "non_compliant": pl.UInt32,
        "late": pl.UInt32,
        "missing": pl.UInt32,
        "short": pl.UInt32,
        "hours_short": pl.Float64,
    }
    if rows.is_empty():
        return pl.DataFrame(schema=schema)
    status = pl.col("status")
    table = (
        rows.group_by("person_id")
        .agg(
            pl.col("person_name", "team", "employment").first(),
            pl.len().alias("person_weeks"),
            (status != "on_time").sum().alias("non_compliant"),
            *((status == s).sum().alias(s) for s in ("late", "missing", "short")),
            pl.col("hours_short").sum().round(2),
        )
        .filter(pl.col("non_compliant") > 0)
        .select(list(schema))
        .cast(schema)
        .sort(
            ["non_compliant", "hours_short", "person_name", "person_id"],
            descending=[True, True, False, False],
        )
    )
    return table if limit is None else table.head(limit)


@dataclass(frozen=True)
class Grid:
    """Person x week statuses: rows (ids and labels) offenders first, one column per week
    start; None where the person had nothing expected that week."""

    person_ids: list[str]
    labels: list[str]
    weeks: list[date]
    statuses: list[list[str | None]]


def grid(rows: pl.DataFrame) -> Grid:
    if rows.is_empty():
        return Grid([], [], [], [])
    weeks = sorted(rows["week_start"].unique().to_list())
    people = offenders(rows).select("person_id", "person_name", "team", "employment")
    compliant = (
        rows.filter(~pl.col("person_id").is_in(people["person_id"].implode()))
        .group_by("person_id")
        .agg(pl.col("person_name", "team", "employment").first())
        .sort("team", "person_name", "person_id")
    )
    order = pl.concat([people, compliant.select(people.columns)])
    by_cell = {
        (p, w): s for p, w, s in rows.select("person_id", "week_start", "status").iter_rows()
    }
    ids = order["person_id"].to_list()
    labels = [
        f"{name} · {team}{' · contractor' if emp == CONTRACTOR else ''}"
        for name, team, emp in order.select("person_name", "team", "employment").iter_rows()
    ]
    return Grid(
        ids, unique_labels(labels, ids), weeks, [[by_cell.get((p, w)) for w in weeks] for p in ids]
    )


def person_week(rows: pl.DataFrame, person_id: str, week_start: date) -> dict | None:
    """The one row of a person-week (status, expected and logged hours, deadline, first
    submission), or None when it is not in `rows`."""
    hit = rows.filter((pl.col("person_id") == person_id) & (pl.col("week_start") == week_start))
    return hit.row(0, named=True) if hit.height else None


def lateness(submitted_at: datetime | None, deadline: datetime) -> str:
    """How the first submission stood against the deadline, in words for the drill-down."""
    if submitted_at is None:
        return "not submitted"
    delta = submitted_at - deadline
    if delta == timedelta(0):
        return "exactly at the deadline"
    word = "after" if delta > timedelta(0) else "before"
    delta = abs(delta)
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d"] if days else []
    parts.append(f"{hours} h {rest // 60:02d} min")
    return f"{' '.join(parts)} {word} the deadline"
