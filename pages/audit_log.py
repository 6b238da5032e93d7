"""Audit log: every write with who made it — decisions, approvals, sends, imports, syncs,
accruals, user changes, sign-ins and failed sign-ins — in words, newest first."""

import polars as pl
import streamlit as st

from app_auth import audit
from read_models import exception_review as er
from ui import app_state
from warehouse.sessions import read_only, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

LIMIT = 500


@st.cache_data(show_spinner=False, max_entries=8)
def read_log(stamp: tuple[str, int, int], actor: str | None, action: str | None):
    with read_only(stamp[0]) as con:
        return audit.readable_log(con, actor=actor, action=action, limit=LIMIT), audit.actors(con)


st.title("Audit log")
app_state.require_page("read_audit")
st.caption(
    f"Who did what, when and why; the latest {LIMIT} rows, newest first. The names are "
    "the signed-in people (command-line runs show as cli:<user>)."
)
stamp = warehouse_stamp()
left, right = st.columns(2)
everyone = read_log(stamp, None, None)[1]
who = left.selectbox("Who", everyone, index=None, placeholder="Everyone")
did = right.selectbox(
    "What",
    sorted(audit.ACTION_LABELS),
    index=None,
    placeholder="Every action",
    format_func=audit.action_label,
)
log, _ = read_log(stamp, who, did)
st.dataframe(
    log.with_columns(pl.col("what").map_elements(er.object_words, return_dtype=pl.String)),
    hide_index=True,
    column_config={
        # Fixed widths: at a 1280 px window the table fits the page (~820 px); a long change
        # or reason is whole in the CSV of the table's own toolbar.
        "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm", width=125),
        "who": st.column_config.TextColumn("Who", width=95),
        "did": st.column_config.TextColumn("Did", width=130),
        "what": st.column_config.TextColumn("To what", width=150),
        "change": st.column_config.TextColumn("Change (before → after)", width=190),
        "why": st.column_config.TextColumn("Why", width=90),
    },
    placeholder="—",
)
