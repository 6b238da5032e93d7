"""Overview for leadership: the month's KPIs against their targets with the change from the
month before, a 12-month trend per KPI, and the five largest revenue-leakage items."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from metrics.filters import Filters
from metrics.kpis import Kpi, filter_note
from read_models.overview import CARD_KPIS, Overview, overview
from ui import app_state, figures, kpi_ui

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config
STATUS_BADGE = {
    "green": ("On target", "green", ":material/check_circle:"),
    "amber": ("Near target", "orange", ":material/warning:"),
    "red": ("Off target", "red", ":material/error:"),
}
FINDINGS_SHOWN = 200  # findings of the range drawn under the top items, largest first
KIND_LABEL = {
    "unbilled_time": "Unbilled time",
    "write_down": "Write-down below card",
    "over_cap": "Hours over cap",
    "expired_rollover": "Expired retainer hours",
}
KIND_WORDS = pl.col("kind").replace_strict(KIND_LABEL, default=pl.col("kind"))
# Where each card's rows are (its drill-down).
DETAIL_PAGE = {
    "billable_utilization": ("pages/utilization.py", "Utilization by team and person"),
    "billing_realization": ("pages/realization.py", "Realization by client and project"),
    "dso": ("pages/ar_aging.py", "Open invoices and aging"),
    "timesheet_compliance": ("pages/compliance.py", "Late, short or missing weeks"),
}
# Cards whose rows are further down this page: an in-page link to the section behind them.
DETAIL_HERE = {
    "days_to_invoice": ("invoices-behind-days-to-invoice", "The invoices behind it"),
    "revenue_leakage": ("leakage-findings", "The leakage findings"),
}
DEFINITIONS = """
- **Billable utilization** = billable hours ÷ available hours. Billable: time on a client
  project that is billable (the entry's flag, else its SOW line's, else yes), approved or not.
  Available: weekly capacity ÷ 5 per weekday between start and end date, less public holidays
  and time off (the larger of the two on a day). Target: each person's own target, weighted by
  their available hours. Everyone with capacity counts, contractors included.
- **Billing realization** = billed value ÷ value at rate card, for work done in the range and
  invoiced since: T&M and retainer hours, and fixed-fee and milestone work once its fee is
  invoiced (the fee spread over the work pro rata to value at rate card). Invoices that name no
  entries are matched to the work by the entries' invoice, else by project, person and service
  period; discounts on the invoice count. Unbilled work is not in it (it is WIP or leakage).
  Target ≥ 95%.
- **DSO** (countback) = days of the most recent months' invoicing that the open receivables
  at the range end represent. Target: the clients' payment terms (weighted by open amount) + 5
  days.
- **Timesheet compliance** = person-weeks submitted by the firm's deadline *and* reaching 90%
  of expected hours ÷ person-weeks expected. A week counts in the month of its first day.
  Target ≥ 95%.
- **Days to invoice** = business days from a billing period's end to the day its invoice was
  sent, averaged over invoices. Target ≤ 3.
- **Revenue leakage** = unbilled approved time whose billing day (the 5th business day of the
  next month) has passed, plus the write-downs the Realization page shows for the same range
  (value at rate card − billed), plus hours over caps. Unbilled time and caps come from the
  exception queue (`python -m rules run`). Expired retainer hours are reported apart. Amounts
  are in the firm's base currency.

Status: green meets the target, amber is within 5 points (2 days) of it, red is further off.
"""


def value_text(k: Kpi, value: Decimal | None, currency: str | None) -> str:
    if k.unit == "ratio":
        return kpi_ui.pct(value)
    if k.unit == "days":
        return kpi_ui.days(value)
    return kpi_ui.money(value, currency or "")


def delta_text(k: Kpi, value: Decimal | None, before: Decimal | None) -> str | None:
    if value is None or before is None:
        return None
    change = value - before
    if k.unit == "ratio":
        return f"{float(change) * 100:+.1f} pts"
    if k.unit == "days":
        return f"{float(change):+.1f} d"
    return f"{float(change):+,.0f}"


def target_text(k: Kpi) -> str:
    if k.target is None:
        return "No target"
    sign = "≥" if k.higher_is_better else "≤"
    return f"Target {sign} {value_text(k, k.target, None)}"


def leakage_parts(k: Kpi, currency: str | None) -> str:
    """The three parts of the leakage figure; the write-downs are the Realization page's."""
    d = k.detail
    return (
        f"Unbilled past billing day {kpi_ui.money(d['unbilled_time'], currency or '')} · "
        f"write-downs (as on Realization) {kpi_ui.money(d['write_downs'], currency or '')} · "
        f"over cap {kpi_ui.money(d['over_cap'], currency or '')}"
    )


