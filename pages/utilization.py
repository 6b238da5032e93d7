"""Utilization: who is billing how much of the time they had, by team and person against their
own targets, week by week; the rows behind any team, person or week one click away."""

from datetime import timedelta

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from read_models import utilization_view as uv
from ui import app_state, figures, kpi_drill, kpi_ui

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config
PCT = "percent"
HEATMAP_ROWS = 60  # rows a cell can still be clicked in (the firm has hundreds of people)

DEFINITIONS = """
**Billable utilization** = billable hours ÷ available hours, the *net / available* variant of
kpis.md §1, measured against each person's own `target_utilization` (0.75 when unset).

- **Available hours**: on each weekday `weekly_capacity_hours / 5` between the person's start
  and end dates, less public holidays of the firm's country and time off; when both fall on one
  day the larger reduction wins, never below zero (DATA_CONTRACT "Capacity").
- **Billable hours**: every hour *recorded* on billable work (a client project that is not
  internal, the entry's billable flag, else its SOW line's), approved or not; time entered on a
  holiday or a weekend counts. Not capped at 100%.
- **Non-billable hours**: internal projects, entries marked non-billable, entries with no project.
- Team and firm figures sum hours before dividing (never an average of percentages); a team's
  target is its people's targets weighted by their available hours.
- **Contractors** are reported apart from employees (kpis.md §1). *All people* is the figure
  Overview and `python -m metrics kpis` report.
- A **week** starts on the firm's `week_starts` day; only its days inside the range count, so
  the weeks add up to the range. The client filter keeps only hours on those clients and only
  the people who worked for them in the range: utilization then reads as the clients' share of
  those people's capacity (never one client's hours over the whole firm's capacity).
"""

# Widths so that every table fits the page at a 1280 px window (sidebar open, ~820 px); the
# CSVs carry every column, the tables what a person compares.
TEAM_COLUMNS = {
    "team": cc.TextColumn("Team", width=130),
    "employment": cc.TextColumn("Employment", width=95),
    "people": cc.NumberColumn("People", format="localized", width=60),
    "utilization": cc.NumberColumn("Utilization", format=PCT, width=80),
    "target_utilization": cc.NumberColumn("Target", format=PCT, width=62),
    "gap": cc.NumberColumn("vs target", format="%+.1f pts", help="Utilization − target", width=80),
    "billable_hours": cc.NumberColumn("Billable h", format="%.1f", width=80),
    "nonbillable_hours": cc.NumberColumn("Non-billable h", format="%.1f", width=98),
    "available_hours": cc.NumberColumn("Available h", format="%.1f", width=86),
}
PEOPLE_COLUMNS = {  # team and role are in the CSV
    "person_name": cc.TextColumn("Person", width=135),
    "team": cc.TextColumn("Team", width=100),
    "utilization": cc.ProgressColumn(
        "Utilization", format=PCT, min_value=0.0, max_value=1.0, width=100
    ),
    "target_utilization": cc.NumberColumn("Target", format=PCT, width=60),
    "gap": cc.NumberColumn("vs target", format="%+.1f pts", help="Utilization − target", width=75),
    "billable_hours": cc.NumberColumn("Billable h", format="%.1f", width=78),
    "nonbillable_hours": cc.NumberColumn("Non-billable h", format="%.1f", width=95),
    "available_hours": cc.NumberColumn("Available h", format="%.1f", width=85),
}
WEEK_COLUMNS = {
    "week_start": cc.DateColumn("Week of", format="YYYY-MM-DD", width=100),
    "utilization": cc.NumberColumn("Utilization", format=PCT, width=85),
    "target_utilization": cc.NumberColumn("Target", format=PCT, width=65),
    "billable_hours": cc.NumberColumn("Billable h", format="%.2f", width=85),
    "nonbillable_hours": cc.NumberColumn("Non-billable h", format="%.2f", width=105),
    "available_hours": cc.NumberColumn("Available h", format="%.2f", width=95),
}
ENTRY_COLUMNS = {
    "date": cc.DateColumn("Date", format="YYYY-MM-DD ddd", width=115),
    "project_name": cc.TextColumn("Project", width=170),
    "client_name": cc.TextColumn("Client", width=150),
    "hours": cc.NumberColumn("Hours", format="%.2f", width=65),
    "billable": cc.CheckboxColumn("Billable", width=70),
    "work_type": cc.TextColumn("Work type", width=100),
    "entry_id": cc.TextColumn("Entry", width=90),
}
BILLABLE_COLOR, NONBILLABLE_COLOR, TARGET_COLOR = "#2e7d32", "#b0bec5", "#424242"


