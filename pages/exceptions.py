"""Exceptions: the operations queue, grouped by what a person decides (a person's week, a
project, an invoice), biggest money first. Decide a whole group at once, or open it, read a
finding's evidence and decide findings one by one; see who decided what."""

from dataclasses import replace
from datetime import timedelta
from functools import partial

import polars as pl
import streamlit as st

from billing import exception_sync
from billing.ar import sync as ar_sync
from core import clock
from exception_queue import findings
from read_models import ar_page
from read_models import exception_review as er
from rules.classify import apply as classify_apply
from rules.classify import review as classify_review
from rules.engine import run_rules
from ui import app_state
from warehouse.sessions import WarehouseBusy, WarehouseUnreadable, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config
TIME_UTC = "YYYY-MM-DD HH:mm"
SEVERITY_TAG = cc.MultiselectColumn(
    "Severity", options=list(er.SEVERITIES), color=["red", "orange", "gray"], width=66
)
# Both tables fit the page's ~820 px at a 1280 px window (sidebar open), numbers first: the
# long texts (suggested action, detail, ref) are in the decision box, the evidence and the CSVs.
GROUP_COLUMNS = {
    "severity_tag": SEVERITY_TAG,
    "amount_base": cc.NumberColumn(
        "At stake", format="accounting", width=100, help="Money at stake, in base currency"
    ),
    "entries": cc.NumberColumn("Findings", format="%d", width=62),
    "hours": cc.NumberColumn("Hours", format="%.2f", width=60),
    "age_days": cc.NumberColumn(
        "Age (d)", format="%d", width=52, help="Days since the group's oldest event"
    ),
    "kind_label": cc.TextColumn("What", width=185),
    "group_label": cc.TextColumn(
        "Group", width=135, help="A person's week, a project, an invoice, or one finding alone"
    ),
    "client_name": cc.TextColumn("Client", width=95),
}
QUEUE_COLUMNS = {
    "amount": cc.NumberColumn(
        "At stake", format="accounting", width=95, help="The money the finding is about"
    ),
    "currency": cc.TextColumn("Cur.", width=45),
    "hours": cc.NumberColumn("Hours", format="%.2f", width=58),
    "event_date": cc.DateColumn(
        "Date", format="YYYY-MM-DD", width=88, help="The event's date (entry, invoice, week)"
    ),
    "person_name": cc.TextColumn("Person", width=115),
    "project_name": cc.TextColumn("Project", width=130),
    "detail": cc.TextColumn(
        "Detail", width=225, help="Select the row for the whole text, its evidence and action"
    ),
}
AUDIT_COLUMNS = {
    "logged_at": cc.DatetimeColumn("When (UTC)", format=TIME_UTC),
    "actor": cc.TextColumn("Who"),
    "action": cc.TextColumn("Action"),
    "object_id": cc.TextColumn("About"),
    "reason": cc.TextColumn("Reason", width="medium"),
    "before": cc.JsonColumn("Before"),
    "after": cc.JsonColumn("After"),
}
# decide()'s actions, as the buttons name them
DECISIONS = {
    "approve": "Approve suggestion",
    "reject": "Reject",
    "reassign": "Reassign",
    "mark_billable": "Mark billable",
    "mark_non_billable": "Mark non-billable",
    "snooze": "Snooze",
    "reopen": "Reopen",
}
SUGGESTION_COLUMNS = {
    "entry_id": cc.TextColumn("Entry", width=90),
    "project_name": cc.TextColumn("Project", width=115),
    "sow_line": cc.TextColumn("SOW line", width=115),
    "confidence": cc.NumberColumn("Conf.", format="%.2f", width=45),
    "method": cc.TextColumn("By", width=90, help="The rule, model or LLM that suggested it"),
}
SNOOZE_DAYS = 7
PAGE_ROWS = 500  # rows sent to the browser at a time: a large firm's queue holds 150,000
GROUP_ROWS = 500  # groups shown, biggest money first
EVIDENCE_SHOWN = 5
SUGGESTIONS_SHOWN = 3  # distinct suggested actions named in the decision box of picked groups  # exceptions whose evidence is drawn when many are selected


