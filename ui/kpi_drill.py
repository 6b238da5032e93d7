"""Drill-down helpers for the Utilization and Timesheet compliance pages: which of several
pickers (a table row, a heatmap cell) the user touched last, and the cached read of the rows
behind one pick.

Kept apart from ui/kpi_ui.py (shared with other pages, owned by the integrator); candidates to
move there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from metrics.filters import Filters
from metrics.session import kpi_connection
from warehouse.sessions import WarehouseBusy, warehouse_stamp


def latest_pick(key: str, sources: dict[str, Any]) -> Any:
    """The value of the picker changed in this run, else the pick of the last run while some
    picker still holds it, else whatever a picker holds, else None.

    A page offers the same choice twice (a person from a table row or from a heatmap cell);
    Streamlit keeps both selections, so "the latest one wins" needs what each held before."""
    before = st.session_state.get(f"{key}__sources", {})
    st.session_state[f"{key}__sources"] = dict(sources)
    changed = [v for name, v in sources.items() if v is not None and before.get(name) != v]
    if changed:
        pick = changed[-1]
    else:
        pick = st.session_state.get(key)
        if pick not in sources.values():
            pick = next((v for v in sources.values() if v is not None), None)
    st.session_state[key] = pick
    return pick


@st.cache_data(show_spinner="Reading the entries…", max_entries=64)
def _drill(
    stamp: tuple[str, int, int], reader_name: str, filters: Filters, args: tuple, _reader: Callable
) -> Any:
    with kpi_connection(stamp[0], last_day=filters.end) as con:
        return _reader(con, *args)


def drill(reader: Callable[..., Any], filters: Filters, *args: Any) -> Any:
    """reader(con, *args) on a prepared KPI connection, cached per warehouse state, filters and
    args (the rows behind one picked person or week); None (with a notice) while a load holds
    the warehouse."""
    try:
        return _drill(
            warehouse_stamp(),
            f"{reader.__module__}.{reader.__qualname__}",
            filters,
            args,
            reader,
        )
    except WarehouseBusy:
        st.warning("A load is writing to the warehouse right now. Refresh in a moment.")
        return None


def plotly_cell(event: Any, rows: list[str], columns: list[str]) -> tuple[int, int] | None:
    """(row, column) of the heatmap cell clicked in an st.plotly_chart(on_select="rerun")
    event, None when nothing is picked. `rows` and `columns` are the y and x labels drawn:
    the clicked point's y and x name the cell (its point_index, [row, column] for a heatmap,
    when y and x are missing)."""
    try:
        points = list(event.selection.points)
    except AttributeError:
        return None
    if not points:
        return None
    point = points[0]
    y, x = point.get("y"), point.get("x")
    if y in rows and x in columns:
        return rows.index(y), columns.index(x)
    index = point.get("point_index")
    if isinstance(index, list | tuple) and len(index) == 2:
        return int(index[0]), int(index[1])
    return None


def clickable_cells(
    fig: Any,
    x: list[str],
    y: list[str],
    cells: list[list[Any]],
    hovertemplate: str,
    text: Callable[[Any], str] = str,
) -> Any:
    """Lays an invisible scatter point over every filled cell of a heatmap in `fig`, so a click
    on a cell selects it (Plotly selects scatter points, not heatmap cells); the picked cell
    gets a dark outline. Returns `fig`."""
    xs, ys, texts = [], [], []
    for row, label in enumerate(y):
        for col, week in enumerate(x):
            if cells[row][col] is not None:
                xs.append(week)
                ys.append(label)
                texts.append(text(cells[row][col]))
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="markers",
        marker={"symbol": "square-open", "size": 14, "color": "#212121", "opacity": 0},
        selected={"marker": {"opacity": 1}},
        unselected={"marker": {"opacity": 0}},
        text=texts,
        hovertemplate=hovertemplate,
        showlegend=False,
    )
    fig.data[0].hoverinfo = "skip"
    # the markers would pad the axes: keep the heatmap's own extent
    fig.update_xaxes(range=[-0.5, len(x) - 0.5])
    fig.update_yaxes(range=[len(y) - 0.5, -0.5], autorange=False)
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig
