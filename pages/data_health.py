"""Data health: is the warehouse complete and trustworthy? Rows, loads, quarantine, checks."""

from functools import partial

import polars as pl
import streamlit as st

from core.csv_safe import frame_csv
from read_models import data_health as dh
from read_models.currency_gaps import currency_gaps
from read_models.people_gaps import people_gaps
from ui import app_state
from warehouse.sessions import WarehouseBusy, WarehouseUnreadable, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config

STATUS_TAG = cc.MultiselectColumn(
    "Status", options=["ok", "passed", "failed"], color=["green", "green", "red"], width="small"
)
TIME_UTC = "YYYY-MM-DD HH:mm"
TALL_TABLE_PX = 640  # about as tall as the rows-per-entity table beside it

# Widths so that every table fits the page at a 1280 px window (sidebar open, ~820 px).
JOB_COLUMNS = {
    "job": cc.TextColumn("Job", width=110),
    "status_tag": cc.MultiselectColumn(
        "Status",
        options=["ok", "running", "failed"],
        color=["green", "orange", "red"],
        width="small",
    ),
    "slot": cc.TextColumn("Slot", help="The window, day or month the run was for", width=100),
    "finished_at": cc.DatetimeColumn("Finished (UTC)", format=TIME_UTC, width=125),
    "message": cc.TextColumn("Result", width=340),
}
VALIDATION_TAG = cc.MultiselectColumn(
    "Validation",
    options=["passed", "failed", "pending", "running"],
    color=["green", "red", "orange", "blue"],
    width="small",
    help="The great-expectations suite on what the load committed (it runs after the commit)",
)
SHOWN_VALIDATIONS = 8  # loads named in the warning; the rest are counted
# The path and the last good load are left out to fit at 1280 px; the per-entity table below
# names each load's files.
LOAD_COLUMNS = {
    "source": cc.TextColumn("Source", width=90),
    "status_tag": STATUS_TAG,
    "validation_tag": VALIDATION_TAG,
    "finished_at": cc.DatetimeColumn("Finished (UTC)", format="MM-DD HH:mm", width=95),
    "new_rows": cc.NumberColumn("New", format="localized", width=75),
    "updated_rows": cc.NumberColumn("Updated", format="localized", width=70),
    "unchanged_rows": cc.NumberColumn("Unchanged", format="localized", width=82),
    "quarantined_rows": cc.NumberColumn("Quarantined", format="localized", width=88),
    "message": cc.TextColumn("Message", width=100),
}
LOAD_ENTITY_COLUMNS = {
    "source": cc.TextColumn("Source", width=90),
    "entity": cc.TextColumn("Entity", width=120),
    "file": cc.TextColumn("File", width=180),
    "new_rows": cc.NumberColumn("New", format="localized", width=80),
    "updated_rows": cc.NumberColumn("Updated", format="localized", width=80),
    "unchanged_rows": cc.NumberColumn("Unchanged", format="localized", width=85),
    "quarantined_rows": cc.NumberColumn("Quarantined", format="localized", width=88),
}
QUARANTINE_COLUMNS = {  # when and by which source: in the CSV
    "entity": cc.TextColumn("Entity", width=95),
    "file": cc.TextColumn("File", width=130),
    "line": cc.NumberColumn("Line", format="plain", width=55),
    "record_key": cc.TextColumn("Record key", width=100),
    "reason": cc.TextColumn("Reason", width=270),
    "raw": cc.JsonColumn("Source row", width=110),
}
ENTITY_COLUMNS = {
    "entity": cc.TextColumn("Entity", width=180),
    "row_count": cc.NumberColumn("Rows", format="localized", width=110),
    "sources": cc.TextColumn("Sources", width=200),
    "last_updated_at": cc.DatetimeColumn("Last changed (UTC)", format=TIME_UTC, width=150),
}
EXPECTATION_COLUMNS = {
    "status_tag": STATUS_TAG,
    "entity": cc.TextColumn("Entity", width=130),
    "expectation": cc.TextColumn("Expectation", width=250),
    "column_name": cc.TextColumn("Column", width=140),
    "unexpected_count": cc.NumberColumn(
        "Unexpected", format="localized", help="Rows breaking the expectation", width=90
    ),
    "element_count": cc.NumberColumn("Of rows", format="localized", help="Rows checked", width=90),
}


