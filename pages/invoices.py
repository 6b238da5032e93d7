"""Invoices: the period's draft invoices. Save the drafts, review each one's lines and their
sources, edit or exclude a line, approve (numbered) or void, and download the approved PDF/CSV."""

from functools import partial

import polars as pl
import streamlit as st

from billing import store
from billing.period import Period
from billing.recompute import DERIVED_KINDS, TIME_KINDS
from read_models import invoice_review as ir
from ui import app_state
from warehouse.sessions import WarehouseBusy, WarehouseUnreadable, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

cc = st.column_config
MONEY = "accounting"
APPROVING_KEY = "approving_draft"  # the draft whose approval dialog is open
STATUS_TAG = cc.MultiselectColumn(
    "Status", options=["draft", "approved", "void"], color=["blue", "green", "gray"], width="small"
)
# Both tables fit the page at a 1280 px window (~820 px): subtotal, tax and who drafted it are
# on the draft below the table; a line's project and sources on its PDF and in the audit log.
DRAFT_COLUMNS = {
    "client_name": cc.TextColumn("Client", width=160),
    "contract_text": cc.TextColumn(
        "Contract", width=105, help="The contract, and the project when it invoices per project"
    ),
    "status_tag": STATUS_TAG,
    "invoice_number": cc.TextColumn("Number", width=110, help="Given when the draft is approved"),
    "currency": cc.TextColumn("Cur.", width=45),
    "total": cc.NumberColumn("Total", format=MONEY, width=110),
    "line_count": cc.NumberColumn("Lines", format="%d", width=55),
}
LINE_COLUMNS = {
    "line_no": cc.NumberColumn("#", format="%d", width=35),
    "kind": cc.TextColumn("Kind", width=90),
    "description": cc.TextColumn("Description", width=225),
    "quantity": cc.NumberColumn("Qty", format="%.2f", width=58),
    "unit_price": cc.NumberColumn("Unit price", format=MONEY, width=88),
    "amount_text": cc.TextColumn(
        "Amount", width=100, alignment="right", help="Struck out: excluded, not billed"
    ),
    "exclude_reason": cc.TextColumn("Excluded because", width=110),
}
EXCEPTION_COLUMNS = {
    "kind": cc.TextColumn("Kind", width=130),
    "ref": cc.TextColumn("Ref", width=105),
    "status": cc.TextColumn("Status", width=80),
    "detail": cc.TextColumn("Detail", width="large"),
}


@st.cache_data(show_spinner="Reading the drafts…", max_entries=8)
def read_drafts(stamp: tuple[str, int, int], period: Period) -> pl.DataFrame:
    return ir.period_drafts(period, stamp[0])


@st.cache_data(show_spinner="Checking what is already invoiced…", max_entries=8)
def read_billing(stamp: tuple[str, int, int], period: Period) -> ir.PeriodBilling:
    return ir.period_billing(period, stamp[0])


@st.cache_data(show_spinner=False, max_entries=32)
def read_lines(stamp: tuple[str, int, int], draft_id: int) -> pl.DataFrame:
    return ir.draft_lines(draft_id, stamp[0])


@st.cache_data(show_spinner=False, max_entries=32)
def read_accounting(stamp: tuple[str, int, int], draft_id: int) -> list[str]:
    return ir.accounting_states(draft_id, stamp[0])


@st.cache_data(show_spinner=False, max_entries=8)
def read_run_exceptions(stamp: tuple[str, int, int], period: Period) -> pl.DataFrame:
    return ir.run_exceptions(period, stamp[0])


def saved_text(draft_ids: list[int]) -> str:
    if not draft_ids:
        return "Nothing to draft: the period has no approved, eligible work left to invoice."
    return f"Saved {len(draft_ids)} draft invoice(s)."


def numbers_text(numbers: list[str], shown: int = 12) -> str:
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    return ", ".join(numbers[:shown]) + more


def show_save(
    period, drafts: pl.DataFrame | None, billing: ir.PeriodBilling | None, user: str | None
) -> None:
    """The save button, or, for a month already invoiced with nothing left, the invoices that
    bill it instead (saving again would bill nothing; the warehouse refuses a second draft)."""
    label = app_state.period_label(period)
    pending = 0 if drafts is None else drafts.filter(pl.col("status") == "draft").height
    if billing is not None and billing.already_invoiced and not pending:
        st.success(
            f"**{label} is already invoiced**: {numbers_text(billing.invoices)}. Every fee and "
            "all approved work of the month is on these invoices; nothing is left to draft.",
            icon=":material/task_alt:",
        )
        return
    if billing is not None and billing.invoices:
        st.caption(
            f"Already invoiced for {label}: {numbers_text(billing.invoices)}. Saving drafts "
            "proposes only what is not billed yet (work approved later, fees not invoiced)."
        )
    if st.button(
        f"Draft again for {label}" if pending else f"Save drafts for {label}",
        type="secondary" if pending else "primary",
        icon=":material/note_add:",
        disabled=user is None or drafts is None,
        help="Prices the period's approved work by each contract's terms and saves one draft per "
        "contract (or project). Drafting again replaces the drafts not yet approved, and their "
        "line edits, with fresh ones; approved invoices stay and their work is not billed twice.",
    ):
        app_state.act(store.save_drafts, period, done=saved_text)
    if user is None:
        st.caption(app_state.SIGN_IN_HINT)