def draw_card(k: Kpi, data: Overview, filters: Filters) -> None:
    before = data.previous.get(k.key)
    with st.container(border=True):
        delta = delta_text(k, k.value, before)
        unchanged = k.value is not None and before is not None and k.value == before
        st.metric(
            k.label,
            value_text(k, k.value, data.base_currency),
            delta="no change" if unchanged else delta,
            delta_color="off" if unchanged else ("normal" if k.higher_is_better else "inverse"),
            delta_arrow="off" if unchanged else "auto",
            delta_description="vs the period before",
            help=target_text(k),
        )
        if k.value is None:
            label, color, icon = ("No data for this range", "gray", None)
        else:
            label, color, icon = STATUS_BADGE.get(k.status or "", ("No target", "gray", None))
        st.badge(
            f"{label} · {target_text(k)}" if k.target is not None else label,
            color=color,
            icon=icon,
        )
        if k.covers:
            st.caption(k.covers)
        if k.key == "revenue_leakage":
            st.caption(leakage_parts(k, data.base_currency))
        st.caption(filter_note(k.key, filters, app_state.client_names()))
        if k.key in DETAIL_HERE:
            anchor, title = DETAIL_HERE[k.key]
            st.markdown(f":material/arrow_downward: [{title}](#{anchor})")
        else:
            page, title = DETAIL_PAGE[k.key]
            st.page_link(page, label=title, icon=":material/arrow_forward:")


def point_month(point: dict) -> str | None:
    """The YYYY-MM of a clicked trend point. Plotly reads the months as dates, so the point's x
    comes back as '2026-10-01' (a month axis), never as the '2026-10' that was drawn."""
    x = str(point.get("x") or "")
    return x[:7] if len(x) >= 7 and x[4] == "-" else None


TREND_KEY = "trends"
TREND_COLUMNS = 3  # panels per row, as the cards above them
TREND_COLOR = "#0068c9"  # the first colour of Streamlit's charts, as the panels had alone


def go_to_month() -> None:
    """A click on a trend point makes its month the app's period (every page follows)."""
    points = kpi_ui.picked_points(st.session_state.get(TREND_KEY))
    month = point_month(points[0]) if points else None
    if month in app_state.period_choices():
        st.session_state[app_state.PERIOD_KEY] = month
        st.session_state[app_state.RANGE_KEY] = "month"