@st.cache_data(show_spinner="Reading the findings…", max_entries=16)
def read_queue(
    stamp: tuple[str, int, int], filters: er.QueueFilters, group_keys: tuple[str, ...], page: int
) -> pl.DataFrame:
    """One page of the findings of the groups `group_keys`, in their order (severity is the
    groups' own, filtered on the groups)."""
    return er.exception_queue(
        replace(filters, severities=()),
        stamp[0],
        group_keys=group_keys,
        limit=PAGE_ROWS,
        offset=(page - 1) * PAGE_ROWS,
    )


@st.cache_data(show_spinner="Reading the groups…", max_entries=16)
def read_groups(stamp: tuple[str, int, int], filters: er.QueueFilters, page: int) -> pl.DataFrame:
    """One page of the groups of the severities picked, biggest money first."""
    return er.group_page(filters, stamp[0], limit=GROUP_ROWS, offset=(page - 1) * GROUP_ROWS)


@st.cache_data(show_spinner="Counting the groups…", max_entries=16)
def read_counts(stamp: tuple[str, int, int], filters: er.QueueFilters) -> pl.DataFrame:
    """Every group counted per severity: the headline and the hidden groups, in one read."""
    return er.group_counts(filters, stamp[0])


@st.cache_data(show_spinner=False, max_entries=4)
def read_base_currency(stamp: tuple[str, int, int]) -> str:
    return er.base_currency(stamp[0])


@st.cache_data(show_spinner=False, max_entries=4)
def read_options(stamp: tuple[str, int, int]) -> er.FilterOptions:
    return er.filter_options(stamp[0])


@st.cache_data(show_spinner=False, max_entries=64)
def read_evidence(stamp: tuple[str, int, int], exception_id: str) -> dict:
    return er.evidence(exception_id, stamp[0])


@st.cache_data(show_spinner=False, max_entries=16)
def read_audit(stamp: tuple[str, int, int], object_id: str | None) -> pl.DataFrame:
    return er.audit_trail(object_id, db=stamp[0])


@st.cache_data(show_spinner=False, max_entries=4)
def read_targets(stamp: tuple[str, int, int]) -> pl.DataFrame:
    return er.reassign_targets(stamp[0])


def show_refresh(period, user: str | None) -> None:
    label = app_state.period_label(period)
    left = right = third = st.container(horizontal=True)  # buttons wrap instead of truncating
    if left.button(
        f"Refresh billing exceptions for {label}",
        icon=":material/sync:",
        disabled=user is None,
        help="Runs the billing checks for the period (unapproved time, missing rates, caps, PO "
        "limits…) and updates the queue. Decisions already taken are kept.",
    ):
        app_state.act(
            exception_sync.sync_billing_exceptions,
            period,
            done=lambda counts: (
                f"Billing exceptions for {label} refreshed: "
                + ", ".join(f"{n} {what}" for what, n in (counts or {}).items())
            ),
        )
    if right.button(
        "Run the exception rules",
        icon=":material/rule:",
        disabled=user is None,
        help="Runs every rule as of today (leakage, under-reporting, milestones, policy; "
        "docs/rules.md) and updates the queue. Decisions already taken are kept.",
    ):
        app_state.act(
            run_rules,
            done=lambda run: (
                "Rules run: " + ", ".join(f"{n} {what}" for what, n in run.counts.items())
            ),
        )
    if third.button(
        "Classify unassigned time",
        icon=":material/category:",
        disabled=user is None,
        help="Suggests project, SOW line, billable and work type for time without them "
        "(docs/classify.md); suggestions wait here for one-click approval.",
    ):
        app_state.act(
            classify_review.classify_from_app,
            done=lambda run: (
                f"Classified {run.entries.height} entries and {run.expenses.height} expenses"
                + "".join(f". {note}" for note in run.notes)
            ),
        )
    if user is None:
        st.caption(app_state.SIGN_IN_HINT)


def show_empty_state(period) -> None:
    st.info(
        "**No exceptions yet.** Exceptions are the problems that keep work from being billed "
        "correctly: unapproved or unassigned time, missing or ambiguous rates, caps, PO limits, "
        "unmatched payments. Each comes with its evidence and a suggested action.\n\n"
        f"Click **Refresh billing exceptions for {app_state.period_label(period)}** to run the "
        "billing checks for the period chosen in the sidebar. With an empty warehouse, load data "
        "first (`make run` builds the demo firm; see the Data health page).",
        icon=":material/task_alt:",
    )