@st.cache_data(show_spinner="Reading the warehouse…", max_entries=4)
def read_health(stamp: tuple[str, int, int]) -> dh.DataHealth:
    """Keyed on the warehouse file's path and mtimes, so a finished load shows on the next rerun."""
    return dh.data_health(stamp[0])


def as_tag(expr: pl.Expr) -> pl.Expr:
    """A one-element list, which the status column draws as a coloured pill."""
    return pl.concat_list([expr])


def show_empty_state(path: str) -> None:
    st.info(
        "**No data yet** — run `make run` (it builds the demo firm) or "
        "`python -m etl import canonical DIR` to load your own files.\n\n"
        f"This page reads the warehouse at `{path}` (set `$WAREHOUSE_DB` to read another). "
        "Once a load has run, it shows the rows per entity, the last load of each "
        "source, the rows held back in quarantine and the data-contract checks.",
        icon=":material/database:",
    )


def show_kpis(kpis: dh.Kpis) -> None:
    cols = st.columns(4)
    cols[0].metric(
        "Entities loaded",
        f"{kpis.entities_loaded} of {kpis.entity_count}",
        help="Staging tables holding at least one row",
        border=True,
    )
    cols[1].metric("Rows in staging", f"{kpis.total_rows:,}", border=True)
    cols[2].metric(
        "Open quarantined rows",
        f"{kpis.open_quarantined_rows:,}",
        help="Source rows held back because they broke the data contract",
        border=True,
    )
    cols[3].metric(
        "Failed expectations",
        f"{kpis.failed_expectations} of {kpis.expectation_count}",
        help="Great-expectations checks of each entity's latest validation",
        border=True,
    )


def show_loads(loads: pl.DataFrame, load_entities: pl.DataFrame) -> None:
    st.subheader("Last load per source")
    for failed in loads.filter(pl.col("status") == "failed").iter_rows(named=True):
        st.error(
            f"The last **{failed['source']}** load failed: {failed['message'] or 'no message'}",
            icon=":material/error:",
        )
    if loads.is_empty():
        st.caption("No load has been recorded.")
        return
    st.dataframe(
        loads.with_columns(
            status_tag=as_tag(pl.col("status")),
            validation_tag=pl.when(pl.col("validation").is_not_null()).then(
                as_tag(pl.col("validation"))
            ),
        ),
        column_order=list(LOAD_COLUMNS),
        column_config=LOAD_COLUMNS,
        hide_index=True,
        placeholder="—",
    )
    with st.expander("What each of these loads did, per entity"):
        st.dataframe(
            load_entities,
            column_order=list(LOAD_ENTITY_COLUMNS),
            column_config=LOAD_ENTITY_COLUMNS,
            hide_index=True,
        )


def validation_text(row: dict) -> str:
    """One load of the warning: which, from where, and what its validation found."""
    what = f"load {row['load_id']} ({row['source']}, {row['path']})"
    if row["validation"] == "failed" and row["validation_error"]:
        return f"{what}: the suite could not run: {row['validation_error']}"
    if row["validation"] == "failed":
        return f"{what}: {row['failed_expectations']} of {row['expectations']} expectations failed"
    if row["validation"] == "running":
        return f"{what}: being validated now"
    return f"{what}: not validated yet (`python -m etl validate --pending`)"


