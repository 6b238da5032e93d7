"""Timesheet compliance: who submits their week on time and complete, who does not, and which
teams fall short of the firm's 95% target; any cell or offender opens the week behind it."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from metrics.kpis import COMPLIANCE_TARGET
from read_models import compliance_view as cv
from ui import app_state, figures, kpi_drill, kpi_ui

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config
PCT = "percent"
GRID_ROWS = 60  # rows a cell can still be clicked in (the firm has hundreds of people)

DEFINITIONS = f"""
**Timesheet compliance** = person-weeks submitted by the deadline *and* reaching 90% of the
expected hours ÷ person-weeks expected, against the firm's target of
**{float(COMPLIANCE_TARGET):.0%}** (kpis.md §7: the stricter "on time and complete" reading;
the on-time submission share and completeness are shown next to it).

- **Expected**: every person-week with expected hours, i.e. weekday capacity less public
  holidays and time off (DATA_CONTRACT "Capacity"); weeks start on the firm's `week_starts` day
  and belong to the range of their first day. Only weeks whose deadline has passed count.
- **Deadline**: the firm's `timesheet_deadline` (e.g. `mon 12:00`: the Monday after the week,
  12:00) in the firm's time zone. The week's submission is the *first* `submitted_at` of its
  entries: a resubmission does not clear a late flag.
- **Status** of a person-week: *missing* (nothing submitted), *late* (first submission after
  the deadline), *short* (first submission on time, but the hours *submitted by the deadline*
  are under 90% of expected: a week sent in batches, the rest late or never, is short), *on
  time*.
- **On-time submission** = on time + short ÷ expected; **completeness** = Σ min(logged,
  expected) ÷ Σ expected hours.
- **Worst offenders**: most non-compliant weeks (late, missing or short), then most hours short
  of expected (Σ of expected − logged over their weeks; for a week first submitted on time,
  expected − hours submitted by the deadline).
- **Contractors** follow their own policy (kpis.md §7): teams are split by employment and the
  employees' rate is shown apart. *All people* is the figure Overview reports.
