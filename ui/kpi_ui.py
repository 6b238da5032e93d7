"""What every leadership page shares: reading the warehouse once per (warehouse state,
filters), the explained empty state, number formats, a CSV button under each table, and the
drill-down that shows the rows behind a chart point or a table row."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from core.csv_safe import frame_csv
from core.safe_paths import safe_file_name
from metrics.filters import Filters
from metrics.kpis import filter_note, store_trend
from metrics.session import kpi_connection
from read_models import stored_reads
from ui import app_state
from warehouse import snapshot_refresher
from warehouse.sessions import WarehouseBusy, WarehouseUnreadable, warehouse_stamp

EMPTY_TEXT = (
    "**No data yet for {what}** — run `make run` (it builds the demo firm) or "
    "`python -m etl import canonical DIR` to load your own files, then `python -m rules run` "
    "for the leakage findings.\n\nThis page reads the warehouse at `{path}` (set "
    "`$WAREHOUSE_DB` to read another)."
)


@st.cache_data(show_spinner="Reading the warehouse…", max_entries=32)
def _read(
    stamp: tuple[str, int, int], reader_name: str, filters: Filters, _reader: Callable, stored: bool
) -> Any:
    if stored:  # kept when current; a live firm-wide read is kept for next time
        return stored_reads.read_kept(stamp[0], _reader, filters)
    with kpi_connection(stamp[0], last_day=filters.end) as con:
        return _reader(con, filters)


def read(reader: Callable[..., Any], stored: bool = False) -> Any:
    """reader(con, filters) on a prepared KPI connection for the sidebar's filters, cached until
    the warehouse changes (its stamp) or the filters do. `stored`: for a firm-wide range, what
    read_models/stored_reads kept of this read answers when it is current, and a live read is
    kept for the next cold open (in the background). None (with a notice) while a load holds
    the warehouse."""
    filters = app_state.current_filters()
    try:
        return _read(warehouse_stamp(), stored_reads.reader_name(reader), filters, reader, stored)
    except WarehouseBusy:
        st.warning(
            "A load is writing to the warehouse right now. Refresh in a moment.",
            icon=":material/hourglass_top:",
        )
        st.button("Refresh", icon=":material/refresh:")
        return None
    except WarehouseUnreadable as damaged:
        app_state.show_damaged(damaged)


def keep_trend(filters: Filters) -> None:
    """After the Overview read a firm-wide range: the background pass stores that range's
    12-month trend sums (metrics/trend_snapshot.py) unless they are stored and current, so a
    live read of the Overview (after a decision made its stored read stale) reads them instead
    of pricing a year of entries. Asked once per warehouse state and range; never for a
    warehouse file that does not exist (the read showed the empty state)."""
    stamp = warehouse_stamp()
    if filters.firm_wide and Path(stamp[0]).exists():
        _ask_to_keep_trend(stamp, filters)


@lru_cache(maxsize=256)
def _ask_to_keep_trend(stamp: tuple[str, int, int], filters: Filters) -> None:
    """Once per (warehouse state, range) in this process: the cache is the memory of asking."""
    task = partial(store_trend, filters=filters)
    snapshot_refresher.request(stamp[0], also={f"trend {filters.label()}": task})


def read_rows(
    reader: Callable[..., pl.DataFrame], empty_what: str, stored: bool = False
) -> pl.DataFrame:
    """read(reader, stored) for a page built on one frame: stops the page (after the notice)
    while a load holds the warehouse, and after the explained empty state when there are no
    rows."""
    rows = read(reader, stored)
    if rows is None:
        st.stop()
    if rows.is_empty():
        empty_state(empty_what)
        st.stop()
    return rows


def page_header(title: str, caption: str, definitions: str, kpi: str | None = None) -> Filters:
    """Title, one line of purpose, the definitions behind the numbers (expander), and the range
    the page shows; with `kpi`, also which of the sidebar's filters that KPI honours (a
    compliance page ignores a client filter, and says so). Returns the sidebar's filters."""
    filters = app_state.current_filters()
    st.title(title)
    scope = [filters.label()]
    if filters.clients:
        scope.append(f"{len(filters.clients)} client(s)")
    if filters.teams:
        scope.append("teams: " + ", ".join(filters.teams))
    st.caption(f"{caption} · **{' · '.join(scope)}**")
    if kpi is not None and (filters.clients or filters.teams):
        st.caption(filter_note(kpi, filters, app_state.client_names()))
    with st.expander("How these numbers are computed", icon=":material/help:"):
        st.markdown(definitions)
    return filters


def empty_state(what: str) -> None:
    st.info(EMPTY_TEXT.format(what=what, path=warehouse_stamp()[0]), icon=":material/database:")


def pct(value: Decimal | float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.{places}f}%"


def money(value: Decimal | float | None, currency: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{currency + ' ' if currency else ''}{float(value):,.0f}"


def days(value: Decimal | float | None) -> str:
    return "n/a" if value is None else f"{float(value):.1f} d"


def csv_button(frame: pl.DataFrame, name: str, *, key: str) -> None:
    """A CSV download of exactly the rows shown (filters applied), formula cells neutralised.
    The CSV is built when the button is clicked, not on every run of the page."""
    st.download_button(
        f"Download CSV ({frame.height:,} rows)",
        partial(_csv_bytes, frame),
        file_name=f"{safe_file_name(name, fallback='download')}.csv",  # ids from data
        mime="text/csv",
        icon=":material/download:",
        key=key,
        type="tertiary",
        on_click="ignore",
    )


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    return frame_csv(frame).encode("utf-8")


def picked_rows(event: Any) -> list[int]:
    """Row positions selected in an st.dataframe(on_select="rerun") event."""
    try:
        return list(event.selection.rows)
    except AttributeError:
        return []


def picked_points(event: Any) -> list[dict]:
    """Points selected in an st.plotly_chart(on_select="rerun") event."""
    try:
        return list(event.selection.points)
    except AttributeError:
        return []