def pick_filters(options: er.FilterOptions) -> er.QueueFilters:
    """The queue's own filters; the sidebar's client filter holds here too (the picker offers
    only its clients, and left empty shows all of them)."""
    sidebar = app_state.current_filters().clients
    offered = er.clients_offered(options, sidebar)
    # two rows, so that every picked value stays readable at 1280 px
    kind, client = st.columns(2)
    severity, status, age = st.columns([2.2, 1.6, 1.2])
    kinds = kind.multiselect(
        "Kind", options.kinds, format_func=er.kind_words, placeholder="All kinds"
    )
    picked = client.multiselect(
        "Client",
        list(offered),
        format_func=lambda cid: offered.get(cid, cid),
        placeholder="All sidebar clients" if sidebar else "All clients",
        help="The sidebar's client filter applies: only its clients are offered."
        if sidebar
        else None,
    )
    clients = list(picked) or list(sidebar)
    severities = severity.multiselect(
        "Severity",
        er.SEVERITIES,
        default=list(er.DEFAULT_SEVERITIES),
        placeholder="All severities",
        help="A group's severity follows its money at stake (docs/rules.md): low groups have "
        "little or no money known (time without a project, missing timesheets…).",
    )
    statuses = status.multiselect("Status", er.STATUSES, default=["open"], placeholder="Any status")
    min_age = age.number_input(
        "Age ≥ (days)", min_value=0, value=0, step=1, help="Only exceptions at least this old"
    )
    return er.QueueFilters(
        tuple(kinds), tuple(clients), tuple(severities), tuple(statuses), min_age
    )


def money_words(amount) -> str:
    """A headline amount that fits its card at 1280 px: whole units, millions as "12.3 M"."""
    if abs(amount) >= 1_000_000:
        return f"{amount / 1_000_000:,.1f} M"
    return f"{amount:,.0f}"


def show_kpis(summary: er.GroupSummary, currency: str) -> None:
    cols = st.columns(4)
    cols[0].metric("Groups to decide", f"{summary.groups:,}", border=True)
    cols[1].metric(
        f"At stake ({currency})",
        money_words(summary.money),
        help="Money at stake in the groups shown, in base currency",
        border=True,
    )
    cols[2].metric("Findings in them", f"{summary.findings:,}", border=True)
    cols[3].metric(
        "Oldest (days)",
        "—" if summary.oldest_age_days is None else f"{summary.oldest_age_days:,}",
        help="Days since the oldest event (entry date, invoice date) behind the groups shown",
        border=True,
    )
    if summary.hidden_groups:
        st.caption(
            f"{summary.hidden_groups:,} more group(s) of the other severities are not shown; "
            "add them in **Severity**."
        )


def pager(total: int, per_page: int, key: str, what: str) -> int:
    """The page number picked for `total` rows shown `per_page` at a time (1 when they fit);
    keyed by the page count, so that new filters start again at page 1."""
    pages = -(-total // per_page)
    if pages <= 1:
        return 1
    return st.number_input(
        f"{what} page of {pages:,}",
        min_value=1,
        max_value=pages,
        step=1,
        key=f"{key}_{pages}",
        width=150,
        label_visibility="collapsed",
    )


def show_groups(total: int, filters: er.QueueFilters, stamp) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A page of the groups, biggest money first, their CSV (every group the filters pick,
    written on the click), and the groups shown and those the user selected."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.download_button(
            "Groups CSV",
            partial(er.groups_csv_of, filters, stamp[0]),  # read and written only when clicked
            file_name="exception_groups.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="exception_groups_csv",
        )
        number = pager(total, GROUP_ROWS, "group_page", "Groups")
        groups = read_groups(stamp, filters, number)
        if total > groups.height:
            first = (number - 1) * GROUP_ROWS + 1
            count = f"Groups {first:,}–{first + groups.height - 1:,} of {total:,}"
        else:
            count = f"{total:,} group{'s' * (total != 1)}"
        st.caption(
            f"{count}, biggest money first. Select groups to see their findings and decide "
            "them at once."
        )
    with st.container(key="exception_groups"):
        picked = app_state.selectable_table(
            groups.with_columns(
                severity_tag=pl.concat_list("severity"),
                kind_label=pl.col("kind").map_elements(er.kind_words, return_dtype=pl.String),
            ),
            "group_key",
            key="group_table",
            columns=GROUP_COLUMNS,
            placeholder="—",
        )
    return groups, picked


