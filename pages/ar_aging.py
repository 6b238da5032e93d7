"""AR aging & DSO: the leadership view of receivables (KPIs, aging by client, DSO trend, the
open invoices by age) and the weekly AR review (per client: invoices, reminders, promises,
disputes, owner and notes; what moved since last week; late fees; reminders; exports)."""

from datetime import date
from functools import partial

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from billing.ar import late_fees, polish, reminders, review, senders, sync
from core import clock
from metrics.filters import Filters
from read_models import ar_page
from ui import app_state, figures
from warehouse.sessions import WarehouseBusy, WarehouseUnreadable, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config
BUCKET_LABELS = {
    "current": "Current",
    "d1_30": "1–30",
    "d31_60": "31–60",
    "d61_90": "61–90",
    "d90_plus": "90+",
}
BUCKET_COLORS = ["#2e7d32", "#f9a825", "#ef6c00", "#d84315", "#b71c1c"]
INVOICE_COLUMNS = {
    "client_name": cc.TextColumn("Client", width=150),
    "number": cc.TextColumn("Invoice", width=110),
    "due_date": cc.DateColumn("Due", width=92),
    "days_past_due": cc.NumberColumn("Past due (d)", format="%d", width=82),
    "bucket": cc.TextColumn("Bucket", width=60),
    "open": cc.NumberColumn("Open", format="accounting", width=105),
    "currency": cc.TextColumn("Cur.", width=45),
    "late_fee": cc.NumberColumn("Late fee", format="accounting", width=80),
    "billing_email": cc.TextColumn("Contact"),
    "payment_terms_days": cc.NumberColumn("Terms (d)", format="%d", width=70),
    "last_reminder_at": cc.DatetimeColumn("Last reminder", format="YYYY-MM-DD", width=95),
    "last_reminder_tone": cc.TextColumn("Tone", width=62),
    "promised_date": cc.DateColumn("Promised", width=92),
    "is_disputed": cc.CheckboxColumn("Disputed", width=68),
    "owner": cc.TextColumn("Owner"),
    "note": cc.TextColumn("Note", width=105),
    "updated_by": cc.TextColumn("Edited by"),
    "updated_at": cc.DatetimeColumn("Edited (UTC)", format="YYYY-MM-DD HH:mm"),
}
HELP = (
    "Amounts in the firm's base currency, each invoice at the rate of its issue date. DSO is "
    "simple over the 90 days ending the range (open AR ÷ invoiced × 90, credit memos netted) and "
    "by countback; the target is the payment terms weighted by amount, + 5 days; CEI covers the "
    "range. The client filter applies; team and person filters do not apply to receivables. "
    "Definitions: docs/ar.md."
)


@st.cache_data(show_spinner="Reading receivables…", max_entries=16)
def read_leadership(stamp: tuple[str, int, int], filters: Filters) -> ar_page.LeadershipView:
    return ar_page.leadership_view(filters, stamp[0])


@st.cache_data(show_spinner="Reading the review…", max_entries=16)
def read_review(stamp: tuple[str, int, int], as_of: date, clients: tuple) -> ar_page.ReviewView:
    return ar_page.review_view(as_of, clients, stamp[0])


def _num(value, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:,}{suffix}"