def metric_rows(cards: list[tuple[str, object, str | None]]) -> None:
    """(label, value, help) cards, three a row: at a 1280 px window a total of six figures and
    cents is cut off ("205,751…") in a narrower card."""
    for first in range(0, len(cards), 3):
        for col, (label, value, why) in zip(st.columns(3), cards[first : first + 3], strict=False):
            col.metric(label, value, help=why, border=True)


def show_kpis(summary: ir.DraftSummary) -> None:
    cards = [
        ("Drafts", summary.draft_count, "Saved for the period, any status"),
        ("Approved", summary.approved_count, "Numbered, ready to send"),
        ("Void", summary.void_count, None),
    ]
    cards += [(f"Total {cur}", f"{total:,.2f}", "Drafts not void") for cur, total in summary.totals]
    if not summary.totals:
        cards.append(("Total", "—", None))
    metric_rows(cards)


def show_run_exceptions(found: pl.DataFrame, period) -> None:
    """One line beside the drafts: what the period's billing run raised, by kind."""
    with st.container(
        border=True, horizontal=True, vertical_alignment="center", key="run_exceptions"
    ):
        st.markdown("**Exceptions of the run**")
        if found.is_empty():
            st.caption(
                f"None recorded for {app_state.period_label(period)}: refresh them on Exceptions."
            )
        for kind, raised, still_open in ir.exceptions_by_kind(found).iter_rows():
            st.badge(
                f"{kind} · {still_open} open" if still_open else f"{kind} · {raised} decided",
                color="orange" if still_open else "gray",
            )
        st.page_link("pages/exceptions.py", label="Decide on Exceptions", icon=":material/rule:")


def show_client_exceptions(found: pl.DataFrame) -> None:
    if found.is_empty():
        return
    with st.expander(f"Exceptions for this client ({found.height})", icon=":material/warning:"):
        st.dataframe(
            found,
            column_order=list(EXCEPTION_COLUMNS),
            column_config=EXCEPTION_COLUMNS,
            hide_index=True,
        )


def show_line_editor(draft_id: int, line: dict) -> None:
    """Edit the selected line's description, exclude it with a reason, or include it back."""
    no = line["line_no"]
    edit, exclude = st.columns(2, gap="large")
    with edit.form(f"line_{draft_id}_{no}", border=False):
        text = st.text_input(f"Description of line {no}", value=line["description"])
        if st.form_submit_button("Save description", icon=":material/edit:"):
            app_state.act(
                store.edit_line_description,
                draft_id,
                no,
                text.strip(),
                done=f"Line {no}: description saved",
            )
    if not line["excluded"] and line["kind"] not in DERIVED_KINDS:
        show_amount_editor(draft_id, line)
    if line["excluded"]:
        exclude.caption(f"Line {no} is excluded: {line['exclude_reason']}")
        if exclude.button("Include the line again", icon=":material/undo:"):
            app_state.act(store.include_line, draft_id, no, done=f"Line {no} included")
        return
    with exclude.form(f"exclude_{draft_id}_{no}", border=False):
        reason = st.text_input(
            f"Exclude line {no} because", placeholder="e.g. goodwill, agreed with the client"
        )
        submitted = st.form_submit_button("Exclude the line", icon=":material/block:")
    if submitted and not reason.strip():
        exclude.error("Give a reason to exclude the line.")
    elif submitted:
        app_state.act(store.exclude_line, draft_id, no, reason.strip(), done=f"Line {no} excluded")


def show_amount_editor(draft_id: int, line: dict) -> None:
    """Quantity and unit price of the selected line, with a reason (the audit keeps both
    values); typed as text so that money never passes through a float."""
    no = line["line_no"]
    hours_fixed = line["kind"] in TIME_KINDS
    with st.form(f"amount_{draft_id}_{no}", border=False):
        qty, price, why = st.columns([1, 1, 2])
        quantity = qty.text_input(
            f"Quantity of line {no}",
            value=f"{line['quantity']}",
            disabled=hours_fixed,
            help="A time line's hours are its entries'" if hours_fixed else None,
        )
        unit_price = price.text_input(f"Unit price of line {no}", value=f"{line['unit_price']}")
        reason = why.text_input(
            f"Why line {no} changes", placeholder="e.g. rate agreed with the client"
        )
        submitted = st.form_submit_button("Change quantity and price", icon=":material/calculate:")
    if submitted:
        app_state.act(
            store.edit_line_amount,
            draft_id,
            no,
            line["quantity"] if hours_fixed else quantity.strip(),
            unit_price.strip(),
            reason.strip(),
            done=f"Line {no}: quantity and price changed",
        )