def in_points(column: str) -> pl.Expr:
    """A ratio difference as percentage points, for display."""
    return (pl.col(column) * 100).round(1)


@figures.kept
def split_chart(split: pl.DataFrame, by: str, title: str) -> go.Figure:
    """Stacked billable / non-billable hours per `by`, with the available hours as a marker."""
    fig = go.Figure()
    for kind, color in (("billable", BILLABLE_COLOR), ("non-billable", NONBILLABLE_COLOR)):
        part = split.filter(pl.col("kind") == kind)
        fig.add_bar(
            x=part[by].cast(pl.String).to_list(),
            y=part["hours"].to_list(),
            name=kind,
            marker_color=color,
        )
    avail = split.filter(pl.col("kind") == "billable")
    fig.add_scatter(
        x=avail[by].cast(pl.String).to_list(),
        y=avail["available"].to_list(),
        name="available",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "color": TARGET_COLOR, "line": {"width": 3}},
    )
    fig.update_layout(
        barmode="stack",
        title=title,
        height=340,
        margin={"t": 40, "b": 10, "l": 10, "r": 10},
        yaxis_title="hours",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


@figures.kept
def heatmap_chart(hm: uv.Heatmap) -> go.Figure:
    x = [w.isoformat() for w in hm.weeks]
    z = [[None if v is None else round(v * 100, 1) for v in row] for row in hm.z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=hm.labels,
            zmin=0,
            zmax=120,
            colorscale="RdYlGn",
            xgap=1,
            ygap=1,
            colorbar={"title": "%"},
            hoverongaps=False,
        )
    )
    kpi_drill.clickable_cells(
        fig,
        x,
        hm.labels,
        hm.z,
        "%{y}<br>week of %{x}<br>utilization %{text}<br>click for the entries<extra></extra>",
        text=lambda v: f"{v * 100:.1f}%",
    )
    fig.update_layout(
        height=max(260, 18 * len(hm.labels) + 120),
        margin={"t": 10, "b": 10, "l": 10, "r": 10},
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"type": "category", "side": "top"},
    )
    return fig


filters = kpi_ui.page_header(
    "Utilization",
    "Billable hours against the hours each person had, by team, person and week",
    DEFINITIONS,
    kpi="billable_utilization",
)
weeks = kpi_ui.read_rows(
    uv.utilization_weeks, f"people with capacity in {filters.label()}", stored=True
)

# ---- headline: employees and contractors apart, and the firm figure Overview shows
summary = uv.summaries(weeks)
cols = st.columns(4)
for col, (key, label) in zip(
    cols,
    (("employees", "Employees"), ("contractors", "Contractors"), ("all", "All people")),
    strict=False,
):
    s = summary[key]
    gap = None if s.value is None or s.target is None else float(s.value - s.target) * 100
    col.metric(
        f"{label} utilization",
        kpi_ui.pct(s.value),
        # The target is in the help: beside the gap it was cut off at 1280 px.
        delta=None if gap is None else f"{gap:+.1f} pts vs target",
        help=f"Target {kpi_ui.pct(s.target)}. {float(s.billable_hours):,.1f} billable h of "
        f"{float(s.available_hours):,.1f} available h",
        border=True,
    )
everyone = summary["all"]
logged = everyone.billable_hours + everyone.nonbillable_hours
cols[3].metric(
    "Billable share of logged",
    kpi_ui.pct(everyone.billable_hours / logged if logged else None),
    help=f"{float(everyone.billable_hours):,.0f} billable h and "
    f"{float(everyone.nonbillable_hours):,.0f} non-billable h recorded, all people",
    border=True,
)

# ---- by team
st.subheader("By team")
st.caption(
    "Employees first, then contractors (their own rows: they are not part of a team's "
    "employee figure). Pick a team to see its people below."
)
teams = uv.team_table(weeks).with_columns(
    pl.concat_str("team", pl.lit("|"), "employment").alias("key"), in_points("gap")
)
# The table takes the page's width (nine columns); the chart goes under it.
picked_team = app_state.selectable_table(
    teams,
    "key",
    key="ut_teams",
    mode="single-row",
    columns=TEAM_COLUMNS,
)
kpi_ui.csv_button(teams.drop("key"), "utilization_by_team", key="ut_teams_csv")
st.plotly_chart(
    split_chart(uv.hours_split(weeks, "team"), "team", "Billable vs non-billable hours"),
    key="ut_team_split",
)