def show_kpis(k, base: str) -> None:
    # Four cards a row: at 1280 px six in a row cut the amounts off ("441…").
    cols = st.columns(4)
    cols[0].metric(f"Open AR ({base})", f"{k.open_ar:,.0f}", border=True)
    cols[1].metric(f"Overdue ({base})", f"{k.overdue_ar:,.0f}", border=True)
    late = k.dso_simple is not None and k.dso_target is not None and k.dso_simple > k.dso_target
    cols[2].metric(
        "DSO (90 days)",
        _num(k.dso_simple, " d"),
        border=True,
        delta=None if k.dso_target is None else f"target ≤ {k.dso_target} d",
        delta_color="inverse" if late else "off",
    )
    cols[3].metric(
        "DSO countback",
        _num(k.dso_countback, " d"),
        border=True,
        help="AR exhausted by each month's invoicing, newest first",
    )
    more = st.columns(4)
    more[0].metric(
        "Avg days delinquent",
        _num(k.average_days_delinquent, " d"),
        border=True,
        help=f"DSO − best possible DSO ({_num(k.best_possible_dso, ' d')})",
    )
    cei = None if k.cei is None else f"{k.cei * 100:.1f}"
    more[1].metric("CEI", cei or "n/a", border=True, help="Collection effectiveness index")
    more[2].metric("Invoice to cash", _num(k.invoice_to_cash_days, " d"), border=True)
    more[3].metric("Broken promises", k.broken_promises, border=True)
    rates = st.columns(4)

    def pct(v):
        return "n/a" if v is None else f"{v * 100:.1f}%"

    rates[0].metric(
        "Collection realization",
        pct(k.collection_realization),
        border=True,
        help="Paid so far on the range's invoices ÷ their total",
    )
    rates[1].metric(
        "Collection rate",
        pct(k.collection_rate),
        border=True,
        help="Cash received in the range ÷ invoiced in it (can pass 100%)",
    )


@figures.kept
def aging_figure(by_client: pl.DataFrame) -> go.Figure:
    """Stacked buckets per client (top 15 by open), each bar carrying its client id."""
    top = by_client.head(15).with_columns(pl.col(list(BUCKET_LABELS)).cast(pl.Float64))
    long = top.unpivot(
        list(BUCKET_LABELS),
        index=["client_id", "client_name"],
        variable_name="bucket",
        value_name="open",
    )
    long = long.with_columns(pl.col("bucket").replace_strict(BUCKET_LABELS))
    fig = px.bar(
        long,
        x="open",
        y="client_name",
        color="bucket",
        orientation="h",
        custom_data=["client_id"],
        color_discrete_sequence=BUCKET_COLORS,
        category_orders={
            "client_name": top["client_name"].to_list(),
            "bucket": list(BUCKET_LABELS.values()),
        },
    )
    fig.update_layout(
        height=420,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend_title="",
        yaxis_title="",
        xaxis_title="Open (base currency)",
    )
    return fig


def aging_chart(by_client: pl.DataFrame) -> str | None:
    """The aging figure; a click on a bar returns its client id."""
    event = st.plotly_chart(
        aging_figure(by_client), on_select="rerun", selection_mode="points", key="aging_chart"
    )
    points = event.selection.points if event and event.selection else []
    return points[0]["customdata"][0] if points else None


@figures.kept
def trend_figure(trend: pl.DataFrame) -> go.Figure:
    long = trend.with_columns(pl.exclude("month").cast(pl.Float64)).unpivot(
        index="month", variable_name="series", value_name="days"
    )
    names = {"dso_simple": "DSO (90 days)", "dso_countback": "Countback", "dso_target": "Target"}
    long = long.with_columns(pl.col("series").replace_strict(names))
    fig = px.line(long, x="month", y="days", color="series", markers=True)
    fig.update_layout(height=420, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend_title="")
    return fig


def trend_chart(trend: pl.DataFrame) -> None:
    st.plotly_chart(trend_figure(trend), key="dso_trend")


def invoice_table(rows: pl.DataFrame, key: str, columns: list[str]) -> None:
    with st.container(horizontal=True, vertical_alignment="center"):
        st.download_button(
            "Download CSV",
            partial(review.review_csv, rows),
            file_name=f"{key}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=f"{key}_csv",
        )
        st.caption(f"{rows.height:,} open invoices")
    st.dataframe(
        rows,
        column_order=columns,
        column_config=INVOICE_COLUMNS,
        hide_index=True,
        placeholder="—",
        key=key,
    )