"""

STATUS_COLORS = {
    "on_time": "#2e7d32",
    "short": "#f9a825",
    "late": "#ef6c00",
    "missing": "#c62828",
}
STATUS_ORDER = list(STATUS_COLORS)

# Widths so that every table fits the page at a 1280 px window (sidebar open, ~820 px); the
# CSVs carry every column (the submission and completeness rates, employment, entry ids).
TEAM_COLUMNS = {
    "team": cc.TextColumn("Team", width=125),
    "employment": cc.TextColumn("Employment", width=95),
    "people": cc.NumberColumn("People", format="localized", width=60),
    "person_weeks": cc.NumberColumn("Weeks", format="localized", width=65, help="Person-weeks"),
    "compliance": cc.NumberColumn("On time & complete", format=PCT, width=125),
    "on_time": cc.NumberColumn("On time", format="localized", width=65),
    "short": cc.NumberColumn("Short", format="localized", width=55),
    "late": cc.NumberColumn("Late", format="localized", width=55),
    "missing": cc.NumberColumn("Missing", format="localized", width=62),
}
OFFENDER_COLUMNS = {
    "person_name": cc.TextColumn("Person", width=140),
    "team": cc.TextColumn("Team", width=110),
    "non_compliant": cc.NumberColumn(
        "Weeks missed", format="localized", width=100, help="Non-compliant person-weeks"
    ),
    "person_weeks": cc.NumberColumn("Of weeks", format="localized", width=70),
    "late": cc.NumberColumn("Late", format="localized", width=55),
    "missing": cc.NumberColumn("Missing", format="localized", width=65),
    "short": cc.NumberColumn("Short", format="localized", width=55),
    "hours_short": cc.NumberColumn("Hours short", format="%.1f", width=90),
}
WEEK_COLUMNS = {
    "week_start": cc.DateColumn("Week of", format="YYYY-MM-DD", width=95),
    "status": cc.TextColumn("Status", width=110),
    "expected_hours": cc.NumberColumn("Expected h", format="%.2f", width=85),
    "logged_hours": cc.NumberColumn("Logged h", format="%.2f", width=75),
    "on_time_hours": cc.NumberColumn(
        "On time h", format="%.2f", width=80, help="Hours submitted by the deadline"
    ),
    "deadline": cc.DatetimeColumn("Deadline", format="YYYY-MM-DD HH:mm", width=130),
    "submitted_at": cc.DatetimeColumn("First submitted", format="YYYY-MM-DD HH:mm", width=130),
}
ENTRY_COLUMNS = {
    "date": cc.DateColumn("Date", format="YYYY-MM-DD ddd", width=115),
    "project_name": cc.TextColumn("Project", width=140),
    "client_name": cc.TextColumn("Client", width=120),
    "hours": cc.NumberColumn("Hours", format="%.2f", width=60),
    "billable": cc.CheckboxColumn("Billable", width=65),
    "submitted_at": cc.DatetimeColumn("Submitted", format="MM-DD HH:mm", width=100),
    "approved_at": cc.DatetimeColumn("Approved", format="MM-DD HH:mm", width=100),
}
ENTRY_CSV = [*ENTRY_COLUMNS, "entry_id"]


@figures.kept
def grid_chart(grid: cv.Grid) -> go.Figure:
    """The person x week grid: one colour per status (a discrete scale over their codes)."""
    code = {s: n for n, s in enumerate(STATUS_ORDER)}
    z = [[None if s is None else code[s] for s in row] for row in grid.statuses]
    text = [[cv.STATUS_LABELS.get(s, "nothing expected") for s in row] for row in grid.statuses]
    steps = len(STATUS_ORDER)
    scale = []
    for n, status in enumerate(STATUS_ORDER):
        scale += [[n / steps, STATUS_COLORS[status]], [(n + 1) / steps, STATUS_COLORS[status]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[w.isoformat() for w in grid.weeks],
            y=grid.labels,
            text=text,
            zmin=-0.5,
            zmax=steps - 0.5,
            colorscale=scale,
            xgap=1,
            ygap=1,
            hoverongaps=False,
            colorbar={
                "tickvals": list(range(steps)),
                "ticktext": [cv.STATUS_LABELS[s] for s in STATUS_ORDER],
            },
        )
    )
    kpi_drill.clickable_cells(
        fig,
        [w.isoformat() for w in grid.weeks],
        grid.labels,
        grid.statuses,
        "%{y}<br>week of %{x}<br>%{text}<br>click for the week's entries<extra></extra>",
        text=lambda s: cv.STATUS_LABELS[s],
    )
    fig.update_layout(
        height=max(260, 18 * len(grid.labels) + 120),
        margin={"t": 10, "b": 10, "l": 10, "r": 10},
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"type": "category", "side": "top"},
    )
    return fig


@figures.kept
def team_chart(teams: pl.DataFrame) -> go.Figure:
    labels = [
        f"{t}{' (contractors)' if e == cv.CONTRACTOR else ''}"
        for t, e in teams.select("team", "employment").iter_rows()
    ]
    fig = go.Figure()
    for column, name, color in (
        ("compliance", "on time & complete", "#1565c0"),
        ("on_time_submission", "submitted on time", "#90caf9"),
    ):
        fig.add_bar(x=labels, y=teams[column].to_list(), name=name, marker_color=color)
    fig.add_hline(
        y=float(COMPLIANCE_TARGET),
        line_dash="dash",
        annotation_text="target",
        line_color="#424242",
    )
    fig.update_layout(
        barmode="group",
        height=320,
        yaxis={"tickformat": ".0%", "range": [0, 1.05]},
        margin={"t": 20, "b": 10, "l": 10, "r": 10},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


filters = kpi_ui.page_header(
    "Timesheet compliance",
    "Person-weeks submitted by the deadline and complete, against the firm's 95% target",
    DEFINITIONS,
    kpi="timesheet_compliance",
)
rows = kpi_ui.read_rows(
    cv.compliance_weeks, f"person-weeks whose deadline has passed in {filters.label()}"
)

# ---- the firm against its target
summary = cv.summaries(rows)
firm = summary["all"]
cols = st.columns(4)
gap = None if firm.value is None else float(firm.value - COMPLIANCE_TARGET) * 100
cols[0].metric(
    "On time & complete",
    kpi_ui.pct(firm.value),
    delta=None if gap is None else f"{gap:+.1f} pts vs target",
    help=f"Target {kpi_ui.pct(COMPLIANCE_TARGET, 0)}. All people: {firm.counts['on_time']:,} of "
    f"{firm.weeks:,} person-weeks",
    border=True,
)
cols[1].metric("Submitted on time", kpi_ui.pct(firm.on_time_submission), border=True)
cols[2].metric("Completeness", kpi_ui.pct(firm.completeness), border=True)
staff = summary["employees"]
cols[3].metric(
    "Employees only",
    kpi_ui.pct(staff.value),
    help="On time & complete, contractors left out (they follow their own policy)",
    border=True,
)
st.caption(
    " · ".join(f"{cv.STATUS_LABELS[s]}: **{firm.counts[s]:,}**" for s in STATUS_ORDER)
    + f" person-weeks (contractors: {summary['contractors'].weeks:,} of them)"
)

# ---- team rates
st.subheader("Team rates")
teams = cv.team_rates(rows)
picked_team = app_state.selectable_table(  # the page's width; the chart under it
    teams.with_columns(pl.concat_str("team", pl.lit("|"), "employment").alias("key")),
    "key",
    key="tc_teams",
    mode="single-row",
    columns=TEAM_COLUMNS,
)
kpi_ui.csv_button(teams, "compliance_by_team", key="tc_teams_csv")
st.caption("Pick a team to narrow the offenders and the grid to it.")
st.plotly_chart(team_chart(teams), key="tc_team_chart")

scope, scope_label = rows, "all teams"
if picked_team.height:
    team, employment = picked_team["team"].item(), picked_team["employment"].item()
    scope = rows.filter((pl.col("team") == team) & (pl.col("employment") == employment))
    scope_label = f"{team} ({employment}s)"

# ---- worst offenders and the grid
st.subheader(f"Worst offenders · {scope_label}")
offenders = cv.offenders(scope)
st.caption(
    f"{offenders.height:,} {'person' if offenders.height == 1 else 'people'} missed at least one week. "
    "Most non-compliant weeks first, "
    "then most hours short. Pick one to see their weeks."
)
picked_offender = app_state.selectable_table(
    offenders,
    "person_id",
    key="tc_offenders",
    mode="single-row",
    columns=OFFENDER_COLUMNS,
    height=320,
)
kpi_ui.csv_button(offenders, "compliance_offenders", key="tc_offenders_csv")

st.subheader(f"Person × week · {scope_label}")
grid = cv.grid(scope)
if len(grid.person_ids) > GRID_ROWS:
    st.caption(
        f"The first {GRID_ROWS} of {len(grid.person_ids):,} people, worst offenders first: "
        "pick a team above to see its people."
    )
    grid = cv.Grid(
        grid.person_ids[:GRID_ROWS], grid.labels[:GRID_ROWS], grid.weeks, grid.statuses[:GRID_ROWS]
    )
event = st.plotly_chart(grid_chart(grid), key="tc_grid", on_select="rerun", selection_mode="points")
cell = kpi_drill.plotly_cell(event, grid.labels, [w.isoformat() for w in grid.weeks])
grid_pick = (grid.person_ids[cell[0]], grid.weeks[cell[1]]) if cell else None
person_id = kpi_drill.latest_pick(
    "tc_person",
    {
        "table": picked_offender["person_id"].item() if picked_offender.height else None,
        "grid": grid_pick[0] if grid_pick else None,
    },
)
if person_id is None or person_id not in set(rows["person_id"]):
    st.info(
        "Pick an offender or a cell of the grid to see the week behind it.",
        icon=":material/touch_app:",
    )
    st.stop()

# ---- drill-down: the person's weeks, then one week's entries against its deadline
tz = rows["deadline"].dtype.time_zone  # the firm's (compliance_weeks converts to it)
weeks = rows.filter(pl.col("person_id") == person_id).sort("week_start")
first = weeks.row(0, named=True)
st.subheader(f"{first['person_name']} · {first['team']} · {first['employment']}")
picked_week_row = app_state.selectable_table(
    weeks.with_columns(pl.col("week_start").cast(pl.String).alias("key")),
    "key",
    key=f"tc_weeks_{person_id}",
    mode="single-row",
    columns=WEEK_COLUMNS,
)
kpi_ui.csv_button(
    weeks.select(list(WEEK_COLUMNS)), f"compliance_{person_id}_weeks", key="tc_weeks_csv"
)
week = kpi_drill.latest_pick(
    f"tc_week_{person_id}",
    {
        "grid": grid_pick[1] if grid_pick and grid_pick[0] == person_id else None,
        "table": picked_week_row["week_start"].item() if picked_week_row.height else None,
    },
)
if week is None:
    st.info(f"Pick a week of {first['person_name']} to see its entries.")
    st.stop()
detail = cv.person_week(weeks, person_id, week)
if detail is None:
    st.stop()
st.markdown(
    f"**Week of {week.isoformat()}: {cv.STATUS_LABELS[detail['status']]}** — "
    f"{detail['logged_hours']:,.2f} h logged of {detail['expected_hours']:,.2f} h expected "
    f"(90% is {0.9 * detail['expected_hours']:,.2f} h), "
    f"{detail['on_time_hours']:,.2f} h of it submitted by the deadline. Deadline "
    f"{detail['deadline']:%a %Y-%m-%d %H:%M} ({tz}); first submission "
    + (
        f"{detail['submitted_at']:%a %Y-%m-%d %H:%M}, "
        if detail["submitted_at"] is not None
        else ""
    )
    + cv.lateness(detail["submitted_at"], detail["deadline"])
    + "."
)
entries = kpi_drill.drill(cv.week_entries, filters, person_id, week)
if entries is not None:
    st.dataframe(
        entries, hide_index=True, column_order=list(ENTRY_COLUMNS), column_config=ENTRY_COLUMNS
    )
    kpi_ui.csv_button(
        entries.select(ENTRY_CSV), f"entries_{person_id}_{week}", key="tc_entries_csv"
    )
