"""Realization & margin: how much of the work's value at rate card was billed and collected, by
client and project, what each project earned over its cost, and how fixed-fee projects burn
their budget. Thin: read_models/realization_view.py reads and shapes, this page draws."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from metrics.kpis import REALIZATION_TARGET, ratio, summarize_realization
from read_models import realization_view as rv
from ui import app_state, figures, kpi_ui

app_state.require_sign_in()  # before anything of the page is drawn

DEFINITIONS = f"""
**Billing realization** = billed value ÷ value at rate card, over the work done in the range
**that has been invoiced**: time & materials and retainer hours, and fixed-fee and milestone
work once its fee is invoiced. The value at rate card is hours × the contract's rate card
rate, converted to the base currency at the work date's rate; an invoiced entry with no single
card rate counts its billed value as its value at rate card. The billed value is each entry's
part of the invoice's fee lines (time, rush, discounts, caps, retainer fees, overage, fixed
fees, milestones), at the invoice date's rate: a line goes to the entries it names, else to
the invoice's entries (by the entries' invoice), else to the project's (and person's) work in
the invoice's service period, split pro rata to value at rate card; a discount or write-down
line spreads over all of the invoice's work. A fixed fee above the effort shows above 100%;
it is never capped. Target: {REALIZATION_TARGET:.0%}.

**Effective bill rate** = billed value ÷ hours of the same invoiced entries, next to the rate
card rate (value at rate card ÷ the same hours).

**Unbilled work (WIP)** — billable entries of the range that no invoice names yet — is shown
apart at rate card value and left out of realization: it is not a write-down until it is billed.
Fixed-fee and milestone work not invoiced yet is followed by budget burn instead.