def show_leadership(view: ar_page.LeadershipView, filters: Filters) -> None:
    show_kpis(view.kpis, view.kpis.base_currency)
    left, right = st.columns(2)
    with left:
        st.subheader(f"Aging by client, {filters.end}")
        picked = aging_chart(view.by_client) if not view.by_client.is_empty() else None
    with right:
        st.subheader("DSO, last 12 months")
        trend_chart(view.trend)
    st.subheader("Open invoices by age")
    rows = view.open_invoices
    if picked:
        rows = rows.filter(pl.col("client_id") == picked)
        st.caption(
            f"Only {rows['client_name'][0] if rows.height else picked} (clicked in the "
            "chart; click the chart's background to clear)."
        )
    invoice_table(
        rows,
        "open_invoices",
        [
            "client_name",
            "number",
            "due_date",
            "days_past_due",
            "bucket",
            "open",
            "currency",
            "late_fee",
        ],  # contact and terms: in the CSV and the weekly review
    )


def edit_form(rows: pl.DataFrame, user: str | None) -> None:
    """Owner, note, dispute and promise-to-pay of one invoice, saved with who and when."""
    st.subheader("Update an invoice")
    ids = rows["invoice_id"].to_list()
    labels = {
        r["invoice_id"]: f"{r['number']} · {r['client_name']} · {r['days_past_due']} d · "
        f"{r['open']:,.2f} {r['currency']}"
        for r in rows.iter_rows(named=True)
    }
    invoice_id = st.selectbox(
        "Invoice",
        ids,
        format_func=labels.get,
        index=None,
        placeholder="Choose an open invoice",
        key="review_invoice",
    )
    if invoice_id is None:
        return
    row = rows.filter(pl.col("invoice_id") == invoice_id).row(0, named=True)
    with st.form("review_edit", border=True):
        owner = st.text_input("Owner", value=row["owner"] or "", help="Who follows up")
        note = st.text_area("Note", value=row["note"] or "", height=80)
        left, right = st.columns(2)
        promised = left.date_input(
            "Promised to pay on",
            value=row["promised_date"],
            format="YYYY-MM-DD",
            key="review_promised",
        )
        disputed = right.checkbox(
            "Disputed",
            value=bool(row["is_disputed"]),
            help="Reminders pause while an invoice is disputed",
        )
        saved = st.form_submit_button("Save", type="primary", disabled=user is None)
    if row["updated_by"]:
        st.caption(f"Last edited by {row['updated_by']} at {row['updated_at']:%Y-%m-%d %H:%M} UTC")
    if saved:
        app_state.act(
            review.save_note,
            invoice_id,
            owner=owner.strip() or None,
            note=note.strip() or None,
            is_disputed=disputed,
            promised_date=promised,
            done=f"{row['number']} updated",
        )


@st.fragment
def show_clients(view: ar_page.ReviewView) -> None:
    """One section per client; a section's table is built only while it is open (a firm has
    a hundred clients with open invoices), and opening one reruns only this part."""
    st.subheader("Clients by overdue amount")
    for client in view.clients.iter_rows(named=True):
        head = (
            f"**{client['client_name']}** · overdue {client['overdue_base']:,.2f} "
            f"{view.base_currency} of {client['open_base']:,.2f} · {client['invoices']} "
            f"invoice(s), oldest {client['oldest_days']} d"
        )
        if client["promised_date"]:
            head += f" · promised {client['promised_date']}"
        section = st.expander(
            head, expanded=False, key=f"ar_client_{client['client_id']}", on_change="rerun"
        )
        if not section.open:
            continue
        with section:
            rows = view.rows.filter(pl.col("client_id") == client["client_id"])
            st.dataframe(
                rows,
                column_config=INVOICE_COLUMNS,
                hide_index=True,
                placeholder="—",
                # What collections reads at 1280 px; due date, bucket, late fee, owner and who
                # edited it last are in the review's CSV and the edit form below.
                column_order=[
                    "number",
                    "days_past_due",
                    "open",
                    "currency",
                    "last_reminder_at",
                    "last_reminder_tone",
                    "promised_date",
                    "is_disputed",
                    "note",
                ],
            )