def show_unsettled_validations(validations: pl.DataFrame) -> None:
    """Failed validations and those not run yet: the rows are loaded either way (a failed
    expectation never removes one), so this is where a person learns the suite disagreed."""
    unsettled = dh.unsettled_validations(validations)
    if unsettled.is_empty():
        return
    failed = unsettled.filter(pl.col("validation") == "failed").height
    waiting = unsettled.height - failed
    head = " and ".join(
        part
        for part in (
            f"{failed} load(s) failed validation" if failed else "",
            f"{waiting} load(s) not validated yet" if waiting else "",
        )
        if part
    )
    lines = [f"- {validation_text(row)}" for row in unsettled.head(SHOWN_VALIDATIONS).to_dicts()]
    if unsettled.height > SHOWN_VALIDATIONS:
        lines.append(f"- … and {unsettled.height - SHOWN_VALIDATIONS} more")
    with st.container(key="unsettled_validations"):
        st.warning(
            f"**{head}.** Their rows are loaded; the great-expectations suite checks what a "
            "load committed after the commit. See the data-contract checks below.\n\n"
            + "\n".join(lines),
            icon=":material/rule:",
        )


def show_jobs(jobs: pl.DataFrame) -> None:
    st.subheader("Scheduled jobs")
    if jobs.is_empty():
        st.caption("No scheduled job has run yet (`python -m jobs run`, see docs/jobs.md).")
        return
    st.dataframe(
        jobs.with_columns(status_tag=as_tag(pl.col("status"))),
        column_order=list(JOB_COLUMNS),
        column_config=JOB_COLUMNS,
        hide_index=True,
        placeholder="—",
    )


def show_quarantine(quarantine: pl.DataFrame) -> None:
    st.subheader("Quarantine")
    st.caption(
        "Rows that broke the data contract are held back here, never dropped. Fix them in the "
        "source and import again: a corrected row resolves its quarantine entry."
    )
    if quarantine.is_empty():
        st.success("Nothing in quarantine: every loaded row met the data contract.")
        return
    pick_entity, pick_file, download = st.columns([2, 2, 1], vertical_alignment="bottom")
    entities = pick_entity.multiselect(
        "Entity", sorted(quarantine["entity"].unique()), placeholder="All entities"
    )
    files = pick_file.multiselect(
        "File", sorted(quarantine["file"].unique()), placeholder="All files"
    )
    shown = dh.filter_quarantine(quarantine, entities, files)
    download.download_button(
        "Download CSV",
        partial(frame_csv, shown),  # written only when clicked
        file_name="quarantine.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="quarantine_csv",
    )
    st.caption(f"{shown.height:,} of {quarantine.height:,} open rows, newest first")
    # The keyed container gives the browser tests a stable handle (CSS class st-key-…).
    with st.container(key="quarantine_table"):
        st.dataframe(
            shown,
            column_order=list(QUARANTINE_COLUMNS),
            column_config=QUARANTINE_COLUMNS,
            hide_index=True,
            placeholder="—",
        )


def show_entities(entities: pl.DataFrame) -> None:
    st.subheader("Rows per entity")
    st.dataframe(
        entities,
        column_order=list(ENTITY_COLUMNS),
        column_config=ENTITY_COLUMNS,
        hide_index=True,
        height="content",
        placeholder="—",
    )


def show_expectations(expectations: pl.DataFrame) -> None:
    st.subheader("Data-contract checks")
    st.caption("Great-expectations results of each entity's latest validation, failures first.")
    if expectations.is_empty():
        st.caption("No validation has been recorded.")
        return
    st.dataframe(
        expectations.with_columns(
            status_tag=as_tag(
                pl.when("success").then(pl.lit("passed")).otherwise(pl.lit("failed"))
            ),
        ),
        column_order=list(EXPECTATION_COLUMNS),
        column_config=EXPECTATION_COLUMNS,
        hide_index=True,
        height=min(TALL_TABLE_PX, 35 * (expectations.height + 1) + 3),
        placeholder="—",
    )


st.title("Data health")
st.caption(
    "Is the warehouse complete and trustworthy? What each source loaded last, the rows held "
    "back in quarantine and why, and the data-contract checks."
)
stamp = warehouse_stamp()
try:
    health = read_health(stamp)