**Standard → billed → collected**: for the invoiced work of the range, *write-downs & discounts*
= value at rate card − billed; of the billed value, the part **collected** is the billed value ×
the share of each invoice paid by the chosen date (end of the range by default, or today), with
payments applied to invoices as the receivables ledger applies them (the invoice named in the
payment, else the one open invoice of that amount, else an operator's allocation). A credit memo
applied to an invoice is a **write-off** — shown as its own step, not as collected; the rest is
*not yet collected*.

**Project margin** = revenue − cost, and margin % = margin ÷ revenue. Revenue = the fee lines
(not expenses) of the invoices whose service period starts in the range, credit memos included,
except fixed fees, recognised straight-line by days over their invoice's service period;
cost = every hour logged on the project in the range, billable or not, × the person's cost rate.
This is a contribution margin: no overhead is allocated.

**Budget burn** (fixed-fee, milestone and budgeted projects) = hours to date ÷ budget hours,
against the share of milestones complete or accepted. A project is flagged when burn runs more
than {rv.BURN_AHEAD:.0%} points ahead of its milestones; without milestones or a budget the
comparison is n/a.

Money is in the firm's base currency, rounded half-up to cents.
"""

MONEY_FMT = "accounting"


def _money_col(label: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format=MONEY_FMT)


PCT_COL = st.column_config.NumberColumn("Realization", format="percent")
GROUP_COLUMNS = {
    "client_id": None,
    "project_id": st.column_config.TextColumn("Project id"),
    "client_name": "Client",
    "project_name": "Project",
    "billed_hours": st.column_config.NumberColumn("Invoiced hours", format="%.2f"),
    "standard_value": _money_col("At rate card"),
    "billed_value": _money_col("Billed"),
    "write_down": _money_col("Write-down"),
    "realization": PCT_COL,
    "effective_rate": _money_col("Effective rate"),
    "standard_rate": _money_col("Rate card rate"),
    "wip_hours": st.column_config.NumberColumn("WIP hours", format="%.2f"),
    "wip_value": _money_col("WIP at rate card"),
}


@figures.kept
def realization_figure(clients: pl.DataFrame) -> go.Figure:
    """Realization by client (largest billed work first), the target as a dotted line."""
    shown = clients.filter(pl.col("realization").is_not_null()).head(25)
    fig = go.Figure(
        go.Bar(
            x=shown["client_name"].to_list(),
            y=shown["realization"].to_list(),
            customdata=shown["client_id"].to_list(),
            marker_color=[
                "#2e7d32" if v >= float(REALIZATION_TARGET) else "#c62828"
                for v in shown["realization"]
            ],
            hovertemplate="%{x}<br>realization %{y:.1%}<extra></extra>",
        )
    )
    fig.add_hline(
        y=float(REALIZATION_TARGET),
        line_dash="dot",
        annotation_text=f"target {REALIZATION_TARGET:.0%}",
    )
    fig.update_layout(
        height=340,
        margin={"t": 30, "b": 10},
        yaxis_tickformat=".0%",
        title="Realization by client (largest invoiced work first)",
    )
    return fig


def _realization_chart(clients: pl.DataFrame, key: str) -> object:
    return st.plotly_chart(
        realization_figure(clients), on_select="rerun", selection_mode="points", key=key
    )


def _picked_row(frame: pl.DataFrame, event: object) -> dict | None:
    rows = kpi_ui.picked_rows(event)
    return frame.row(rows[0], named=True) if rows and rows[0] < frame.height else None


def _picked_id(frame: pl.DataFrame, table: object, chart: object, column: str) -> str | None:
    """What the user picked: the id of the table's selected row, else of the clicked bar (its
    customdata), else None."""
    row = _picked_row(frame, table)
    if row:
        return str(row[column])
    points = kpi_ui.picked_points(chart)
    picked = points[0].get("customdata") if points else None
    return None if picked is None else str(picked)


def _realization_tab(data: rv.PageData) -> None:
    cur = data.base_currency
    billed = data.entries.filter(pl.col("billed_value").is_not_null())
    if billed.is_empty():
        st.info(
            "None of the hour-billed work in this range has been invoiced yet, so there is no "
            "realization to show. Its value at rate card is under *Unbilled work* below.",
            icon=":material/schedule:",
        )
    else:
        chart = _realization_chart(data.clients, key="re_client_chart")
        st.subheader("By client")
        st.caption("Pick a client to see its projects; pick a project to see its entries.")
        table = st.dataframe(
            data.clients,
            column_config=GROUP_COLUMNS,
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key="re_clients",
        )
        kpi_ui.csv_button(data.clients, "realization_by_client", key="re_clients_csv")
        client_id = _picked_id(data.clients, table, chart, "client_id")
        if client_id:
            _client_drill(data, client_id)
    _wip(data, cur)


def _client_drill(data: rv.PageData, client_id: str) -> None:
    projects = data.projects.filter(pl.col("client_id") == client_id)
    if projects.is_empty():
        return
    st.subheader(f"Projects of {projects['client_name'][0]}")
    table = st.dataframe(
        projects.drop("client_name"),
        column_config=GROUP_COLUMNS,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="re_projects",
    )
    kpi_ui.csv_button(projects, f"realization_{client_id}_projects", key="re_projects_csv")
    project = _picked_row(projects, table)
    if project:
        _project_entries(data, project["project_id"], project["project_name"])


def _project_entries(data: rv.PageData, project_id: str, name: str) -> None:
    entries = rv.project_entries(data.entries, project_id)
    st.subheader(f"Entries of {name}")
    st.dataframe(
        entries,
        column_config={
            "date": st.column_config.DateColumn("Date"),
            "person_name": "Person",
            "hours": st.column_config.NumberColumn("Hours", format="%.2f"),
            "rate": _money_col("Rate card rate"),
            "standard_value": _money_col("At rate card"),
            "billed_value": _money_col("Billed (empty = not yet)"),
            "collected_value": _money_col("Collected by range end"),
            "invoices": "Invoice(s)",
            "entry_id": "Entry",
        },
        hide_index=True,
        key="re_entries",
    )
    kpi_ui.csv_button(entries, f"entries_{project_id}", key="re_entries_csv")


def _wip(data: rv.PageData, cur: str) -> None:
    wip = data.projects.filter(pl.col("wip_hours") > 0).select(
        "client_name", "project_id", "project_name", "wip_hours", "wip_value"
    )
    st.subheader("Unbilled work (WIP)")
    if wip.is_empty():
        st.caption("Every hour-billed entry of the range is on an invoice.")
        return
    total = sum(wip["wip_value"].to_list(), start=Decimal(0))
    st.caption(
        f"{wip['wip_hours'].sum():,.2f} hours worth {kpi_ui.money(total, cur)} at rate card "
        "that no invoice names yet — left out of realization until billed."
    )
    table = st.dataframe(
        wip,
        column_config=GROUP_COLUMNS,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="re_wip",
    )
    kpi_ui.csv_button(wip, "unbilled_wip", key="re_wip_csv")
    picked = _picked_row(wip, table)
    if picked:
        _project_entries(data, picked["project_id"], picked["project_name"])


def _waterfall_tab(data: rv.PageData) -> None:
    cur = data.base_currency
    now = st.toggle(
        f"Collected by today ({data.today:%b %d, %Y}) instead of by the end of the range "
        f"({data.as_of:%b %d, %Y})",
        key="re_asof_today",
    )
    steps = rv.waterfall(data.entries, now=now)
    values = [float(v) for v in steps["value"]]
    if values[0] == 0:
        st.info("No invoiced hour-billed work in this range yet.", icon=":material/schedule:")
        return
    bases, heights, running = [], [], 0.0
    for kind, value in zip(steps["kind"], values, strict=True):
        if kind == "total":
            bases.append(0.0)
            heights.append(value)
            running = value
        else:
            bases.append(running + min(value, 0.0))
            heights.append(abs(value))
            running += value
    colors = {"total": "#1565c0"}
    fig = go.Figure(
        go.Bar(
            x=steps["step"].to_list(),
            y=heights,
            base=bases,
            marker_color=[
                colors.get(k, "#c62828" if v < 0 else "#2e7d32")
                for k, v in zip(steps["kind"], values, strict=True)
            ],
            text=[kpi_ui.money(v) for v in values],
            textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=420,
        margin={"t": 40, "b": 10},
        title=f"Invoiced work of the range, {cur}: standard value → billed → collected",
        yaxis_title=cur,
        showlegend=False,
    )
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key="re_waterfall")
    realization = ratio(values[2], values[0])
    collection = ratio(values[5], values[2])
    st.caption(
        f"Billing realization {kpi_ui.pct(realization)} · collection realization "
        f"{kpi_ui.pct(collection)} · cash realization {kpi_ui.pct(ratio(values[5], values[0]))}."
        + (
            " Work invoiced after the range end is not collected by it: pick *today* to see"
            " what has come in since."
            if not now and values[5] == 0
            else ""
        )
    )
    points = kpi_ui.picked_points(event)
    clicked = points[0].get("x") if points else None
    step = st.selectbox(
        "Rows behind a step (or click a bar)",
        rv.WATERFALL_STEPS,
        index=rv.WATERFALL_STEPS.index(clicked) if clicked in rv.WATERFALL_STEPS else 1,
        key=f"re_step_{clicked}",
    )
    rows = rv.waterfall_step_by_project(data.entries, step, now=now)
    st.dataframe(
        rows,
        column_config={
            "client_name": "Client",
            "project_id": "Project id",
            "project_name": "Project",
            "amount": _money_col(step),
        },
        hide_index=True,
        key="re_step_rows",
    )
    kpi_ui.csv_button(rows, f"waterfall_{step}", key="re_step_csv")


def _margin_tab(data: rv.PageData) -> None:
    cur = data.base_currency
    table_rows = rv.margin_table(data.margin)
    if table_rows.is_empty():
        st.info("No client project has revenue or hours in this range.", icon=":material/info:")
        return
    shown = table_rows
    if shown.height > 30:
        shown = pl.concat([shown.head(15), shown.tail(15)])
        st.caption(
            f"The 15 highest and 15 lowest margins of {table_rows.height} projects; "
            "the table below has them all."
        )
    shown = shown.reverse()  # highest at the top of a horizontal bar chart
    labels = [f"{n} ({p})" for n, p in zip(shown["project_name"], shown["project_id"], strict=True)]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=[float(m) for m in shown["margin"]],
            orientation="h",
            customdata=shown["project_id"].to_list(),
            marker_color=["#2e7d32" if m >= 0 else "#c62828" for m in shown["margin"]],
            text=[kpi_ui.pct(p) for p in shown["margin_pct"]],
            textposition="outside",
            hovertemplate="%{y}<br>margin %{x:,.0f}<br>margin % %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(300, 22 * shown.height + 80),
        margin={"t": 40, "b": 10, "l": 10},
        title=f"Margin by project, {cur} (label: margin % of revenue)",
        xaxis_title=cur,
    )
    chart = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key="re_margin_chart")
    table = st.dataframe(
        table_rows,
        column_config={
            "project_id": "Project id",
            "project_name": "Project",
            "client_id": None,
            "client_name": "Client",
            "billing": "Billing",
            "hours": st.column_config.NumberColumn("Hours", format="%.2f"),
            "billable_hours": st.column_config.NumberColumn("Billable hours", format="%.2f"),
            "revenue": _money_col("Revenue"),
            "cost": _money_col("Cost"),
            "margin": _money_col("Margin"),
            "margin_pct": st.column_config.NumberColumn("Margin %", format="percent"),
            "entries_without_cost_rate": st.column_config.NumberColumn("Entries w/o cost rate"),
        },
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="re_margin",
    )
    kpi_ui.csv_button(table_rows, "project_margin", key="re_margin_csv")
    project_id = _picked_id(table_rows, table, chart, "project_id")
    if project_id:
        _project_cost(data, project_id)


def _project_cost(data: rv.PageData, project_id: str) -> None:
    cost = rv.project_cost(data.margin_people, project_id)
    name = data.margin.filter(pl.col("project_id") == project_id)["project_name"]
    st.subheader(f"Cost of {name[0] if name.len() else project_id} by person")
    st.dataframe(
        cost,
        column_config={
            "person_id": None,
            "person_name": "Person",
            "team": "Team",
            "hours": st.column_config.NumberColumn("Hours", format="%.2f"),
            "billable_hours": st.column_config.NumberColumn("Billable hours", format="%.2f"),
            "cost_rate": _money_col("Cost rate"),
            "cost": _money_col("Cost"),
        },
        hide_index=True,
        key="re_cost_people",
    )
    kpi_ui.csv_button(cost, f"cost_{project_id}", key="re_cost_people_csv")
    if project_id in set(data.entries["project_id"].cast(pl.String).to_list()):
        with st.expander("Its hour-billed entries (realization)"):
            entries = rv.project_entries(data.entries, project_id)
            st.dataframe(entries, hide_index=True, key="re_margin_entries")
            kpi_ui.csv_button(entries, f"entries_{project_id}", key="re_margin_entries_csv")


def _burn_tab(data: rv.PageData) -> None:
    burn = rv.burn_table(data.burn)
    if burn.is_empty():
        st.info(
            "No fixed-fee, milestone or budgeted project has hours up to the end of this range.",
            icon=":material/info:",
        )
        return
    flagged = burn.filter(pl.col("burn_ahead"))
    st.caption(
        f"{flagged.height} of {burn.height} projects burn their hours more than "
        f"{rv.BURN_AHEAD:.0%} points ahead of their milestones."
    )
    shown = (
        burn.filter(pl.col("burn").is_not_null())
        .sort(["burn_ahead", "burn"], descending=True)
        .head(25)
    )
    if not shown.is_empty():
        labels = [
            f"{n} ({p})" for n, p in zip(shown["project_name"], shown["project_id"], strict=True)
        ]
        fig = go.Figure(
            [
                go.Bar(
                    x=labels,
                    y=shown["burn"].to_list(),
                    name="Hours to date ÷ budget (red: ahead of milestones)",
                    customdata=shown["project_id"].to_list(),
                    marker_color=["#c62828" if f else "#1565c0" for f in shown["burn_ahead"]],
                ),
                go.Scatter(
                    x=labels,
                    y=shown["milestones_done"].to_list(),
                    name="Milestones done",
                    mode="markers",
                    marker={"symbol": "diamond", "size": 11, "color": "#212121"},
                ),
            ]
        )
        fig.update_layout(
            height=380,
            margin={"t": 80, "b": 10},
            yaxis_tickformat=".0%",
            title="Budget burn against milestones (red: burn ahead of completion)",
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        )
        chart = st.plotly_chart(
            fig, on_select="rerun", selection_mode="points", key="re_burn_chart"
        )
    else:
        chart = None
    table = st.dataframe(
        burn,
        column_config={
            "project_id": "Project id",
            "project_name": "Project",
            "client_id": None,
            "client_name": "Client",
            "billing": "Billing",
            "status": "Status",
            "budget_hours": st.column_config.NumberColumn("Budget hours", format="%.1f"),
            "hours_to_date": st.column_config.NumberColumn("Hours to date", format="%.2f"),
            "burn": st.column_config.NumberColumn("Burn", format="percent"),
            "milestones_done": st.column_config.NumberColumn("Milestones done", format="percent"),
            "burn_ahead_by": st.column_config.NumberColumn("Burn ahead by", format="percent"),
            "burn_ahead": st.column_config.CheckboxColumn("Flag"),
            "fee": _money_col("Fee"),
            "billed_to_date": _money_col("Billed to date"),
            "cost_to_date": _money_col("Cost to date"),
            "first_day": st.column_config.DateColumn("First hours"),
            "last_day": st.column_config.DateColumn("Last hours"),
        },
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="re_burn",
    )
    kpi_ui.csv_button(burn, "budget_burn", key="re_burn_csv")
    project_id = _picked_id(burn, table, chart, "project_id")
    if project_id:
        _project_cost(data, project_id)


def _rate(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{rv.cents(Decimal(value)):,}"


def _headline(data: rv.PageData) -> None:
    cur = data.base_currency
    real = summarize_realization(data.entries)
    margin = data.margin
    revenue = sum(margin["revenue"].to_list(), start=Decimal(0))
    cost = sum(margin["cost"].to_list(), start=Decimal(0))
    cols = st.columns(5)
    cols[0].metric(
        "Billing realization",
        kpi_ui.pct(real.value),
        help=f"Target {REALIZATION_TARGET:.0%}. {real.covers}",
    )
    card_rate = real.standard_value / real.billed_hours if real.billed_hours else None
    cols[1].metric(
        f"Bill rate ({cur})",
        _rate(real.effective_rate),
        help=(
            "Effective bill rate: billed ÷ invoiced hours; the rate card gives "
            f"{_rate(card_rate)} for the same hours."
        ),
    )
    cols[2].metric(f"Billed ({cur})", kpi_ui.money(real.billed_value))
    cols[3].metric(
        f"Unbilled WIP ({cur})",
        kpi_ui.money(real.unbilled_value),
        help=f"{float(real.unbilled_hours):,.2f} hours no invoice names yet, at rate card.",
    )
    cols[4].metric(
        "Project margin",
        kpi_ui.pct(ratio(revenue - cost, revenue)),
        help=f"Revenue {kpi_ui.money(revenue, cur)} − cost {kpi_ui.money(cost, cur)}.",
    )


filters = kpi_ui.page_header(
    "Realization & margin",
    "How much of the work's value at rate card was billed and collected, and what projects earn",
    DEFINITIONS,
    kpi="billing_realization",
)
data: rv.PageData | None = kpi_ui.read(rv.read_page, stored=True)
if data is None:
    st.stop()
if not data.has_data:
    kpi_ui.empty_state("realization and margin")
    st.stop()
if data.entries.is_empty() and data.margin.is_empty() and data.burn.is_empty():
    st.info(
        f"No project work is recorded in {filters.label()}. Pick another period in the sidebar.",
        icon=":material/event_busy:",
    )
    st.stop()

_headline(data)
tab_real, tab_fall, tab_margin, tab_burn = st.tabs(
    ["Realization by client", "Standard → billed → collected", "Project margin", "Budget burn"]
)
with tab_real:
    _realization_tab(data)
with tab_fall:
    _waterfall_tab(data)
with tab_margin:
    _margin_tab(data)
with tab_burn:
    _burn_tab(data)