def show_movement(view: ar_page.ReviewView) -> None:
    st.subheader("Week over week")
    st.caption(
        "Invoices whose bucket changed between seven days before the review date and "
        "the review date: rows are last week's bucket, columns this week's ('new': issued "
        "since, 'paid': settled since)."
    )
    left, right = st.columns([2, 3])
    left.dataframe(view.matrix, hide_index=True, key="movement_matrix")
    right.dataframe(view.moves, hide_index=True, placeholder="—", key="movement_rows")


def show_exports(view: ar_page.ReviewView) -> None:
    with st.container(horizontal=True):
        st.download_button(
            "Review as CSV",
            partial(review.review_csv, view.rows),
            file_name=f"ar_review_{view.as_of}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="review_csv",
        )
        st.download_button(
            "Review as PDF",
            partial(review.review_pdf, view.rows, view.as_of),
            file_name=f"ar_review_{view.as_of}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="review_pdf",
        )


def show_fees(view: ar_page.ReviewView, user: str | None) -> None:
    st.subheader("Late fees")
    if st.button(
        f"Accrue late fees as of {view.as_of}",
        disabled=user is None,
        help="Charges only what accrued since the last run: safe to run any time",
    ):
        app_state.act(
            late_fees.accrue_late_fees,
            view.as_of,
            done=lambda c: f"{len(c)} late-fee charge(s) recorded",
        )
    if view.pending_fees.is_empty():
        st.caption("No pending late-fee charges.")
        return
    picked = app_state.selectable_table(
        view.pending_fees.select(
            "charge_id",
            "client_name",
            "invoice_number",
            "periods",
            "open_amount",
            "monthly_rate",
            "amount",
            "currency",
            "as_of_date",
        ),
        "charge_id",
        key="fee_table",
        hide_index=True,
    )
    ids = picked["charge_id"].to_list()
    left, right = st.columns(2)
    if left.button(f"Post {len(ids)} on fee invoices", disabled=user is None or not ids):
        app_state.act(late_fees.post_late_fees, ids, done=lambda n: f"Posted on {', '.join(n)}")
    reason = right.text_input("Reason to waive", key="waive_reason")
    if right.button(f"Waive {len(ids)}", disabled=user is None or not ids or not reason.strip()):
        # Above the four-eyes limit the first waiver is a request: the result says which.
        app_state.act(late_fees.waive_late_fees, ids, reason=reason, done=lambda said: said)


REMINDER_COLUMNS = {
    "number": cc.TextColumn("Invoice", width=110),
    "client_name": cc.TextColumn("Client", width=140),
    "recipient": cc.TextColumn("To", width=165),
    "offset_days": cc.NumberColumn("Offset (d)", format="%d", width=72),
    "tone": cc.TextColumn("Tone", width=65),
    "scheduled_date": cc.DateColumn("Scheduled", width=92),
    "subject": cc.TextColumn("Subject", width=120),
}
SENDING_KEY = "confirm_reminders"  # set while the send confirmation is open


def close_sending() -> None:
    st.session_state.pop(SENDING_KEY, None)


def show_preview(reminder: dict, from_address: str) -> None:
    """The e-mail as it will go out: headers, then the body as written."""
    with st.container(border=True, key="reminder_preview"):
        st.markdown(
            f"**To** {reminder['recipient'] or '— no billing e-mail —'}  \n"
            f"**From** {from_address}  \n**Subject** {reminder['subject']}"
        )
        st.code(reminder["body"], language=None, wrap_lines=True)
        if reminder["recipient"] is None:
            st.caption("No billing e-mail for this client: this reminder cannot be sent.")


@st.dialog("Send these reminders?", on_dismiss=close_sending)
def confirm_sending(queue: pl.DataFrame, view: ar_page.ReviewView, sender) -> None:
    tones = ", ".join(f"{n} {t}" for t, n in queue.group_by("tone").len().sort("tone").rows())
    st.markdown(
        f"**{queue.height} e-mail(s)** to {queue['recipient'].n_unique()} "
        f"address(es) via **{sender.channel}**, as of {view.as_of}: {tones}."
    )
    st.caption(
        "Each goes once: a sent reminder is logged and never sent again. Preview any of "
        "them first by picking its row."
    )
    if st.button(f"Send {queue.height} reminder(s)", type="primary", icon=":material/send:"):
        close_sending()
        app_state.act(
            reminders.send_reminders,
            view.as_of,
            sender,
            polish=polish.polisher_from_settings(),
            done=lambda sent: (
                f"{len(sent)} reminder(s) sent via {sender.channel}"
                + "".join(f"; {line}" for line in sent.refused)
            ),
        )