scope = weeks
scope_label = "all teams"
if picked_team.height:
    team, employment = picked_team["team"].item(), picked_team["employment"].item()
    scope = weeks.with_columns(pl.col("team").fill_null(uv.NO_TEAM)).filter(
        (pl.col("team") == team) & (pl.col("employment") == employment)
    )
    scope_label = f"{team} ({employment}s)"

# ---- people and the person x week heatmap
st.subheader(f"People · {scope_label}")
people = uv.people_table(scope).with_columns(in_points("gap"))
st.caption(
    "Furthest below target first. Pick a person (row here, or a cell of the heatmap) to see "
    "their weeks and the entries behind them."
)
picked_row = app_state.selectable_table(
    people,
    "person_id",
    key="ut_people",
    mode="single-row",
    columns=PEOPLE_COLUMNS,
    height=320,
)
kpi_ui.csv_button(people, "utilization_by_person", key="ut_people_csv")

st.subheader(f"Person × week · {scope_label}")
hm = uv.heatmap(scope, people["person_id"].head(HEATMAP_ROWS).to_list())
if people.height > HEATMAP_ROWS:
    st.caption(
        f"The {HEATMAP_ROWS} people furthest below target, in the table's order "
        f"({people.height:,} in all): pick a team above to see its people."
    )
event = st.plotly_chart(
    heatmap_chart(hm), key="ut_heatmap", on_select="rerun", selection_mode="points"
)
cell = kpi_drill.plotly_cell(event, hm.labels, [w.isoformat() for w in hm.weeks])
person_id = kpi_drill.latest_pick(
    "ut_person",
    {
        "table": picked_row["person_id"].item() if picked_row.height else None,
        "heatmap": hm.person_ids[cell[0]] if cell else None,
    },
)
picked_week = hm.weeks[cell[1]] if cell and hm.person_ids[cell[0]] == person_id else None

# ---- drill-down: one person's weeks and entries
if person_id is None or person_id not in set(weeks["person_id"]):
    st.info("Pick a person above to see their weeks and entries.", icon=":material/touch_app:")
    st.stop()
who = people.filter(pl.col("person_id") == person_id)
who = who if who.height else uv.people_table(weeks).filter(pl.col("person_id") == person_id)
row = who.row(0, named=True)
st.subheader(f"{row['person_name']} · {row['team']} · {row['employment']}")
st.caption(
    f"{kpi_ui.pct(row['utilization'])} utilization against a target of "
    f"{kpi_ui.pct(row['target_utilization'])}: {row['billable_hours']:,.2f} billable h, "
    f"{row['nonbillable_hours']:,.2f} non-billable h, {row['available_hours']:,.2f} available h."
)
person = uv.person_weeks(weeks, person_id)
picked_week_row = app_state.selectable_table(
    person.with_columns(pl.col("week_start").cast(pl.String).alias("key")),
    "key",
    key=f"ut_weeks_{person_id}",
    mode="single-row",
    columns=WEEK_COLUMNS,
)
kpi_ui.csv_button(person, f"utilization_{person_id}_weeks", key="ut_person_weeks_csv")
split = (
    person.rename({"billable_hours": "billable", "nonbillable_hours": "non-billable"})
    .unpivot(
        ["billable", "non-billable"],
        index=["week_start", "available_hours"],
        variable_name="kind",
        value_name="hours",
    )
    .rename({"available_hours": "available"})
)
st.plotly_chart(split_chart(split, "week_start", "Hours by week"), key="ut_person_split")

week = kpi_drill.latest_pick(
    f"ut_week_{person_id}",
    {
        "heatmap": picked_week,
        "table": picked_week_row["week_start"].item() if picked_week_row.height else None,
    },
)
start, end = filters.start, filters.end
if week is not None:
    start, end = max(week, filters.start), min(week + timedelta(days=6), filters.end)
entries = kpi_drill.drill(uv.person_entries, filters, filters, person_id, start, end)
if entries is not None:
    shown = f"week of {week.isoformat()}" if week else filters.label()
    st.markdown(f"**Entries · {shown}** ({entries.height:,}; pick a week above to narrow)")
    st.dataframe(
        entries, hide_index=True, column_order=list(ENTRY_COLUMNS), column_config=ENTRY_COLUMNS
    )
    kpi_ui.csv_button(
        entries.select(list(ENTRY_COLUMNS)),
        f"entries_{person_id}_{start}_{end}",
        key="ut_entries_csv",
    )