def show_add_line(draft_id: int) -> None:
    """A line typed by hand: a one-off fee, a pass-through cost or a credit, with a reason."""
    with st.expander("Add a line", icon=":material/add:"):
        with st.form(f"add_line_{draft_id}", clear_on_submit=True, border=False):
            kind = st.selectbox(
                "Kind",
                list(store.MANUAL_KINDS),
                format_func={"fixed_fee": "Fee", "expense": "Expense", "credit": "Credit"}.get,
            )
            description = st.text_input("Description", placeholder="What the client reads")
            qty, price = st.columns(2)
            quantity = qty.text_input("Quantity", value="1")
            unit_price = price.text_input("Unit price", help="A credit's price is positive")
            reason = st.text_input("Why it is added", placeholder="Recorded in the audit log")
            submitted = st.form_submit_button("Add the line", icon=":material/add:")
    if submitted:
        app_state.act(
            store.add_manual_line,
            draft_id,
            kind,
            description.strip(),
            quantity.strip(),
            unit_price.strip(),
            reason.strip(),
            done="Line added",
        )


def close_approval() -> None:
    st.session_state.pop(APPROVING_KEY, None)


# Open while APPROVING_KEY names the draft, so every full run draws it again until it is
# dismissed or done (a widget in a dialog is only answered while the dialog is drawn).
@st.dialog("Approve this invoice?", on_dismiss=close_approval)
def confirm_approval(draft: dict, open_exceptions: int) -> None:
    st.markdown(
        f"**{draft['client_name']}** · contract {draft['contract_id']}\n\n"
        f"Total **{draft['currency']} {draft['total']:,.2f}** "
        f"({draft['line_count']} lines, tax {draft['tax']:,.2f})"
    )
    if open_exceptions:
        st.warning(
            f"The client has {open_exceptions} open exception(s) this period; work behind them "
            "is not on this invoice.",
            icon=":material/warning:",
        )
    st.caption(
        "Approving gives the invoice its number and freezes its lines: afterwards it can only be "
        "voided. Nothing is sent to the client."
    )
    if st.button("Approve and number", type="primary", icon=":material/verified:"):
        close_approval()
        app_state.act(
            store.approve_draft, draft["draft_id"], done=lambda number: f"Approved as {number}"
        )


def show_void(draft: dict) -> None:
    with (
        st.popover("Void", icon=":material/delete:"),
        st.form(f"void_{draft['draft_id']}", border=False),
    ):
        reason = st.text_input("Reason to void", placeholder="Required")
        submitted = st.form_submit_button("Void the invoice", type="primary")
    if submitted and not reason.strip():
        st.error("Give a reason to void.")
    elif submitted:
        app_state.act(
            store.void_draft, draft["draft_id"], reason=reason.strip(), done="Invoice voided"
        )


def show_downloads(draft: dict, db: str) -> None:
    name = draft["invoice_number"]
    st.download_button(
        "Download PDF",
        partial(ir.invoice_pdf, draft["draft_id"], db),
        file_name=f"{name}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key="invoice_pdf",
    )
    st.download_button(
        "Download CSV",
        partial(ir.invoice_csv, draft["draft_id"], db),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="invoice_csv",
    )


def show_actions(draft: dict, open_exceptions: int, user: str | None, db: str) -> None:
    with st.container(horizontal=True):
        approvable = draft["status"] == "draft" and user
        if approvable and st.button("Approve…", type="primary", icon=":material/verified:"):
            st.session_state[APPROVING_KEY] = draft["draft_id"]
        if approvable and st.session_state.get(APPROVING_KEY) == draft["draft_id"]:
            confirm_approval(draft, open_exceptions)
        if draft["status"] == "approved":
            show_downloads(draft, db)
        if draft["status"] != "void" and user:
            show_void(draft)
    if user is None and draft["status"] != "void":
        st.caption(app_state.SIGN_IN_HINT)