def show_reminders(view: ar_page.ReviewView, user: str | None) -> None:
    st.subheader("Reminders due")
    queue = view.reminders
    sender = senders.sender_from_settings()
    st.caption(
        f"{queue.height} reminder(s) would go out as of {view.as_of}, via "
        f"{sender.channel}. Disputed or promised invoices are paused. Pick a row to "
        "preview its e-mail."
    )
    picked = app_state.selectable_table(
        queue,
        "invoice_id",
        key="reminder_queue",
        mode="single-row",
        columns=REMINDER_COLUMNS,
        placeholder="—",
    )
    if not picked.is_empty():
        show_preview(picked.row(0, named=True), reminders.ReminderConfig.load().from_address)
    if st.button(
        f"Send {queue.height} reminder(s)…",
        disabled=user is None or queue.is_empty(),
        icon=":material/send:",
    ):
        st.session_state[SENDING_KEY] = True
    if st.session_state.get(SENDING_KEY) and user and not queue.is_empty():
        confirm_sending(queue, view, sender)


def show_review(filters: Filters, user: str | None, stamp) -> None:
    top = st.columns([1, 1, 3], vertical_alignment="bottom")
    as_of = top[0].date_input(
        "Review as of", value=clock.today(), format="YYYY-MM-DD", key="review_as_of"
    )
    if top[1].button(
        "Re-match payments",
        disabled=user is None,
        help="Applies payments and credit memos again and updates the unmatched "
        "payments in the Exceptions queue",
    ):
        app_state.act(sync.sync_receivables, done=lambda c: f"{c['applications']} applications")
    view = read_review(stamp, as_of, filters.clients)
    if view.rows.is_empty():
        st.success("Nothing is open on this date.", icon=":material/check_circle:")
    else:
        show_exports(view)
        show_clients(view)
        edit_form(view.rows, user)
    show_movement(view)
    if not view.unmatched.is_empty() or not view.credits.is_empty():
        st.subheader("Unapplied cash")
        st.caption(
            "Client credits (overpayments, kept for the client) and payments matching "
            "could not apply; decide those on the Exceptions page."
        )
        if not view.credits.is_empty():
            st.dataframe(view.credits, hide_index=True, key="credits")
        if not view.unmatched.is_empty():
            st.dataframe(view.unmatched, hide_index=True, key="unmatched")
    show_fees(view, user)
    show_reminders(view, user)


st.title("AR aging & DSO")
st.caption(HELP)
app_state.show_flash()
filters, user, stamp = app_state.current_filters(), app_state.current_user(), warehouse_stamp()
try:
    leadership = read_leadership(stamp, filters)
except WarehouseUnreadable as damaged:
    app_state.show_damaged(damaged)
except WarehouseBusy:
    st.warning(
        "A load is writing to the warehouse right now. Refresh in a moment.",
        icon=":material/hourglass_top:",
    )
    st.stop()
if leadership.is_empty:
    st.info(
        "**No receivables yet.** This page shows open invoices by age, DSO and the weekly "
        "AR review once invoices and payments are loaded (`make run` builds the demo firm; "
        "imports: see the Data health page).",
        icon=":material/account_balance:",
    )
    st.stop()
# Only the open tab runs (its reads and tables): the other one is built when it is chosen.
aging_tab, review_tab = st.tabs(
    ["Aging & DSO", "Weekly AR review"], on_change="rerun", key="ar_tab"
)
if aging_tab.open:
    with aging_tab:
        show_leadership(leadership, filters)
if review_tab.open:
    with review_tab:
        show_review(filters, user, stamp)