@figures.kept
def trend_chart(trend: pl.DataFrame, cards: list[Kpi]) -> go.Figure:
    """Each card's 12-month trend as one panel of one figure, in the cards' grid: one Plotly
    figure draws in the browser in a fraction of the time six do (its set-up is per figure).
    Target lines are layout shapes given directly: Plotly's add_hline checks every subplot on
    each call, 0.06-0.1 s of each run of the page for six panels."""
    rows = -(-len(cards) // TREND_COLUMNS)
    fig = make_subplots(
        rows=rows,
        cols=TREND_COLUMNS,
        subplot_titles=[k.label for k in cards],
        horizontal_spacing=0.07,
        vertical_spacing=0.2,
    )
    targets: list[tuple[int, float]] = []
    for i, k in enumerate(cards):
        row, col = i // TREND_COLUMNS + 1, i % TREND_COLUMNS + 1
        points = trend.filter(pl.col("kpi") == k.key).sort("month")
        scale = 100 if k.unit == "ratio" else 1
        y = [None if v is None else v * scale for v in points["value"]]
        fig.add_trace(
            go.Scatter(
                x=points["month"].to_list(),
                y=y,
                mode="lines+markers",
                name=k.label,
                line_color=TREND_COLOR,  # one colour: a panel's hue says nothing about it
            ),
            row=row,
            col=col,
        )
        if k.target is not None:
            targets.append((i + 1, float(k.target) * scale))
        suffix = "%" if k.unit == "ratio" else (" d" if k.unit == "days" else "")
        fig.update_yaxes(ticksuffix=suffix, row=row, col=col)
    fig.update_layout(
        height=230 * rows,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        showlegend=False,
        shapes=[target_line(panel, y) for panel, y in targets],
        annotations=[*fig.layout.annotations, *(target_label(p, y) for p, y in targets)],
    )
    return fig


def _axes(panel: int) -> tuple[str, str]:
    """The x and y axis names of the `panel`-th subplot (1-based), as Plotly numbers them."""
    n = "" if panel == 1 else str(panel)
    return f"x{n}", f"y{n}"


def target_line(panel: int, y: float) -> dict:
    """A dotted line across the panel at the target (as add_hline draws it)."""
    x, y_axis = _axes(panel)
    return {
        "type": "line",
        "xref": f"{x} domain",
        "x0": 0,
        "x1": 1,
        "yref": y_axis,
        "y0": y,
        "y1": y,
        "line": {"dash": "dot", "color": "gray"},
    }


def target_label(panel: int, y: float) -> dict:
    """ "target" above the line's left end (add_hline's annotation_position="top left")."""
    x, y_axis = _axes(panel)
    return {
        "text": "target",
        "showarrow": False,
        "xref": f"{x} domain",
        "x": 0,
        "xanchor": "left",
        "yref": y_axis,
        "y": y,
        "yanchor": "bottom",
    }


def draw_days_to_invoice(data: Overview) -> None:
    """The invoices the days-to-invoice card averages: period end, sent, business days."""
    st.subheader("Invoices behind days to invoice", anchor="invoices-behind-days-to-invoice")
    rows = data.days_to_invoice
    if rows is None or rows.is_empty():
        st.caption("No sent invoice has its service period ending in this range.")
        return
    st.dataframe(
        rows.sort("business_days", descending=True).select(
            "number", "client_name", "month", "period_end", "sent_on", "business_days"
        ),
        column_config={
            "number": cc.TextColumn("Invoice", width=130),
            "client_name": cc.TextColumn("Client", width=220),
            "month": cc.TextColumn("Month", width=80),
            "period_end": cc.DateColumn("Period end", width=110),
            "sent_on": cc.DateColumn("Sent", width=110),
            "business_days": cc.NumberColumn("Business days", format="%d", width=120),
        },
        hide_index=True,
        key="days_to_invoice_rows",
    )


def draw_leakage(data: Overview) -> None:
    st.subheader("Top five leakage items", anchor="leakage-findings")
    if data.top_leakage.is_empty():
        st.info(
            "No leakage findings for this range. Findings come from the exception rules "
            "(`python -m rules run`, or *Run the exception rules* on the Exceptions page).",
            icon=":material/savings:",
        )
        return
    top = data.top_leakage.with_columns(KIND_WORDS.alias("what"))
    base = data.base_currency or "base"
    event = st.dataframe(
        top.select("what", "client_name", "project_name", "period", "findings", "value_base"),
        column_config={
            "what": cc.TextColumn("Leak", width=150),
            "client_name": cc.TextColumn("Client", width=170),
            "project_name": cc.TextColumn("Project", width=200),
            "period": cc.TextColumn("Period", width=75),
            "findings": cc.NumberColumn("Findings", width=75),
            "value_base": cc.NumberColumn(f"Value ({base})", format="accounting", width=110),
        },
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="top_leakage",
    )
    picked = kpi_ui.picked_rows(event)
    behind = data.leakage
    if picked:
        item = top.row(picked[0], named=True)
        behind = behind.filter(
            (pl.col("kind") == item["kind"])
            & (pl.col("period") == item["period"])
            & pl.col("project_id").eq_missing(item["project_id"])
            & pl.col("client_name").eq_missing(item["client_name"])
        )
        st.caption(f"The {behind.height} finding(s) behind *{item['what']}* — {item['period']}")
    else:
        st.caption("Pick a row to see the findings behind it. All findings of the range:")
    # Every column goes to the CSV; the table shows what a person reads (names, plain words)
    # in the page's width at 1280 px.
    shown = behind.select(
        KIND_WORDS.alias("what"),
        "client_name",
        "project_name",
        "period",
        "status",
        "value_base",
        "detail",
        "value",
        "currency",
        "exception_id",
        "project_id",
    )
    if shown.height > FINDINGS_SHOWN:
        st.caption(
            f"The {FINDINGS_SHOWN:,} largest of {shown.height:,} findings; the CSV has them all."
        )
    st.dataframe(
        shown.head(FINDINGS_SHOWN),  # sent to the browser on every run: a big firm has 12,000
        hide_index=True,
        key="leakage_findings",
        column_order=["what", "client_name", "project_name", "period", "value_base", "detail"],
        column_config={
            "what": cc.TextColumn("Leak", width=120),
            "client_name": cc.TextColumn("Client", width=130),
            "project_name": cc.TextColumn("Project", width=150),
            "period": cc.TextColumn("Period", width=70),
            "value_base": cc.NumberColumn(f"Value ({base})", format="accounting", width=105),
            "detail": cc.TextColumn("Detail", width=215),
        },
    )
    kpi_ui.csv_button(shown, "leakage_findings", key="leakage_csv")


filters = kpi_ui.page_header(
    "Overview",
    "The firm's margin KPIs against their targets, month over month",
    DEFINITIONS,
)
data: Overview | None = kpi_ui.read(overview, stored=True)
if data is not None and data.is_empty:
    kpi_ui.empty_state(filters.label())
elif data is not None:
    cards = [data.kpis[key] for key in CARD_KPIS if key in data.kpis]
    for row in (cards[:3], cards[3:]):
        for col, k in zip(st.columns(3), row, strict=False):
            with col:
                draw_card(k, data, filters)
    st.subheader("12-month trend")
    st.plotly_chart(
        trend_chart(data.trend, cards),
        key=TREND_KEY,
        on_select=go_to_month,
        selection_mode="points",
        config={"displayModeBar": False},
    )
    st.caption("Click a point of a trend to make its month the period of every page.")
    draw_leakage(data)
    draw_days_to_invoice(data)
    kpi_ui.keep_trend(filters)  # its 12-month sums kept for a live read, in the background
