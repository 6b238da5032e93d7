"""What the app keeps per session: who is acting, the billing period, the rows picked in a
table, and one write per action (a read-write connection opened for it and closed right after,
caches cleared, the outcome shown on the next run)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from app_auth import guard, ui
from app_auth.roles import PERMISSIONS, Identity, roles_with
from billing.period import Period
from core import clock
from metrics.dimensions import Dimensions, dimensions
from metrics.filters import Filters
from warehouse import snapshot_refresher
from warehouse.db import resolve_db_path
from warehouse.sessions import WarehouseBusy, WarehouseUnreadable, read_write, warehouse_stamp

USER_KEY = ui.IDENTITY_KEY  # the signed-in Identity (app_auth.ui), kept on the server
PERIOD_KEY = "period"
FLASH_KEY = "flash"
PERIOD_CHOICES = 24  # months back the period picker offers
RANGE_KEY = "range_grain"
CUSTOM_RANGE_KEY = "custom_range"
CLIENTS_KEY = "filter_clients"
TEAMS_KEY = "filter_teams"
RANGE_LABELS = {"month": "Month", "quarter": "Quarter to date", "custom": "Custom range"}
BUSY_TEXT = "The warehouse is busy; try again in a moment."
SIGN_IN_HINT = "Sign in first: every decision is recorded with your name."
DAMAGED_TEXT = (
    "**The warehouse file `{path}` cannot be read.** It is damaged (cut short, overwritten) or "
    "is not a DuckDB database. Nothing was changed.\n\n"
    "To fix it: restore the file from a backup; or move it aside and rebuild it — `make run` "
    "builds the demo firm when there is no warehouse, `python -m etl import canonical DIR` "
    "loads your own files into a new one. To open another file, set `WAREHOUSE_DB` and "
    "restart the app.\n\nDuckDB said: `{detail}`"
)


def current_identity() -> Identity | None:
    """Who signed in to this session (app_auth.ui); None until someone has."""
    return ui.current_identity()


def current_user() -> str | None:
    """The signed-in person's name, which every write records; None until someone signed in."""
    identity = ui.current_identity()
    return identity.name if identity else None


def can(permission: str) -> bool:
    """Whether the signed-in person holds `permission` (app_auth.roles): for greying out what
    they may not do. The write functions check it again on the server side."""
    identity = ui.current_identity()
    return identity is not None and identity.can(permission)


def require_page(permission: str) -> None:
    """Stops the page, with why, unless the signed-in person holds `permission`."""
    identity = ui.current_identity()
    if identity is None or not identity.can(permission):
        who = f"{identity.name} ({identity.roles_text})" if identity else "Nobody signed in"
        st.error(
            f"{who} may not {PERMISSIONS[permission]}: it needs the role "
            f"{' or '.join(roles_with(permission))}.",
            icon=":material/lock:",
        )
        st.stop()


def require_sign_in() -> None:
    """Every page's first call. app.py signs in before it runs a page, but Streamlit runs a page
    opened by its own URL without app.py while no session of the server has called
    st.navigation yet (its pages/ directory mode; AppTest runs pages that way too). Then this
    signs in (or draws who is signed in) itself, and leaves that mode as app.py's st.navigation
    call would, so the next run goes through app.py. Any page run with nobody signed in stops
    at the sign-in page."""
    direct = bool(PagesManager.uses_pages_directory)
    if direct:
        PagesManager.uses_pages_directory = False
    identity = ui.current_identity()
    if identity is not None:
        if direct:
            ui.sidebar(identity)
        return
    if direct:  # sign in through app.py: a form drawn here would not see its own submit
        st.rerun()
    try:
        signed_in = sign_in_gate()
    except WarehouseUnreadable as damaged:
        show_damaged(damaged)
        return
    if not signed_in:
        st.stop()


def sign_in_gate() -> bool:
    """Signs in (the IdP's person, or the demo identity, when that applies) and draws who is
    signed in in the sidebar. False: nobody is, and the sign-in page was drawn instead."""
    guard.enforce_sign_in()
    identity = ui.resolve()
    if identity is None:
        ui.sign_in_page()
        return False
    ui.sidebar(identity)
    return True


def last_complete_period(today: date | None = None) -> Period:
    return Period.of(today or clock.today()).shift(-1)


def period_choices() -> list[str]:
    """The months the period picker offers, newest first (YYYY-MM)."""
    latest = last_complete_period()
    return [str(latest.shift(-n)) for n in range(PERIOD_CHOICES)]