def draft_caption(draft: dict) -> str:
    parts = [f"Contract {draft['contract_id']}"]
    parts += [f"project {draft['project_id']}"] if draft["project_id"] else []
    parts += [f"PO {draft['po_number']}"] if draft["po_number"] else []
    parts.append(f"drafted by {draft['created_by']}")
    if draft["status"] == "approved":
        parts.append(f"approved by {draft['approved_by']}, issued {draft['issue_date']}")
        parts.append(f"due {draft['due_date']}")
    if draft["status"] == "void":
        parts.append(f"voided by {draft['voided_by']}: {draft['void_reason']}")
    return " · ".join(parts)


def show_lines(draft: dict, user: str | None, stamp) -> None:
    lines = ir.lines_for_review(read_lines(stamp, draft["draft_id"]))
    if draft["excluded_count"]:
        st.caption(
            f"{draft['excluded_count']} line(s) struck out: excluded, not billed. Volume "
            "discounts and the cap are recomputed without them."
        )
    table = {"column_order": list(LINE_COLUMNS), "column_config": LINE_COLUMNS}
    if draft["status"] != "draft" or user is None:
        if draft["status"] != "draft":
            st.caption(f"The invoice is {draft['status']}: its lines no longer change.")
        st.dataframe(lines, hide_index=True, placeholder="—", **table)
        return
    st.caption(
        "Select a line to edit its description, quantity or price, or to exclude it from the "
        "invoice."
    )
    with st.container(key="draft_lines"):
        picked = app_state.selectable_table(
            lines,
            "line_no",
            key="line_table",
            mode="single-row",
            hide_index=True,
            placeholder="—",
            **table,
        )
    if not picked.is_empty():
        show_line_editor(draft["draft_id"], picked.row(0, named=True))
    show_add_line(draft["draft_id"])


def show_draft(draft: dict, found: pl.DataFrame, user: str | None, stamp) -> None:
    number = draft["invoice_number"] or f"Draft #{draft['draft_id']}"
    st.subheader(f"{number} · {draft['client_name']}")
    st.caption(draft_caption(draft))
    if draft["status"] == "approved":
        for text in read_accounting(stamp, draft["draft_id"]):
            (st.warning if " · changed in " in text else st.caption)(text)
    metric_rows(
        [
            ("Subtotal", f"{draft['subtotal']:,.2f}", f"Drafted by {draft['created_by']}"),
            ("Tax", f"{draft['tax']:,.2f}", f"Rate {draft['tax_rate']:.2%}"),
            (f"Total {draft['currency']}", f"{draft['total']:,.2f}", None),
            ("Lines", draft["line_count"], f"{draft['excluded_count']} excluded"),
        ]
    )
    client_exceptions = found.filter(pl.col("client_id") == draft["client_id"])
    open_count = client_exceptions.filter(pl.col("status") == "open").height
    show_actions(draft, open_count, user, stamp[0])
    show_client_exceptions(client_exceptions)
    show_lines(draft, user, stamp)


period, user, stamp = app_state.current_period(), app_state.current_user(), warehouse_stamp()
st.title(f"Draft invoices for {app_state.period_label(period)}")
st.caption(
    "Approved work priced by each contract's terms. A person reviews every draft before it "
    "reaches a client: edit or exclude lines, approve to number it, then download the PDF."
)
app_state.show_flash()
billing = None
try:
    drafts = read_drafts(stamp, period)
    run_exceptions = read_run_exceptions(stamp, period)
    billing = read_billing(stamp, period)
except WarehouseUnreadable as damaged:
    app_state.show_damaged(damaged)
except WarehouseBusy:
    drafts = None
    st.warning(
        "A load is writing to the warehouse right now. Refresh in a moment to see the drafts.",
        icon=":material/hourglass_top:",
    )
show_save(period, drafts, billing, user)
if drafts is not None:
    show_kpis(ir.summarize(drafts))
    show_run_exceptions(run_exceptions, period)
    st.subheader("Drafts")
    selected = drafts.clear()
    if drafts.is_empty() and billing is not None and billing.already_invoiced:
        st.caption(
            f"No drafts were saved here for {app_state.period_label(period)}: its invoices came "
            "from the accounting system."
        )
    elif drafts.is_empty():
        st.info(
            f"**No drafts saved for {app_state.period_label(period)}.** Click **Save drafts** to "
            "price the period's approved work by each contract's terms. Time that is unapproved "
            "or has no contract is not drafted: it shows as an exception instead.",
            icon=":material/receipt_long:",
        )
    else:
        with st.container(key="draft_list"):
            selected = app_state.selectable_table(
                ir.with_contract_text(drafts).with_columns(status_tag=pl.concat_list("status")),
                "draft_id",
                key="draft_table",
                mode="single-row-required",
                columns=DRAFT_COLUMNS,
                placeholder="—",
            )
    if not selected.is_empty():
        st.divider()
        show_draft(selected.row(0, named=True), run_exceptions, user, stamp)