def show_group_decision(picked: pl.DataFrame, user: str | None, stamp) -> None:
    """One decision on every open finding of the selected groups (decide_group); groups of
    classification suggestions are accepted at once."""
    keys = picked["group_key"].to_list()
    count = int(picked["entries"].sum())
    what = f"{len(keys)} group{'s' * (len(keys) > 1)}, {count:,} finding{'s' * (count > 1)}"
    with st.container(border=True, key="group_decision_box"):
        st.markdown(f"**Decide {what} at once**")
        actions = picked["suggested_action"].drop_nulls().unique(maintain_order=True).to_list()
        for action in actions[:SUGGESTIONS_SHOWN]:
            st.markdown(f":material/lightbulb: Suggested: {action}")
        if len(actions) > SUGGESTIONS_SHOWN:
            st.caption(f"and {len(actions) - SUGGESTIONS_SHOWN} other suggested action(s)")
        if (picked["kind"] == "classify_suggestion").all():
            if st.button(
                f"Accept the suggestions · {what}",
                type="primary",
                disabled=user is None,
                icon=":material/done_all:",
                key="accept_groups",
            ):
                app_state.act(
                    classify_apply.accept_groups, keys, done=lambda n: f"{n} suggestion(s) accepted"
                )
            return
        decision = st.radio(
            "Decision for the groups",
            list(DECISIONS),
            format_func=DECISIONS.get,
            horizontal=True,
            key="group_decision",
        )
        with st.form("decide_group", clear_on_submit=True, border=False):
            extra = decision_inputs(decision, stamp)
            reason = st.text_input("Reason (optional)", placeholder="Recorded in the audit log")
            submitted = st.form_submit_button(
                f"{DECISIONS[decision]} · {what}", type="primary", disabled=user is None
            )
        if submitted and decision == "reassign" and not extra:
            st.error("Choose the project or SOW line to reassign to.")
        elif submitted:
            app_state.act(
                findings.decide_group,
                keys,
                decision,
                reason=reason.strip() or None,
                done=lambda n: f"{DECISIONS[decision]}: {n} finding(s) decided",
                **extra,
            )