def period_picker() -> None:
    """The billing period every page reads (current_period), chosen in the sidebar; the last
    complete month by default."""
    st.sidebar.selectbox(
        "Period",
        period_choices(),
        key=PERIOD_KEY,
        format_func=period_label,
        help="The month whose work is drafted and checked. Defaults to the last complete month.",
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _read_dimensions(stamp: tuple[str, int, int]) -> Dimensions:
    return dimensions(stamp[0])


def client_names() -> dict[str, str]:
    """client_id -> name, for saying which clients a filter keeps."""
    return _read_dimensions(warehouse_stamp()).clients


def kpi_filters_sidebar() -> None:
    """The leadership filters under the period: month / quarter to date / custom range, clients
    and teams. Drawn by app.py on every page, so a choice made on one page holds on the next
    (Streamlit forgets the state of a widget that a run does not draw)."""
    with st.sidebar:
        grain = st.segmented_control(
            "Range",
            list(RANGE_LABELS),
            format_func=RANGE_LABELS.get,
            default="month",
            key=RANGE_KEY,
            help="KPI pages: the month above, its quarter up to the end of that month, or any "
            "range of days. Billing pages always work on the month.",
        )
        if grain == "custom":
            month = current_period()
            st.date_input(
                "From – to",
                value=(month.shift(-2).start, month.end),
                key=CUSTOM_RANGE_KEY,
                format="YYYY-MM-DD",
            )
        options = _read_dimensions(warehouse_stamp())
        st.multiselect(
            "Clients",
            list(options.clients),
            format_func=lambda cid: options.clients.get(cid, cid),
            key=CLIENTS_KEY,
            placeholder="All clients",
        )
        st.multiselect("Teams", list(options.teams), key=TEAMS_KEY, placeholder="All teams")


def current_filters() -> Filters:
    """The sidebar's choice as metrics Filters (what every KPI page reads)."""
    month = current_period()
    lists = {
        "clients": tuple(st.session_state.get(CLIENTS_KEY) or ()),
        "teams": tuple(st.session_state.get(TEAMS_KEY) or ()),
    }
    grain = st.session_state.get(RANGE_KEY) or "month"
    if grain == "quarter":
        return Filters.quarter_to(month, **lists)
    if grain == "custom":
        picked = st.session_state.get(CUSTOM_RANGE_KEY) or ()
        if len(picked) == 2:
            return Filters(picked[0], picked[1], grain="custom", **lists)
    return Filters.month(month, **lists)


def current_period() -> Period:
    """The period picked in the sidebar (app.py draws the picker before the page runs)."""
    return Period.parse(st.session_state.get(PERIOD_KEY) or str(last_complete_period()))


def period_label(period: Period | str) -> str:
    """'2026-10' -> 'October 2026'."""
    period = Period.parse(period) if isinstance(period, str) else period
    return period.start.strftime("%B %Y")


def act(action: Callable[..., Any], *args: Any, done: str | Callable[[Any], str], **kwargs):
    """Runs one write, `action(con, *args, actor=<user>, **kwargs)`, as the signed-in identity
    (app_auth.guard: the write checks its role), on a read_write connection
    (the process's actions take turns); then clears the cached reads and reruns, so the page
    (and not a dialog) shows the warehouse as it now is, with the outcome: `done` (text, or
    made from the action's result), or why it was refused (BUSY_TEXT when the warehouse was
    busy: another process writing, or another session's action taking too long)."""
    identity = ui.current_identity()
    try:
        if identity is None:
            raise ValueError(SIGN_IN_HINT)
        with guard.acting_as(identity), read_write() as con:
            result = action(con, *args, actor=identity.name, **kwargs)
        # Committed: an approval or a decision may have changed what the attribution snapshot
        # was priced from; it is brought up to date in the background (nothing when not).
        snapshot_refresher.request(resolve_db_path())
        _flash("success", done(result) if callable(done) else done)
    except WarehouseBusy:  # another process writing, another session's turn, a conflict
        _flash("error", BUSY_TEXT)
    except ValueError as refused:  # "not allowed" (a role, four-eyes, the billing rules)
        _flash("error", str(refused))
    finally:
        st.cache_data.clear()
    st.rerun()


def show_damaged(damaged: WarehouseUnreadable) -> None:
    """The one message for a warehouse file that cannot be read (which file, what to do), in
    place of the page; stops the run. app.py calls it for any page, the pages where they read."""
    st.error(
        DAMAGED_TEXT.format(path=damaged.path, detail=damaged.detail[:300]),
        icon=":material/broken_image:",
    )
    st.stop()


def _flash(kind: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """The outcome of the last action, once: a toast when it worked, an error box when not.
    Pages call it under their title."""
    kind, message = st.session_state.pop(FLASH_KEY, (None, None))
    if kind == "success":
        st.toast(message, icon=":material/check_circle:")
    elif kind == "error":
        st.error(message, icon=":material/block:")


def selectable_table(
    frame: pl.DataFrame,
    id_column: str,
    *,
    key: str,
    mode: str = "multi-row",
    columns: dict[str, Any] | None = None,
    **dataframe_kwargs,
) -> pl.DataFrame:
    """An st.dataframe whose row selection follows the rows' ids rather than their positions,
    returning the selected rows. `columns`: the columns shown, in order, with their
    column_config (the index hidden), as every page's tables declare them.

    Streamlit remembers a selection as row positions, which point at other rows once a filter or
    a write changes the table. So the widget's key carries a digest of the ids shown: a changed
    table is a new widget, preselected with the remembered ids that are still in it."""
    if columns is not None:
        shown = {"hide_index": True, "column_order": list(columns), "column_config": columns}
        dataframe_kwargs = shown | dataframe_kwargs
    ids = [str(i) for i in frame[id_column]]
    remembered = set(st.session_state.get(f"{key}_ids", []))
    digest = zlib.crc32("\x1f".join(ids).encode())
    event = st.dataframe(
        frame,
        key=f"{key}_{digest:08x}",
        on_select="rerun",
        selection_mode=mode,
        selection_default={
            "selection": {"rows": [n for n, i in enumerate(ids) if i in remembered]}
        },
        **dataframe_kwargs,
    )
    picked = frame[sorted(event.selection.rows)]
    st.session_state[f"{key}_ids"] = [str(i) for i in picked[id_column]]
    return picked
