"""Import: upload a tracker or accounting export, see what it would load — the rows mapped to
the data contract, the column mapping, the rows that would be quarantined — then commit it.
The work is etl/preview.py's (a rehearsal of the real import, rolled back); this page draws."""

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from app_auth import guard, ui
from etl import preview as imports
from etl.import_kinds import CANONICAL_FILES, FORMAT_LABELS, detect_format
from ui import app_state
from warehouse.sessions import WarehouseBusy, read_write, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

FOLDER_KEY = "import_folder"
PREVIEW_KEY = "import_preview"
DONE_KEY = "import_done"
DETECTED_KEY = "import_detected"
KINDS = list(FORMAT_LABELS)

st.title("Import")
app_state.show_flash()
app_state.require_page(imports.PERMISSION)
st.caption(
    "Upload one export file: nothing is written until you press Import. The preview runs the "
    "same import the command line runs (`python -m etl import`) and rolls it back."
)

uploaded = st.file_uploader(
    "Export file", type=["csv", "txt", "tsv", "ics", "yaml", "yml"], key="import_file"
)
if uploaded is None:
    st.info(
        "Choose a file: a Harvest, Toggl, Clockify, FreshBooks, Hubstaff or Odoo time "
        "export, a QuickBooks Online or Xero report, a calendar (.ics), or a file of the "
        "data contract (clients.csv, time_entries.csv, …).",
        icon=":material/upload_file:",
    )
    st.stop()

folder = Path(st.session_state.setdefault(FOLDER_KEY, tempfile.mkdtemp(prefix="billing-import-")))
data = uploaded.getvalue()
upload = imports.save_upload(folder, uploaded.name, data)
done_sha, done_text = st.session_state.get(DONE_KEY, (None, None))
if done_sha == upload.sha256:  # this file was just imported: say so above its new preview
    st.success(done_text, icon=":material/task_alt:")
if st.session_state.get(DETECTED_KEY, (None,))[0] != upload.sha256:
    st.session_state[DETECTED_KEY] = (upload.sha256, detect_format(upload.path))
detected = st.session_state[DETECTED_KEY][1]
left, right = st.columns([3, 2])
kind = left.selectbox(
    "Format",
    KINDS,
    index=KINDS.index(detected.kind) if detected else None,
    format_func=FORMAT_LABELS.get,
    placeholder="Pick the format of the file",
    key=f"import_kind_{uploaded.file_id}",
)
right.caption(f"Detected: {detected.why}." if detected else "Not recognised: pick the format.")
canonical_file, person = None, None
if kind == "canonical":
    name = uploaded.name.lower()
    canonical_file = right.selectbox(
        "Contract file",
        CANONICAL_FILES,
        index=CANONICAL_FILES.index(name) if name in CANONICAL_FILES else None,
        placeholder="Which contract file is it?",
    )
elif kind == "ics":
    person = (
        right.text_input("Whose calendar (person id)", help="Empty: from the file name") or None
    )
if kind is None or (kind == "canonical" and canonical_file is None):
    st.stop()

if canonical_file:
    upload = imports.save_upload(folder, uploaded.name, data, canonical_file)
identity = ui.current_identity()
key = (upload.sha256, kind, canonical_file, person, warehouse_stamp())
cached = st.session_state.get(PREVIEW_KEY)
if cached is None or cached[0] != key:
    try:
        with st.spinner("Reading the file…"):
            with guard.acting_as(identity), read_write() as con:
                result = imports.preview_import(
                    con, kind, upload, actor=identity.name, person=person
                )
    except WarehouseBusy:
        st.error(app_state.BUSY_TEXT, icon=":material/block:")
        st.stop()
    except (OSError, ValueError) as refused:
        st.error(f"{uploaded.name}: {refused}", icon=":material/block:")
        st.stop()
    cached = st.session_state[PREVIEW_KEY] = (key, result)
preview = cached[1]

for error in preview.file_errors:
    st.error(f"Refused whole, nothing from it would load: {error}", icon=":material/block:")
bad = preview.quarantined.height
added, there, quarantined = st.columns(3)
added.metric("Rows to add or change", f"{preview.loading:,}")
there.metric("Already in the warehouse", f"{preview.unchanged:,}")
quarantined.metric("Rows to quarantine", f"{bad:,}")
for note in preview.notes:
    st.caption(note)

if bad:
    if preview.newly_quarantined:
        st.subheader(f"Rows that would be quarantined ({bad:,})")
    else:
        st.subheader(f"Bad rows ({bad:,}), all in the quarantine already")
    # Keyed containers give the browser tests a stable handle (CSS class st-key-…).
    known = preview.quarantined["already"].any()  # the column only when it says something
    st.container(key="import_quarantine").dataframe(
        preview.quarantined.select(
            "line",
            pl.col("entity").str.replace_all("_", " "),
            "reason",
            *(
                [pl.when("already").then(pl.lit("yes")).otherwise(pl.lit("")).alias("already")]
                if known
                else []
            ),
        ),
        hide_index=True,
        column_config={
            "line": st.column_config.NumberColumn("Line", format="%d", width="small"),
            "entity": st.column_config.TextColumn("Goes to", width="small"),
            "reason": st.column_config.TextColumn("Reason", width="large"),
            "already": st.column_config.TextColumn(
                "Quarantined before", width="medium", help="An earlier import of this file did"
            ),
        },
    )

if preview.rows:
    st.subheader("First rows as they will be loaded")
    entities = sorted(preview.rows, key=lambda e: -preview.rows[e].height)
    for tab, entity in zip(st.tabs([e.replace("_", " ") for e in entities]), entities):
        frame = preview.rows[entity]
        dates = {
            c: st.column_config.DateColumn(c, format="YYYY-MM-DD")
            for c, t in frame.schema.items()
            if t == pl.Date
        }
        tab.container(key=f"import_rows_{entity}").dataframe(
            frame, hide_index=True, column_config=dates
        )

with st.expander("Rows per table"):
    st.dataframe(preview.counts(), hide_index=True)
with st.expander(f"Column mapping ({preview.mapping.height} columns)"):
    st.dataframe(preview.mapping, hide_index=True)

label = f"Import {preview.loading:,} row(s)"
if preview.newly_quarantined:
    label += f", quarantine {preview.newly_quarantined:,}"
if st.button(label, type="primary", disabled=not preview.worth_committing):

    def done(report) -> str:
        imports.validate_after_commit(report.load_id)  # a thread: the page does not wait
        text = imports.done_message(uploaded.name, report)
        st.session_state[DONE_KEY] = (upload.sha256, text)
        return text

    app_state.act(imports.commit_import, kind, upload, person=person, done=done)
if not preview.worth_committing and not preview.file_errors:
    st.caption(
        "Nothing to import: every row of this file is already in the warehouse or in "
        "the quarantine."
    )