def show_queue(groups: pl.DataFrame, filters: er.QueueFilters, stamp) -> pl.DataFrame:
    """The findings of `groups`, a page at a time in the groups' order (oldest first in each),
    read a page at a time; their CSV (every finding of the groups, written on the click); and
    the rows the user selected on the page shown."""
    keys = tuple(groups["group_key"])
    total = int(groups["entries"].sum()) if groups.height else 0
    # Left of the table: its toolbar, which shows on hover, takes the top right corner.
    with st.container(horizontal=True, vertical_alignment="center"):
        st.download_button(
            "Findings CSV",
            partial(er.findings_csv_of, filters, keys, stamp[0]),  # read only when clicked
            file_name="exceptions.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="exceptions_csv",
        )
        number = pager(total, PAGE_ROWS, "exception_page", "Findings")
        shown = read_queue(stamp, filters, keys, number)
        if total > PAGE_ROWS:
            first = (number - 1) * PAGE_ROWS + 1
            pages = -(-total // PAGE_ROWS)
            where = (
                f"rows {first:,}–{first + shown.height - 1:,} of {total:,} "
                f"(page {number} of {pages:,}), "
            )
        else:
            where = f"{total:,} findings, "
        st.caption(
            where + "group by group, oldest first in each. Select one or more rows to "
            "see the evidence and decide."
        )
    # The keyed container gives the browser tests a stable handle (CSS class st-key-…).
    with st.container(key="exception_queue"):
        return app_state.selectable_table(
            er.readable(shown),
            "exception_id",
            key="exception_table",
            columns=QUEUE_COLUMNS,
            placeholder="—",
        )


@st.fragment
def show_queue_and_decisions(
    total_groups: int, filters: er.QueueFilters, user: str | None, stamp
) -> None:
    """The groups, what decides them, and the findings of the selected groups (of the groups
    the table shows when none is selected) with what acts on their selection: selecting or
    turning a page reruns only this part, and reads only the page it shows."""
    groups, picked = show_groups(total_groups, filters, stamp)
    if not picked.is_empty():
        show_group_decision(picked, user, stamp)
    st.subheader("Findings in the selected groups" if not picked.is_empty() else "Findings")
    selected = show_queue(picked if not picked.is_empty() else groups, filters, stamp)
    show_selection(selected, user, stamp)
    show_audit(selected, stamp)


def show_evidence_part(view: er.EvidenceView) -> None:
    if not view.records.is_empty():
        headers = {name: er.field_words(name) for name in view.records.columns}  # time_entry
        st.dataframe(view.records, hide_index=True, column_config=headers, placeholder="—")
    for name, table in view.tables.items():
        st.caption(er.field_words(name))
        st.dataframe(table, hide_index=True, placeholder="—")
    if view.records.is_empty() and not view.tables:
        st.caption("No source row is recorded for this exception.")


def show_evidence(row: dict, stamp) -> None:
    found = read_evidence(stamp, row["exception_id"])
    st.markdown(f"**{row['detail']}**")  # names, not ids (er.readable)
    if row["suggested_action"]:
        st.markdown(f":material/lightbulb: Suggested: {row['suggested_action']}")
    if row["decided_by"]:
        why = f": {row['decision_reason']}" if row["decision_reason"] else ""
        st.caption(f"{row['status'].capitalize()} by {row['decided_by']}{why}")
    now, flagged = st.tabs(["Source rows now", "As flagged"])
    with now:
        show_evidence_part(er.evidence_view(found["live"]))
    with flagged:
        show_evidence_part(er.evidence_view(found["evidence"]))


def decision_inputs(decision: str, stamp) -> dict:
    """The extra arguments a decision takes: where to reassign to, or until when to snooze."""
    if decision == "reassign":
        targets = read_targets(stamp)
        choice = st.selectbox(
            "Reassign to",
            range(targets.height),
            format_func=lambda n: targets["label"][n],
            index=None,
            placeholder="Project, or a project's SOW line",
        )
        if choice is None:
            return {}
        target = targets.row(choice, named=True)
        return {"project_id": target["project_id"], "sow_line_id": target["sow_line_id"]}
    if decision == "snooze":
        until = st.date_input(
            "Snooze until",
            value=clock.today() + timedelta(days=SNOOZE_DAYS),
            min_value=clock.today() + timedelta(days=1),
        )
        return {"until": until}
    return {}


def show_decision(selected: pl.DataFrame, user: str | None, stamp) -> None:
    ids = selected["exception_id"].to_list()
    decision = st.radio(
        "Decision", list(DECISIONS), format_func=DECISIONS.get, horizontal=True, key="decision"
    )
    with st.form("decide", clear_on_submit=True, border=False):
        extra = decision_inputs(decision, stamp)
        reason = st.text_input("Reason (optional)", placeholder="Recorded in the audit log")
        submitted = st.form_submit_button(
            f"{DECISIONS[decision]} · {len(ids)} exception{'s' * (len(ids) > 1)}",
            type="primary",
            disabled=user is None,
        )
    if user is None:
        st.caption(app_state.SIGN_IN_HINT)
    if submitted and decision == "reassign" and not extra:
        st.error("Choose the project or SOW line to reassign to.")
    elif submitted and decision == "approve" and (selected["kind"] == "classify_suggestion").all():
        # approving a classification is accepting it: the entry gets the suggested fields
        app_state.act(
            classify_apply.accept,
            ids,
            reason=reason.strip() or None,
            done=lambda n: f"{n} suggestion(s) accepted",
        )
    elif submitted:
        app_state.act(
            findings.decide,
            ids,
            decision,
            reason=reason.strip() or None,
            done=f"{DECISIONS[decision]}: {len(ids)} exception(s) decided",
            **extra,
        )


@st.cache_data(show_spinner=False, max_entries=16)
def read_allocation(stamp: tuple[str, int, int], payment_id: str) -> pl.DataFrame:
    return ar_page.allocation_options(payment_id, stamp[0])


def show_payment_allocation(payment_id: str, user: str | None, stamp) -> None:
    """An unmatched payment: accept the suggested oldest-first allocation, change it, or keep
    the whole payment as the client's credit (billing.ar.sync.allocate_payment)."""
    st.subheader("Allocate the payment")
    options = read_allocation(stamp, payment_id)
    edited = st.data_editor(
        options,
        hide_index=True,
        disabled=["invoice_id", "number", "due_date", "open_now", "currency"],
        key=f"allocate_{payment_id}",
        column_config={"allocate": st.column_config.TextColumn("Allocate (payment currency)")},
    )
    st.caption(
        "Prefilled with the suggestion (oldest due first). What is not allocated stays "
        "as the client's credit."
    )
    amounts = {
        r["invoice_id"]: (r["allocate"] or "0").strip() for r in edited.iter_rows(named=True)
    }
    if st.button("Apply allocation", type="primary", disabled=user is None):
        app_state.act(ar_sync.allocate_payment, payment_id, amounts, done=f"{payment_id} allocated")


def show_classification(selected: pl.DataFrame, user: str | None, stamp) -> None:
    """One-click approval (and undo) of the classification suggestions of the selected rows."""
    rows = selected.filter(pl.col("kind").is_in(classify_apply.ACCEPTS))
    found = classify_review.current_suggestions(rows["ref"].to_list(), stamp[0])
    if found.is_empty():
        return
    st.markdown("**Classification suggestions**")
    st.dataframe(
        found,
        hide_index=True,
        column_order=list(SUGGESTION_COLUMNS),
        column_config=SUGGESTION_COLUMNS,
    )
    ids = dict(zip(rows["ref"], rows["exception_id"], strict=True))
    open_ids = [ids[e] for e in found.filter(pl.col("status") == "open")["entry_id"]]
    done_ids = [ids[e] for e in found.filter(pl.col("status") != "open")["entry_id"]]
    accept, undo = st.columns(2)
    if accept.button(
        f"Accept {len(open_ids)} suggestion(s)",
        type="primary",
        disabled=user is None or not open_ids,
        icon=":material/done_all:",
    ):
        app_state.act(classify_apply.accept, open_ids, done=lambda n: f"{n} suggestion(s) accepted")
    if undo.button(
        f"Undo {len(done_ids)} applied",
        disabled=user is None or not done_ids,
        icon=":material/undo:",
    ):
        app_state.act(classify_apply.undo, done_ids, done=lambda n: f"{n} suggestion(s) undone")


def show_selection(selected: pl.DataFrame, user: str | None, stamp) -> None:
    if selected.is_empty():
        st.caption("Select rows in the table to see their evidence and decide.")
        return
    evidence, decide = st.columns([3, 2], gap="large")
    with evidence:
        st.subheader("Evidence")
        rows = list(selected.head(EVIDENCE_SHOWN).iter_rows(named=True))
        for n, row in enumerate(rows):
            title = f"{er.kind_words(row['kind'])} · {row['ref']}"
            with st.expander(title, expanded=n == 0):
                show_evidence(row, stamp)
        if selected.height > EVIDENCE_SHOWN:
            st.caption(f"…and {selected.height - EVIDENCE_SHOWN} more selected.")
    with decide:
        st.subheader(f"Decide ({selected.height} selected)")
        show_classification(selected, user, stamp)
        show_decision(selected, user, stamp)
        if selected.height == 1 and selected["kind"][0] == "unmatched_payment":
            show_payment_allocation(selected["ref"][0], user, stamp)


def show_audit(selected: pl.DataFrame, stamp) -> None:
    one = selected["exception_id"][0] if selected.height == 1 else None
    with st.expander("Audit log", icon=":material/history:"):
        st.caption(f"Decisions on {one}." if one else "The latest 200 decisions, newest first.")
        st.dataframe(
            er.readable_audit(read_audit(stamp, one)),
            column_order=list(AUDIT_COLUMNS),
            column_config=AUDIT_COLUMNS,
            hide_index=True,
            placeholder="—",
        )


st.title("Exceptions")
st.caption(
    "The problems that keep work from being billed correctly, each with its evidence and a "
    "suggested action. Decide them one at a time or in bulk; every decision is kept in the "
    "audit log and survives re-runs and re-imports."
)
app_state.show_flash()
period, user, stamp = app_state.current_period(), app_state.current_user(), warehouse_stamp()
show_refresh(period, user)
try:
    options = read_options(stamp)
except WarehouseUnreadable as damaged:
    app_state.show_damaged(damaged)
except WarehouseBusy:
    options = None
    st.warning(
        "A load is writing to the warehouse right now. Refresh in a moment to see the queue.",
        icon=":material/hourglass_top:",
    )
if options is not None and options.is_empty:
    show_empty_state(period)
elif options is not None:
    filters = pick_filters(options)
    summary = er.summarize_counts(read_counts(stamp, filters), filters.severities)
    show_kpis(summary, read_base_currency(stamp))
    if not summary.groups:
        st.success("Nothing matches these filters.", icon=":material/check_circle:")
    show_queue_and_decisions(summary.groups, filters, user, stamp)