except WarehouseUnreadable as damaged:
    app_state.show_damaged(damaged)
except WarehouseBusy:
    health = None
    st.warning(
        "A load is writing to the warehouse right now. Refresh in a moment to see its result.",
        icon=":material/hourglass_top:",
    )
    st.button("Refresh", icon=":material/refresh:")

PEOPLE_GAP_COLUMNS = {
    "name": cc.TextColumn("Person", width=170),
    "source": cc.TextColumn("Created by", width=95, help="The import that last wrote the row"),
    "missing": cc.TextColumn("Missing", width=290),
    "first_entry": cc.DateColumn("First entry", width=105),
    "hours_logged": cc.NumberColumn("Hours logged", format="%.2f", width=105),
}


@st.cache_data(show_spinner=False, max_entries=4)
def read_people_gaps(stamp: tuple[str, int, int]) -> pl.DataFrame:
    return people_gaps(stamp[0])


def show_people_gaps(stamp: tuple[str, int, int]) -> None:
    """Its own section: people without a start date or a capacity of their own, who make
    utilization's available hours wrong until people.csv gives them both."""
    gaps = read_people_gaps(stamp)
    if gaps.is_empty():
        return
    with st.container(key="people_gaps"):
        st.warning(
            f"**{gaps.height} {'person has' if gaps.height == 1 else 'people have'} no start "
            "date or no capacity of their own.** Utilization counts them as available from the "
            "first day of every month at the default capacity, which lowers it. Add "
            "`start_date` and `weekly_capacity_hours` for them in people.csv and import it.",
            icon=":material/person_alert:",
        )
        st.dataframe(
            gaps,
            column_order=list(PEOPLE_GAP_COLUMNS),
            column_config=PEOPLE_GAP_COLUMNS,
            hide_index=True,
            height=min(36 + 35 * gaps.height, 260),
        )


CURRENCY_GAP_COLUMNS = {
    "currency": cc.TextColumn("Currency", width=80),
    "documents": cc.TextColumn("Documents", width=95),
    "count": cc.NumberColumn("How many", format="%d", width=85),
    "amount": cc.NumberColumn("Amount", format="%,.2f", width=120),
    "first_day": cc.DateColumn("From", width=105),
    "last_day": cc.DateColumn("To", width=105),
}


@st.cache_data(show_spinner=False, max_entries=4)
def read_currency_gaps(stamp: tuple[str, int, int]) -> pl.DataFrame:
    return currency_gaps(stamp[0])


def show_currency_gaps(stamp: tuple[str, int, int]) -> None:
    """Its own section: money no base-currency figure can hold (no rate on its day), which
    Open AR, revenue and the AR totals would otherwise show as nothing."""
    gaps = read_currency_gaps(stamp)
    if gaps.is_empty():
        return
    base = gaps["base_currency"][0]
    currencies = ", ".join(sorted(set(gaps["currency"])))
    with st.container(key="currency_gaps"):
        st.warning(
            f"**Amounts in {currencies} have no exchange rate to {base}, the base currency.** "
            f"Open AR, revenue and the AR totals leave them out until an fx_rates row covers "
            f"their dates, or until firm.yaml names the firm's own base_currency.",
            icon=":material/currency_exchange:",
        )
        st.dataframe(
            gaps,
            column_order=list(CURRENCY_GAP_COLUMNS),
            column_config=CURRENCY_GAP_COLUMNS,
            hide_index=True,
            height=min(36 + 35 * gaps.height, 260),
        )


if health is not None and health.is_empty:
    show_empty_state(stamp[0])
elif health is not None:
    show_kpis(health.kpis())
    show_currency_gaps(stamp)
    show_people_gaps(stamp)
    show_unsettled_validations(health.validations)
    show_loads(health.loads, health.load_entities)
    show_jobs(health.jobs)
    show_quarantine(health.quarantine)
    show_entities(health.entities)  # one under the other: side by side, both were cut off
    show_expectations(health.expectations)
